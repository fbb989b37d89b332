"""Early-warning alerts (未诉先办): the list for leaders and the center, and what an
operator does about one."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    api,
    json_response,
    page_params,
    read_json,
)
from chalicelib.figures.services import warnings

bp = Blueprint(__name__)

ALERT = {
    "type": "object",
    "description": "A topic word or category unusually high in one town or street this "
    "ISO week (the Poisson upper tail of the 8 weeks before below 0.01, at least 5 distinct "
    "citizens). No names, numbers or appeals: counts only.",
    "properties": {
        "id": {"type": "string", "description": "The ISO week, then a digest"},
        "week": {"type": "string", "description": "ISO week, YYYY-Www"},
        "place_id": {"type": "string"},
        "place_name": {"type": "string"},
        "dimension": {"type": "string", "enum": ["word", "category"]},
        "key": {"type": "string", "description": "The topic word, or the category's code"},
        "label": {"type": "string", "description": "The word, or the category's name"},
        "citizens": {"type": "integer", "description": "Distinct citizens this week"},
        "baseline": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Distinct citizens in each of the 8 weeks before, oldest first",
        },
        "rate": {"type": "number", "description": "The weekly rate tested against"},
        "p_value": {"type": "number"},
        "raised_at": {"type": "string", "format": "date-time"},
        "state": {
            "type": "string",
            "enum": ["open", "acting", "acted"],
            "description": "acting: a proactive work order is being opened on it",
        },
        "action": {
            "type": "object",
            "description": "What was done: a note, or a proactive work order (主动治理)",
            "properties": {
                "type": {"type": "string", "enum": ["note", "work_order"]},
                "note": {"type": "string"},
                "appeal_id": {"type": "string"},
                "department_id": {"type": "string"},
                "by": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
            },
        },
    },
}
ALERT_PAGE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": ALERT},
        "next_cursor": {"type": ["string", "null"]},
    },
}
STATE_PARAM = {
    "name": "state",
    "in": "query",
    "schema": {"type": "string", "enum": list(warnings.STATES)},
}


@api(
    bp,
    "/alerts",
    "GET",
    summary="Early-warning alerts (未诉先办), newest week first",
    roles=(Role.LEADER, Role.OPERATOR),
    tag="leader",
    responses={200: ALERT_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM, STATE_PARAM),
)
def list_alerts(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    state = params.get("state")
    return json_response(warnings.list_alerts(principal, limit, cursor, state))


@api(
    bp,
    "/alerts/{alert_id}/act",
    "POST",
    summary="Mark an alert acted on, with a note (once per alert)",
    roles=(Role.OPERATOR,),
    tag="operator",
    request=warnings.ACT,
    responses={200: ALERT},
)
def act_on_alert(principal: Principal, alert_id: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(warnings.act_on_alert(principal, alert_id, body))


@api(
    bp,
    "/alerts/{alert_id}/work-order",
    "POST",
    summary="Open a proactive work order (主动治理) on an alert, dispatched to a department: "
    "channel proactive, no citizen; the alert is then acted on",
    roles=(Role.OPERATOR,),
    tag="operator",
    request=warnings.WORK_ORDER,
    responses={201: ALERT},
)
def alert_work_order(principal: Principal, alert_id: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(warnings.alert_work_order(principal, alert_id, body), status=201)
