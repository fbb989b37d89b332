"""Phone numbers as the district uses them: mainland China numbers (mobile and fixed line
with area code), checked and written in E.164 with ``phonenumbers`` (the ``lite`` build:
the same metadata, without geocoding and carrier data).

The platform texts mainland China mobiles only (``mainland_mobile``): a follow-up text
carries a link that rates and closes an appeal as its owner, so it goes to no number the
platform cannot be sure is a mainland subscriber's (a number abroad, a fixed line).

``phonenumbers`` is imported on the first number checked (its package imports its
matcher and formatters: about 16 ms, more than the rest of the users API together), so
the routes that read accounts or appeals without checking a number do not pay for it."""

from __future__ import annotations

import re

REGION = "CN"
_MAINLAND_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")


def normalize(raw: str) -> str | None:
    """``raw`` as E.164 (``+8613812345678``) if it is a valid number, else None. A number
    without a country code is read as mainland China's."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw.strip(), REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an E.164 number can receive an SMS (mobile, or a number that may be one),
    in any country."""
    import phonenumbers

    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mainland_mobile(raw: str) -> str | None:
    """``raw`` as E.164 if it is a mainland China mobile (``+86 1[3-9]`` and nine digits,
    valid and a mobile by the numbering plan), else None: the only numbers texted."""
    e164 = normalize(raw)
    if e164 is None or not _MAINLAND_MOBILE.match(e164) or not is_mobile(e164):
        return None
    return e164
