"""The 12345 hotline: an operator records a call on the caller's behalf, and looks up what
the same number asked before (the duplicate check's first step).

The appeal belongs to the caller's phone number (``services/owners.py``): a citizen who
later signs in with that number, verified, finds it among their own. Everything the call
names is checked before anything is written, so a refused call leaves nothing behind."""

from __future__ import annotations

from typing import Any

from chalicelib.channels.hotline.domain.schemas import HOTLINE_APPEAL
from chalicelib.core.domain import identities, phones
from chalicelib.core.domain.appeal import Appeal, Channel
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import APPEAL_RECORD
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.services.owners import phone_owner
from chalicelib.core.store import appeals as appeal_store
from chalicelib.intake.services import intake
from chalicelib.work_orders.services import dispatch


def caller(e164: str, name: str | None = None) -> Principal:
    """The caller as the appeal's owner."""
    return Principal(id=phone_owner(e164), role=Role.CITIZEN, username=name or "hotline")


def caller_number(raw: str, field: str) -> str:
    e164 = phones.normalize(raw)
    if e164 is None:
        raise ValidationFailed.one(field, "is not a valid phone number")
    return e164


def record_call(operator: Principal, body: Any) -> Appeal:
    """Store the caller's appeal on the ``hotline`` channel; with ``accept`` or
    ``dispatch``, take the center's first step on it in the same call."""
    request = validate(HOTLINE_APPEAL, body)
    e164 = caller_number(request["caller"]["phone"], "caller.phone")
    name = request["caller"].get("name")
    appeal_request: dict[str, Any] = {
        key: request[key]
        for key in ("kind", "title", "content", "category", "location", "is_public")
        if key in request
    }
    appeal_request["channel"] = Channel.HOTLINE.value
    appeal_request["contact"] = {"phone": e164, **({"name": name} if name else {})}
    owner = caller(e164, name)
    checked = intake.validated_request(owner, appeal_request, APPEAL_RECORD)
    routing = request.get("dispatch")
    if routing is not None:
        errors = dispatch.check_dispatch(routing)
        if errors:
            raise ValidationFailed([{**e, "field": f"dispatch.{e['field']}"} for e in errors])
    appeal = intake.store_appeal(owner, checked, recorded_by=operator)
    if routing is not None:
        return dispatch.dispatch_appeal(operator, appeal.id, routing)
    if request.get("accept"):
        return dispatch.accept_appeal(operator, appeal.id, {})
    return appeal


def caller_appeals(
    operator: Principal, raw_phone: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The appeals taken for a phone number (hotline and SMS), newest first."""
    e164 = caller_number(raw_phone, "phone")
    items, next_cursor = appeal_store.list_by_citizen(phone_owner(e164), limit, cursor)
    return {"items": [a.summary(operator) for a in items], "next_cursor": next_cursor}


def owner_key_of(appeal: Appeal) -> str | None:
    """The owner key a hotline appeal should have now, from the caller's number it keeps
    (``contact.phone``), if its key is that number's (either the earlier version's hash or
    the current key); None when its contact does not give it (the owner-key migration)."""
    phone = phones.normalize(str((appeal.contact or {}).get("phone") or ""))
    if phone is None:
        return None
    current = phone_owner(phone)
    if appeal.citizen_id in (current, identities.legacy_owner("tel", phone)):
        return current
    return None
