"""A department's actions on its work orders: sign, contact, reply, return, extension, and
its progress notes; and the reply quality check before a reply is sent."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import action_routes, api, json_response, read_json
from chalicelib.work_orders.services import department_actions as actions
from chalicelib.work_orders.services import reply_quality

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


REPLY_CHECK_RESULT = {
    "type": "object",
    "required": ["flags", "score", "threshold", "policy_reference_required"],
    "properties": {
        "flags": {
            "type": "array",
            "description": "What the reply would be flagged for (it can be sent all the same)",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ["unrelated", "no_policy_reference"]},
                    "message": {"type": "string"},
                },
            },
        },
        "score": {
            "type": ["number", "null"],
            "description": "The share of the appeal's content words the reply takes up "
            "(null: the appeal has too few to judge by)",
        },
        "threshold": {
            "type": "number",
            "description": "Below it (and with none of the "
            "category's terms) the reply is flagged unrelated",
        },
        "policy_reference_required": {"type": "boolean"},
    },
}


@api(
    bp,
    "/appeals/{appeal_id}/reply/check",
    "POST",
    summary="The reply quality check (答复质量) of a reply not yet sent: flags a reply that "
    "shares almost no words with the appeal, or a consultation's reply without the policy "
    "reference its category asks for; nothing is written",
    roles=(Role.DEPARTMENT,),
    tag="department",
    request=reply_quality.REPLY_CHECK,
    responses={200: REPLY_CHECK_RESULT},
)
def reply_check(principal: Principal, appeal_id: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(reply_quality.check_reply(principal, appeal_id, body))
