"""The owner keys of citizens who reach the platform through a channel rather than an
account (``domain/identities.py``), keyed with the stack's owner-key secret."""

from __future__ import annotations

from chalicelib.core.domain import identities
from chalicelib.core.integrations.secrets import owner_key


def phone_owner(e164: str) -> str:
    return identities.phone_owner(e164, owner_key())


def mail_owner(address: str) -> str:
    return identities.mail_owner(address, owner_key())


def wechat_owner(app_id: str, open_id: str) -> str:
    return identities.wechat_owner(app_id, open_id, owner_key())
