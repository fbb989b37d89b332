"""The platform center (平台中心): intake decisions, dispatch, merges, escalation, extensions,
and the work-order lists."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    action_routes,
    api,
    json_response,
    page_params,
)
from chalicelib.intake.services import photos
from chalicelib.work_orders.services import callbacks, dispatch, lists, similarity

bp = Blueprint(__name__)

action_routes(
    bp,
    "operator",
    (
        "accept",
        Action.ACCEPT,
        dispatch.accept_appeal,
        schemas.ACCEPT,
        "Accept (受理) a submitted appeal, optionally reclassifying it",
    ),
    (
        "reject",
        Action.REJECT,
        dispatch.reject_appeal,
        schemas.REJECT,
        "Reject (不予受理) an appeal, with a `reason_code` (out_of_scope, other_procedure, "
        "duplicate, no_content, abusive) and the reason in words",
    ),
    (
        "transfer",
        Action.TRANSFER,
        dispatch.transfer_appeal,
        schemas.TRANSFER,
        "Transfer at once (即时转办) to 110, 119, 120, 122 or another body (`to: other` with "
        "its `name`), with a note: terminal state `transferred`; the citizen is told where",
    ),
    (
        "urge",
        Action.URGE,
        dispatch.urge_appeal,
        schemas.URGE,
        "Urge (催办) the department holding an open work order (operators and leaders): a "
        "timeline event, a `work_order.urged` notice to the department, counted per period",
    ),
    (
        "callback",
        Action.CALLBACK,
        callbacks.callback_appeal,
        schemas.CALLBACK,
        "Call the citizen back (回访) about a replied appeal the citizen has not rated: "
        "`reached: false` is recorded (at most 3 calls per reply); reached, `resolved` and "
        "`satisfaction` (satisfied 满意 → 5, basically_satisfied 基本满意 → 4, dissatisfied "
        "不满意 → 2) are the rating, by the center, closing it (or `rework: true` when "
        "dissatisfied, as the citizen may ask)",
    ),
    (
        "dispatch",
        Action.DISPATCH,
        dispatch.dispatch_appeal,
        schemas.DISPATCH,
        "Dispatch (转办) to a department; from submitted it accepts and dispatches in one step",
    ),
    (
        "merge",
        Action.MERGE,
        dispatch.merge_appeal,
        schemas.MERGE,
        "Merge a duplicate into another appeal",
    ),
    (
        "escalate",
        Action.ESCALATE,
        dispatch.escalate_appeal,
        schemas.ESCALATE,
        "Escalate (提级督办) to a level from 1 to 3",
    ),
    (
        "extension/decision",
        Action.DECIDE_EXTENSION,
        dispatch.decide_extension,
        schemas.EXTENSION_DECISION,
        "Approve or refuse a department's extension request",
    ),
    (
        "media/publish",
        Action.PUBLISH_MEDIA,
        photos.publish_photo,
        schemas.PUBLISH_MEDIA,
        "Mark photo `index` public (`public: true`) or take the mark back: the public sees "
        "marked photos of a public appeal only, from a copy that does not name the citizen",
    ),
)

WORK_ORDER_FILTERS = tuple(
    {"name": name, "in": "query", "schema": schema}
    for name, schema in (
        (
            "state",
            {
                "type": "string",
                "enum": [s for s in schemas.APPEAL_SUMMARY["properties"]["state"]["enum"]],
            },
        ),
        ("department_id", {"type": "string"}),
        ("overdue", {"type": "boolean"}),
        ("escalated", {"type": "boolean"}),
        ("channel", {"type": "string"}),
        ("kind", {"type": "string"}),
        ("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}),
    )
)


WORK_ORDER_LIMIT = {
    **LIMIT_PARAM,
    "description": "Matches wanted per page. With filters beyond the index the list follows "
    f"(for example state and channel), one request reads at most {lists.READ_FACTOR} x "
    "limit work orders: a page may then hold fewer than limit items, even none, with a "
    "next_cursor to go on. Only a null next_cursor means the list is complete.",
}


@api(
    bp,
    "/work-orders",
    "GET",
    summary="Work orders (a department sees its own only), newest first, from an index",
    roles=(Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN),
    tag="operator",
    responses={200: schemas.APPEAL_PAGE},
    query=(*WORK_ORDER_FILTERS, WORK_ORDER_LIMIT, CURSOR_PARAM),
)
def list_work_orders(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    query = dict(bp.current_request.query_params or {})
    return json_response(lists.list_work_orders(principal, query, limit, cursor))


CALLBACK_PAGE = schemas.listing(
    {
        **schemas.APPEAL_SUMMARY,
        "properties": {
            **schemas.APPEAL_SUMMARY["properties"],
            "callbacks": {
                "type": "integer",
                "description": "calls not reached so far about the reply in force",
            },
        },
    }
)


@api(
    bp,
    "/callbacks",
    "GET",
    summary="The call-back list (回访): replied appeals waiting for a rating, hotline and "
    "mailbox callers first, then the rest, oldest reply first within each; each with the "
    "calls already made about its reply (`callbacks`), those called 3 times left out",
    roles=(Role.OPERATOR,),
    tag="operator",
    responses={200: CALLBACK_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def callback_list(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(callbacks.callback_list(principal, limit, cursor))


SIMILAR = {
    "type": "object",
    "required": ["appeal_id", "items"],
    "properties": {
        "appeal_id": {"type": "string"},
        "since": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [*schemas.APPEAL_SUMMARY["required"], "reasons"],
                "properties": {
                    **schemas.APPEAL_SUMMARY["properties"],
                    "distance_m": {"type": ["integer", "null"]},
                    "shared_words": {"type": "array", "items": {"type": "string"}},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


@api(
    bp,
    "/appeals/{appeal_id}/similar",
    "GET",
    summary="Possible duplicates (for merging): appeals of the last 30 days in the same "
    "category within 500 m, or with at least 3 topic words in common; nearby first, at "
    f"most {similarity.SHOWN}, from the {similarity.CANDIDATES} most recent (never a scan)",
    roles=(Role.OPERATOR,),
    tag="operator",
    responses={200: SIMILAR},
)
def similar_appeals(principal: Principal, appeal_id: str) -> Response:
    return json_response(similarity.similar_appeals(principal, appeal_id))
