"""Who an appeal belongs to when it did not come from a signed-in citizen.

An appeal taken by the hotline belongs to the caller's phone number; one that came by mail
belongs to the sender's address; one from the WeChat official account belongs to the
follower's OpenID. Each is an owner key in the appeal's ``citizen_id`` (``tel:``, ``mail:``,
``wechat:`` and a digest, so the raw number or address is never an index key or a log
field). A citizen who signs in with a verified phone number owns the ``tel:`` key of that
number as well as their own id (``Principal.aliases``).

The digest is an HMAC-SHA256 keyed with the stack's owner-key secret (Secrets Manager,
``core/integrations/secrets.py``): a phone number has few enough possible values that a
digest anyone can compute would give the number back to whoever sees the key and the
masked number. Without the secret, a key says nothing about the number.
"""

from __future__ import annotations

import hashlib
import hmac

# Keys written before the secret: SHA-256 with this constant. Kept only so the migration
# (``python -m infra.migrate_owner_keys``) can recognise them; nothing new is keyed so.
_LEGACY_PEPPER = "minsheng-owner"
KINDS = ("tel", "mail", "wechat")


def _digest(key: bytes, kind: str, value: str) -> str:
    if not key:
        raise ValueError("an owner key needs the stack's owner-key secret")
    return hmac.new(key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]


def _mail_value(address: str) -> str:
    return address.strip().lower()


def _wechat_value(app_id: str, open_id: str) -> str:
    return f"{app_id}:{open_id}"


def phone_owner(e164: str, key: bytes) -> str:
    """The owner key of a phone number in E.164 form (``+8613812345678``)."""
    return f"tel:{_digest(key, 'tel', e164)}"


def mail_owner(address: str, key: bytes) -> str:
    """The owner key of an email address (compared without case)."""
    return f"mail:{_digest(key, 'mail', _mail_value(address))}"


def wechat_owner(app_id: str, open_id: str, key: bytes) -> str:
    """The owner key of a WeChat follower (an OpenID is per official account)."""
    return f"wechat:{_digest(key, 'wechat', _wechat_value(app_id, open_id))}"


def legacy_owner(kind: str, value: str) -> str:
    """The key an earlier version wrote for ``value`` (an E.164 number, an address, or
    ``{app_id}:{open_id}``): what the migration looks for, never what is written."""
    if kind not in KINDS:
        raise ValueError(f"no owner keys of kind {kind!r}")
    if kind == "mail":
        value = _mail_value(value)
    digest = hashlib.sha256(f"{_LEGACY_PEPPER}\0{kind}\0{value}".encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def is_owner_key(citizen_id: str) -> bool:
    """Whether ``citizen_id`` is a channel's owner key (not a signed-in citizen's id)."""
    kind, sep, digest = citizen_id.partition(":")
    return bool(sep) and kind in KINDS and len(digest) == 32
