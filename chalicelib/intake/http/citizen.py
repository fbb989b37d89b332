"""The citizen's calls: submit, follow, upload photos."""

from __future__ import annotations

import json

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    IDEMPOTENCY_HEADER,
    LIMIT_PARAM,
    action_route,
    api,
    idempotent,
    json_response,
    page_params,
    read_json,
)
from chalicelib.intake.services import intake, uploads
from chalicelib.work_orders.services import rating

bp = Blueprint(__name__)
CITIZEN = (Role.CITIZEN,)
ANYONE_SIGNED_IN = tuple(Role)


@api(
    bp,
    "/appeals",
    "POST",
    summary="Submit an appeal",
    roles=CITIZEN,
    tag="citizen",
    request=schemas.APPEAL_CREATE,
    responses={201: schemas.APPEAL},
    headers=(IDEMPOTENCY_HEADER,),
)
def submit(principal: Principal) -> Response:
    body = read_json(bp.current_request)
    response = idempotent(
        bp, principal, "submit_appeal", body, lambda: intake.submit_appeal(principal, body), 201
    )
    appeal_id = json.loads(str(response.body))["id"]
    response.headers["Location"] = f"/appeals/{appeal_id}"
    return response


@api(
    bp,
    "/appeals/mine",
    "GET",
    summary="The caller's own appeals, newest first",
    roles=CITIZEN,
    tag="citizen",
    responses={200: schemas.APPEAL_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def mine(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(intake.list_my_appeals(principal, limit, cursor))


@api(
    bp,
    "/appeals/{appeal_id}",
    "GET",
    summary="One appeal with its timeline (404 for an appeal the caller may not see)",
    roles=ANYONE_SIGNED_IN,
    tag="citizen",
    responses={200: schemas.APPEAL},
)
def read(principal: Principal, appeal_id: str) -> Response:
    return json_response(intake.get_appeal(principal, appeal_id))


@api(
    bp,
    "/uploads",
    "POST",
    summary="A presigned S3 POST form for one photo (type and size enforced by S3)",
    roles=CITIZEN,
    tag="citizen",
    request=schemas.UPLOAD_CREATE,
    responses={201: schemas.UPLOAD_TICKET},
)
def upload(principal: Principal) -> Response:
    ticket = uploads.create_upload_ticket(principal, read_json(bp.current_request))
    return json_response(ticket, 201)


action_route(
    bp,
    "/appeals/{appeal_id}/rating",
    action=Action.RATE,
    service=rating.rate_appeal,
    request=schemas.RATING,
    tag="citizen",
    summary="Rate the reply (closes the appeal), or ask for rework with a score of 2 or less",
)
