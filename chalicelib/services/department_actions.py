"""A department's actions on its own work orders."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import schemas
from chalicelib.domain.appeal import Appeal
from chalicelib.domain.principal import Principal
from chalicelib.domain.workflow import Action
from chalicelib.services.transitions import perform


def sign_work_order(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.SIGN, body, schema=schemas.SIGN)


def record_contact(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.CONTACT, body, schema=schemas.CONTACT)


def reply_to_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.REPLY, body, schema=schemas.REPLY)


def return_work_order(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.RETURN, body, schema=schemas.RETURN)


def request_extension(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal, appeal_id, Action.REQUEST_EXTENSION, body, schema=schemas.EXTENSION_REQUEST
    )
