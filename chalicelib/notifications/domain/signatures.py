"""Signed webhooks, both ways. ``X-Minsheng-Signature`` carries comma-separated
``<scheme>=<hex>`` parts:

- ``v2``: the HMAC-SHA256 of ``"{timestamp}.{delivery id}.{raw body}"`` with the
  department's secret. It covers ``X-Minsheng-Delivery``, so a request captured and sent
  again under another delivery id (which the idempotency record would not recognise) does
  not verify;
- ``sha256``: the HMAC-SHA256 of ``"{timestamp}.{raw body}"``, the scheme before v2. It is
  accepted and sent until the transition's last day (a setting), then neither.

During a rotation's overlap two secrets are valid: outbound requests carry each scheme's
signature with each, and inbound requests verify with either."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import date

TIMESTAMP_HEADER = "X-Minsheng-Timestamp"
DELIVERY_HEADER = "X-Minsheng-Delivery"
SIGNATURE_HEADER = "X-Minsheng-Signature"
SCHEME = "v2"
SHA256_SCHEME = "sha256"  # the scheme before v2, during the transition
# How far a request's timestamp may be from the receiver's clock (replays of old requests
# are refused; the delivery id catches replays inside the window).
TOLERANCE_SECONDS = 300
MAX_SIGNATURES = 5
# What a signature is: the lowercase hex of one HMAC-SHA256. Anything else (upper case, the
# wrong length, a character that is not ASCII) matches nothing, as a wrong signature.
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class BadSignature(Exception):
    """Why a request is not accepted as signed (said to the caller: it has the secret or
    it has not, and this tells it nothing about the secret)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``sha256`` scheme's signature (no delivery id)."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_v2(secret: str, timestamp: int, delivery_id: str, body: bytes) -> str:
    message = f"{timestamp}.{delivery_id}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sha256_accepted(today: date, last_day: date) -> bool:
    """Whether the ``sha256`` scheme is still accepted and sent: through its last day."""
    return today <= last_day


def signature_header(
    secrets: Sequence[str], timestamp: int, delivery_id: str, body: bytes, *, sha256: bool
) -> str:
    """Each secret's signatures: ``sha256=<hex>, v2=<hex>`` (v2 alone once ``sha256`` is
    over)."""
    parts: list[str] = []
    for secret in secrets:
        if sha256:
            parts.append(f"{SHA256_SCHEME}={sign(secret, timestamp, body)}")
        parts.append(f"{SCHEME}={sign_v2(secret, timestamp, delivery_id, body)}")
    return ", ".join(parts)


def parse_timestamp(raw: str | None, now: float) -> int:
    if not raw:
        raise BadSignature(f"the {TIMESTAMP_HEADER} header is missing")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be unix seconds")
    timestamp = int(raw)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise BadSignature(
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} seconds from the server's clock"
        )
    return timestamp


def verify(
    secrets: Sequence[str],
    timestamp_raw: str | None,
    delivery_id: str,
    signature_raw: str | None,
    body: bytes,
    now: float,
    *,
    sha256: bool = False,
) -> None:
    """Accept the request if one of its signatures matches one of ``secrets``: a ``v2``
    one, or (while ``sha256`` is accepted) a ``sha256`` one; compared in constant time.
    Raises BadSignature otherwise."""
    timestamp = parse_timestamp(timestamp_raw, now)
    if not signature_raw:
        raise BadSignature(f"the {SIGNATURE_HEADER} header is missing")
    schemes = (SCHEME, SHA256_SCHEME) if sha256 else (SCHEME,)
    offered: list[tuple[str, str]] = []
    for part in signature_raw.split(",")[:MAX_SIGNATURES]:
        scheme, _, value = part.strip().partition("=")
        if scheme in schemes and value:
            offered.append((scheme, value))
    if not offered:
        wanted = f"{SCHEME}=<hex HMAC-SHA256>"
        if sha256:
            raise BadSignature(f"{SIGNATURE_HEADER} must carry {wanted} (or {SHA256_SCHEME}=)")
        raise BadSignature(
            f"{SIGNATURE_HEADER} must carry {wanted}: {SHA256_SCHEME}= signatures are no "
            "longer accepted"
        )
    well_formed = [(s, v.encode("ascii")) for s, v in offered if _HEX_DIGEST.fullmatch(v)]
    matched = False
    for secret in secrets:
        expected = {
            SCHEME: sign_v2(secret, timestamp, delivery_id, body).encode("ascii"),
            SHA256_SCHEME: sign(secret, timestamp, body).encode("ascii"),
        }
        for scheme, digest in well_formed:
            # Every pair is compared (no early exit), each in constant time.
            matched |= hmac.compare_digest(expected[scheme], digest)
    if not matched:
        raise BadSignature("the signature does not match the request")


def challenge_answer(secret: str, challenge: str) -> str:
    """What a department's system answers to a ``webhook.verify`` delivery: the
    challenge's HMAC-SHA256 with its secret, lowercase hex."""
    return hmac.new(secret.encode(), challenge.encode(), hashlib.sha256).hexdigest()


def answers_challenge(secrets: Sequence[str], challenge: str, answer: str) -> bool:
    """Whether ``answer`` is the challenge's answer with one of ``secrets``; compared in
    constant time, anything but lowercase hex of its length matching nothing."""
    if not challenge or not _HEX_DIGEST.fullmatch(answer):
        return False
    matched = False
    for secret in secrets:
        expected = challenge_answer(secret, challenge).encode("ascii")
        matched |= hmac.compare_digest(expected, answer.encode("ascii"))
    return matched
