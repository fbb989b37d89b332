"""In-app notifications (what a push service would deliver): the caller's list and marking
some of them read."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    api,
    json_response,
    page_params,
    read_json,
)
from chalicelib.notifications.domain import schemas as webhook_schemas
from chalicelib.notifications.services import in_app

bp = Blueprint(__name__)


@api(
    bp,
    "/me/notifications",
    "GET",
    summary="The caller's notifications, newest first (what a push service would deliver)",
    roles=tuple(r for r in Role if r is not Role.SYSTEM),
    tag="notifications",
    query=(
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    responses={200: schemas.listing(webhook_schemas.NOTIFICATION)},
)
def my_notifications(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = in_app.page(principal.id, limit, cursor)
    return json_response({"items": items, "next_cursor": next_cursor})


@api(
    bp,
    "/me/notifications/read",
    "POST",
    summary="Mark some of the caller's notifications read (all or none)",
    roles=tuple(r for r in Role if r is not Role.SYSTEM),
    tag="notifications",
    request=webhook_schemas.MARK_READ,
    responses={200: {"type": "object", "properties": {"read": {"type": "integer"}}}},
)
def mark_read(principal: Principal) -> Response:
    request = validate(webhook_schemas.MARK_READ, read_json(bp.current_request))
    in_app.mark_read(principal.id, request["ids"])
    return json_response({"read": len(request["ids"])})
