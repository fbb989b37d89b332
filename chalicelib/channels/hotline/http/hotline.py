"""The 12345 hotline's operators: record a call, look up a caller's earlier appeals."""

from __future__ import annotations

import json

from chalice.app import Blueprint, Response

from chalicelib.channels.hotline.domain import schemas as hotline_schemas
from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    IDEMPOTENCY_HEADER,
    LIMIT_PARAM,
    api,
    idempotent,
    json_response,
    page_params,
    read_json,
)

bp = Blueprint(__name__)
OPERATORS = (Role.OPERATOR,)


@api(
    bp,
    "/hotline/appeals",
    "POST",
    summary="Record a hotline call as an appeal belonging to the caller's phone number; "
    "optionally accept or dispatch it in the same call",
    roles=OPERATORS,
    tag="operator",
    request=hotline_schemas.HOTLINE_APPEAL,
    responses={201: schemas.APPEAL},
    headers=(IDEMPOTENCY_HEADER,),
)
def record_call(principal: Principal) -> Response:
    # Imported here: the phone-number library is only for the hotline's calls, not every
    # function's cold start.
    from chalicelib.channels.hotline.services import hotline

    body = read_json(bp.current_request)
    response = idempotent(
        bp,
        principal,
        "hotline_call",
        body,
        lambda: hotline.record_call(principal, body),
        201,
    )
    appeal_id = json.loads(str(response.body))["id"]
    response.headers["Location"] = f"/appeals/{appeal_id}"
    return response


@api(
    bp,
    "/hotline/callers/{phone}/appeals",
    "GET",
    summary="The appeals taken for a caller's phone number, newest first (the duplicate "
    "check's first step); the number in any usual form, e.g. 13812345678 or +8613812345678",
    roles=OPERATORS,
    tag="operator",
    responses={200: schemas.APPEAL_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def caller_appeals(principal: Principal, phone: str) -> Response:
    from urllib.parse import unquote

    from chalicelib.channels.hotline.services import hotline

    limit, cursor = page_params(bp.current_request)
    return json_response(hotline.caller_appeals(principal, unquote(phone), limit, cursor))
