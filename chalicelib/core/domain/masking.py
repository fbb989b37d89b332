"""Masking of personal data for every view that does not need it in clear.

Masking is done when an appeal is shown, never on the stored record: the citizen, the
platform center and the handling department read what was written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any


def mask_phone(phone: str | None) -> str | None:
    """138****1234 for mainland mobiles; keep at most the first 3 and last 4 digits."""
    if not phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) <= 5:
        return "*" * len(digits)
    head = digits[:3] if len(digits) >= 11 else digits[:1]
    return head + "*" * (len(digits) - len(head) - 4) + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays, the rest becomes stars."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def _keep(head: int, tail: int) -> Any:
    def mask(match: re.Match[str]) -> str:
        value = match.group(0)
        middle = len(value) - head - tail
        return value[:head] + "*" * max(middle, 1) + (value[-tail:] if tail else "")

    return mask


@cache
def _date() -> re.Pattern[str]:
    return re.compile(r"(?:19|20)\d\d[-－—](?:0?[1-9]|1[0-2])(?:[-－—](?:0?[1-9]|[12]\d|3[01]))?")


def _digits_only(match: re.Match[str]) -> str:
    value = match.group(0)
    if _date().fullmatch(value):
        return value  # a date, not a door
    return re.sub(r"\d", "*", value)


def _mobile(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))[-11:]
    return digits[:3] + "****" + digits[-4:]


def _email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return local[:1] + "***@" + domain


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"

# Between the digits of a number: a space, a dot or a hyphen (in the normal form).
_SEP = "[ .-]"
# What becomes - , . and + in the normal form: the dashes, the dots (middle, full-width) and
# the plus signs (full-width, small) people write numbers with.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_DOTS = "\u00b7\u2022\u2024\u30fb\ufe52\uff0e"
_PLUSES = "\ufe62\uff0b"


@cache
def _unusual() -> re.Pattern[str]:
    """A digit other than 0-9, a space other than ASCII's, a dash, a dot or a plus sign."""
    return re.compile(rf"(?![0-9])\d|(?![\x00-\x7f])\s|[{_DASHES}{_DOTS}{_PLUSES}]")


def _usual(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _DASHES:
        return "-"
    if char in _DOTS:
        return "."
    if char in _PLUSES:
        return "+"
    # A Unicode decimal digit (what \d matches beyond 0-9) is its value to int(), as to
    # unicodedata.decimal, whose C module a function would load for this alone.
    return str(int(char)) if char.isdecimal() else " "


def _normal(text: str) -> str:
    """What the rules match, character by character: every decimal digit as its ASCII
    digit (full-width １ as 1, as NFKC has it), every other space (U+3000 too) as a space,
    the dashes as -, the dots as ., the plus signs as +. One character for one, so a match
    in the normal form is a match at the same place of the text."""
    return _unusual().sub(_usual, text)


# Order matters: the longest, most specific patterns first, so a bank card is not taken
# for a phone number and an id card not for a bank card.
@cache
def _rules() -> tuple[tuple[re.Pattern[str], Any], ...]:
    """Compiled on first use: the functions that never mask never pay for compiling them."""
    return (
        (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), _email),
        # Resident id card: 18 characters, the last a digit or X.
        (
            re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{9}[\dXx](?![0-9A-Za-z])"),
            _keep(3, 4),
        ),
        # Bank card: 16 to 19 digits, possibly grouped by spaces, dots or dashes.
        (re.compile(rf"(?<!\d)(?:\d{_SEP}?){{15,18}}\d(?!\d)"), _keep(4, 4)),
        # Mainland mobile, with or without +86, separators anywhere between its digits.
        (
            re.compile(
                rf"(?<!\d)(?:\+?86{_SEP}{{0,2}})?1{_SEP}{{0,2}}[3-9](?:{_SEP}{{0,2}}\d){{9}}(?!\d)"
            ),
            _mobile,
        ),
        # Landline: area code 0xx or 0xxx, then 7 or 8 digits.
        (re.compile(rf"(?<!\d)0\d{{2,3}}{_SEP}?\d{{7,8}}(?!\d)"), _keep(4, 2)),
        # Any other run of 7 or more digits (a number written without its area code).
        (re.compile(r"(?<!\d)\d{7,}(?!\d)"), _keep(1, 2)),
        # Licence plates: province, letter, then 5 (or 6 for new-energy) letters or digits.
        (
            re.compile(
                rf"[{_PROVINCES}][A-Za-z][·•.\s]?[A-Za-z0-9]{{4}}[A-Za-z0-9挂学警港澳]{{1,2}}"
            ),
            _keep(2, 0),
        ),
        # House, building, unit and room numbers.
        (
            re.compile(
                r"\d+(?:[-－—]\d+)*\s*(?:号楼|号院|号|栋|幢|单元|室|楼|层|户|弄|座)"
                r"|(?<![A-Za-z0-9])\d{1,4}[-－—]\d{1,4}(?:[-－—]\d{1,4})?(?![A-Za-z0-9])"
            ),
            _digits_only,
        ),
    )


def mask_text(text: str | None, names: Iterable[str] = ()) -> str | None:
    """Free text as those who do not handle the appeal may read it: phone numbers, id and
    bank card numbers, e-mail addresses, licence plates and house numbers masked, and the
    names the appeal itself records (its contact, its handler) wherever they appear. A
    number is found however it is written: in full-width digits, with spaces (U+3000 too),
    dots or dashes between its digits."""
    if not text:
        return text
    for name in sorted(
        {n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True
    ):
        text = text.replace(name, mask_name(name) or "")
    normal = _normal(text)
    for pattern, replace in _rules():
        if normal == text:
            text = normal = pattern.sub(replace, text)
        else:
            text, normal = _substitute(pattern, replace, text, normal)
    return text


def _substitute(
    pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str, normal: str
) -> tuple[str, str]:
    """``pattern`` matched in the normal form and each match replaced in both; what no
    match took (or a match left as it was, a date) stays as written, full-width or not."""
    kept: list[str] = []
    normals: list[str] = []
    start = 0
    for match in pattern.finditer(normal):
        masked = replace(match)
        clear = masked == match.group(0)
        kept += (
            text[start : match.start()],
            text[match.start() : match.end()] if clear else masked,
        )
        normals += (normal[start : match.start()], masked)
        start = match.end()
    kept.append(text[start:])
    normals.append(normal[start:])
    return "".join(kept), "".join(normals)


# Where a Chinese address stops being an area and starts being a door.
_AREA_END = r"^.*?(?:街道|镇|乡|社区|村)"
_ROAD_END = r"^\D*?(?:大道|路|街|巷|胡同|道)"
# 0.01° is about 1.1 km north-south and 0.9 km east-west at the district's latitude:
# no shown point is closer than about 500 m to the real one, on average.
COARSE_DEGREES = 2


def coarse_address(address: str | None) -> str | None:
    """The street or town an address lies in, never the road number or the door."""
    if not address:
        return None
    text = address.strip()
    for pattern in (_AREA_END, _ROAD_END):
        match = re.match(pattern, text)  # compiled on first use, then from re's cache
        if match and not re.search(r"\d", match.group(0)):
            return match.group(0)
    return None


def coarse_location(location: dict[str, Any] | None) -> dict[str, Any] | None:
    """The location as the public may see it: the point rounded to about a kilometre and
    the address cut to its street or town."""
    if not location:
        return None
    coarse: dict[str, Any] = {}
    for axis in ("lat", "lng"):
        if location.get(axis) is not None:
            coarse[axis] = round(float(location[axis]), COARSE_DEGREES)
    coarse["address"] = coarse_address(location.get("address"))
    return coarse


def without_recipient(text: str, recipient: str) -> str:
    """A provider's error text (SES, SNS) fit for a log line: the recipient's address or
    number, wherever it is named (in any case), and any other address or number masked."""
    if recipient:
        shown = mask_phone(recipient) if "@" not in recipient else _email_of(recipient)
        text = re.sub(re.escape(recipient), shown or "***", text, flags=re.IGNORECASE)
    return mask_text(text) or ""


def _email_of(address: str) -> str:
    local, _, domain = address.partition("@")
    return local[:1] + "***@" + domain


REPORTER = "举报人"


def without_reporter(text: str | None, name: str | None, phone: str | None) -> str | None:
    """A 举报's text as those who must not learn who made it read it: the reporter's name
    becomes 举报人 and their number stars, however it is spaced; the rest stays as written
    (the department needs the facts reported)."""
    if not text:
        return text
    out = text
    if name and len(name.strip()) >= 2:
        # As written, and as masking for a supervisor left it (张*: the family name).
        out = out.replace(name.strip(), REPORTER).replace(mask_name(name.strip()) or "", REPORTER)
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())[-11:]
    if len(digits) >= 5:
        spaced = r"[\s.\-]?".join(re.escape(d) for d in digits)
        out = re.sub(rf"(?<!\d)(?:\+?86[\s.\-]?)?{spaced}(?!\d)", "*" * len(digits), out)
        out = out.replace(mask_phone(digits) or "", "*" * len(digits))
    return out
