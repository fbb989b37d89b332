"""Whether SES vouches for a letter's sender: the verdicts SES writes on top of each letter
it stores (``X-SES-Spam-Verdict``, ``X-SES-Virus-Verdict`` and an
``Authentication-Results`` header, ``amazonses.com; spf=… envelope-from=…; dkim=…
header.i=@…; dmarc=… header.from=…;``).

Anyone can write these headers into a letter; SES prepends its own above everything the
sender wrote. So only the topmost occurrence of each counts, and an Authentication-Results
header only when its authserv-id is ``amazonses.com``. Parts of SES's header echo what the
sending server chose (its HELO name, the envelope sender), so the header is believed only
when it names each method once, and every identity a result names must belong to the From
domain: a result or an identity written into those parts shows up twice and is not
believed.

A sender is verified when DMARC passes for the From domain (``header.from`` is that
domain), or, when the domain publishes no DMARC policy (``dmarc=none``, or no result), when
SPF and DKIM both pass for the From domain or a domain of it (relaxed alignment, read as
"one is the other or a subdomain of it"). A DMARC result other than pass or none is never
overruled.

Pure: header pairs in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from chalicelib.core.domain.records import frozen

SES = "amazonses.com"
METHODS = ("spf", "dkim", "dmarc")
# The properties naming whom a result is about (SES writes ``envelope-from`` for SPF).
IDENTITIES = {
    "spf": ("smtp.mailfrom", "envelope-from"),
    "dkim": ("header.d", "header.i"),
    "dmarc": ("header.from",),
}

REASON_UNVERIFIED = "unverified-sender"
REASON_SPAM = "spam"
REASON_VIRUS = "virus"


@frozen
class Result:
    method: str
    result: str
    properties: dict[str, list[str]]

    def identities(self) -> list[str]:
        """The domains this result is about (an address or ``@domain`` read as its domain)."""
        found = []
        for name in IDENTITIES[self.method]:
            for value in self.properties.get(name, []):
                found.append(value.rpartition("@")[2].strip().strip(".").lower())
        return found


@frozen
class Verdict:
    verified: bool  # SES vouches for the From address (see the module's doc)
    spam: bool = False  # SES's spam verdict is FAIL
    virus: bool = False  # SES's virus verdict is FAIL
    via: str | None = None  # "dmarc", "spf+dkim" or None

    @property
    def reason(self) -> str | None:
        """Why this letter may not stand for its sender, if it may not."""
        if self.virus:
            return REASON_VIRUS
        if self.spam:
            return REASON_SPAM
        if not self.verified:
            return REASON_UNVERIFIED
        return None


UNVERIFIED = Verdict(verified=False)


def _first(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name.lower():
            return str(value)
    return None


def _uncommented(text: str) -> str:
    """``text`` without its (nested) comments; an unclosed one runs to the end."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def parse_results(value: str) -> tuple[str, list[Result]] | None:
    """(authserv-id, results) of an Authentication-Results value, or None when it cannot
    be believed: a method named twice, or a property named twice in one result.

    The value is cut at every ``;`` before comments are taken out, so a parenthesis
    somewhere cannot hide what follows it."""
    unfolded = re.sub(r"[\r\n]+", " ", value)
    segments = unfolded.split(";")
    head = _uncommented(segments[0]).split()
    if not head:
        return None
    authserv = head[0].lower()
    results: list[Result] = []
    current: Result | None = None
    for segment in segments[1:]:
        for token in _uncommented(segment).split():
            key, equals, val = token.partition("=")
            key = key.lower()
            if not equals:
                continue
            if key in METHODS:
                if any(r.method == key for r in results):
                    return None
                current = Result(key, val.lower(), {})
                results.append(current)
            elif current is not None:
                current.properties.setdefault(key, []).append(val.strip('"'))
    for result in results:
        if any(len(values) > 1 for values in result.properties.values()):
            return None
    return authserv, results


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment, conservatively: the same domain, or one a subdomain of the other."""
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or domain.endswith("." + from_domain)
        or from_domain.endswith("." + domain)
    )


def _passes_for(result: Result | None, from_domain: str, *, exact: bool = False) -> bool:
    if result is None or result.result != "pass":
        return False
    identities = result.identities()
    if not identities:
        return False
    if exact:
        return all(d == from_domain for d in identities)
    return all(aligned(d, from_domain) for d in identities)


def verdict(headers: Iterable[tuple[str, str]], from_domain: str) -> Verdict:
    """What SES says of a letter with ``headers`` (in order, topmost first) and a From
    address in ``from_domain``."""
    headers = list(headers)
    spam = (_first(headers, "X-SES-Spam-Verdict") or "").strip().upper() == "FAIL"
    virus = (_first(headers, "X-SES-Virus-Verdict") or "").strip().upper() == "FAIL"
    from_domain = from_domain.strip().strip(".").lower()
    value = _first(headers, "Authentication-Results")
    parsed = parse_results(value) if value is not None else None
    if parsed is None or parsed[0] != SES or not from_domain:
        return Verdict(verified=False, spam=spam, virus=virus)
    by_method = {r.method: r for r in parsed[1]}
    dmarc = by_method.get("dmarc")
    if _passes_for(dmarc, from_domain, exact=True):
        return Verdict(verified=True, spam=spam, virus=virus, via="dmarc")
    if dmarc is not None and dmarc.result != "none":
        # DMARC failed (or could not be evaluated): SPF and DKIM do not overrule it.
        return Verdict(verified=False, spam=spam, virus=virus)
    if _passes_for(by_method.get("spf"), from_domain) and _passes_for(
        by_method.get("dkim"), from_domain
    ):
        return Verdict(verified=True, spam=spam, virus=virus, via="spf+dkim")
    return Verdict(verified=False, spam=spam, virus=virus)
