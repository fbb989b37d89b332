"""Who an appeal belongs to when it did not come from a signed-in citizen.

An appeal taken by the hotline belongs to the caller's phone number; one that came by mail
belongs to the sender's address; one from the WeChat official account belongs to the
follower's OpenID. Each is an owner key in the appeal's ``citizen_id`` (``tel:``, ``mail:``,
``wechat:`` and a digest, so the raw number or address is never an index key or a log
field). A citizen who signs in with a verified phone number owns the ``tel:`` key of that
number as well as their own id (``Principal.aliases``).
"""

from __future__ import annotations

import hashlib

_PEPPER = "minsheng-owner"


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{_PEPPER}\0{kind}\0{value}".encode()).hexdigest()[:32]


def phone_owner(e164: str) -> str:
    """The owner key of a phone number in E.164 form (``+8613812345678``)."""
    return f"tel:{_digest('tel', e164)}"


def mail_owner(address: str) -> str:
    """The owner key of an email address (compared without case)."""
    return f"mail:{_digest('mail', address.strip().lower())}"


def wechat_owner(app_id: str, open_id: str) -> str:
    """The owner key of a WeChat follower (an OpenID is per official account)."""
    return f"wechat:{_digest('wechat', f'{app_id}:{open_id}')}"
