"""A department's actions on its work orders: sign, contact, reply, return, extension,
and its progress notes."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core.domain import schemas
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import action_routes
from chalicelib.work_orders.services import department_actions as actions

bp = Blueprint(__name__)

action_routes(
    bp,
    "department",
    (
        "sign",
        Action.SIGN,
        actions.sign_work_order,
        schemas.SIGN,
        "Sign for (签收) a dispatched work order: due 15 minutes after dispatch",
    ),
    (
        "contact",
        Action.CONTACT,
        actions.record_contact,
        schemas.CONTACT,
        "Record contact (联系) with the citizen: due 30 minutes after dispatch",
    ),
    (
        "reply",
        Action.REPLY,
        actions.reply_to_appeal,
        schemas.REPLY,
        "Reply (答复): due in working days by kind and category",
    ),
    (
        "return",
        Action.RETURN,
        actions.return_work_order,
        schemas.RETURN,
        "Return (退回) the work order to the center with a reason, and optionally the body "
        "the department thinks `responsible`: a dispatch dispute (派单异议) the center decides",
    ),
    (
        "extension",
        Action.REQUEST_EXTENSION,
        actions.request_extension,
        schemas.EXTENSION_REQUEST,
        "Ask the center for more working days to reply (延期)",
    ),
    (
        "note",
        Action.DEPARTMENT_NOTE,
        actions.note_progress,
        schemas.DEPARTMENT_NOTE,
        "Record progress (办理进展) on an open work order: the center, leaders and the "
        "handling departments read it in the timeline; the citizen does not",
    ),
)
