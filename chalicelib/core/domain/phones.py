"""Phone numbers as the district uses them: mainland China numbers (mobile and fixed line
with area code), checked and written in E.164 with ``phonenumbers`` (the ``lite`` build:
the same metadata, without geocoding and carrier data)."""

from __future__ import annotations

import phonenumbers

REGION = "CN"


def normalize(raw: str) -> str | None:
    """``raw`` as E.164 (``+8613812345678``) if it is a valid number, else None. A number
    without a country code is read as mainland China's."""
    try:
        number = phonenumbers.parse(raw.strip(), REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an E.164 number can receive an SMS (mobile, or a number that may be one)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def found_in(text: str) -> list[str]:
    """The valid numbers written in ``text`` (a letter that gives a number to call back),
    in E.164, each once, in order."""
    found: list[str] = []
    for match in phonenumbers.PhoneNumberMatcher(text, REGION):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in found:
            found.append(e164)
    return found
