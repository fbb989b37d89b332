"""A department's actions on its own work orders."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.workflow import Action
from chalicelib.work_orders.services.transitions import perform


def sign_work_order(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.SIGN, body, schema=schemas.SIGN)


def record_contact(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.CONTACT, body, schema=schemas.CONTACT)


def reply_to_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """The reply, with its quality check's flags on its event (it is sent all the same)."""
    from chalicelib.work_orders.services.reply_quality import flag_reply

    return perform(principal, appeal_id, Action.REPLY, body, schema=schemas.REPLY, check=flag_reply)


def return_work_order(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.RETURN, body, schema=schemas.RETURN)


def request_extension(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal, appeal_id, Action.REQUEST_EXTENSION, body, schema=schemas.EXTENSION_REQUEST
    )


def note_progress(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal, appeal_id, Action.DEPARTMENT_NOTE, body, schema=schemas.DEPARTMENT_NOTE
    )
