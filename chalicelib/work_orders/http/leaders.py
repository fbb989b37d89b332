"""District leaders: instructions, following, the supervision list."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    action_route,
    api,
    json_response,
    page_params,
)
from chalicelib.core.services import views
from chalicelib.work_orders.services import callbacks, leaders

bp = Blueprint(__name__)
LEADER = (Role.LEADER,)
FOLLOW = {
    "type": "object",
    "properties": {"appeal_id": {"type": "string"}, "following": {"type": "boolean"}},
}

action_route(
    bp,
    "/appeals/{appeal_id}/comments",
    action=Action.COMMENT,
    service=leaders.comment_on_appeal,
    request=schemas.COMMENT,
    tag="leader",
    summary="Comment or instruct (点评批示): appended to the appeal's timeline",
)

action_route(
    bp,
    "/appeals/{appeal_id}/rating/review",
    action=Action.REVIEW_RATING,
    service=callbacks.review_rating,
    request=schemas.RATING_REVIEW,
    tag="leader",
    summary="Review a rating (差评审核; leaders and admins): `exclude: true` with a `reason` "
    "takes it out of the rates (a rating of a policy, an unlawful demand), `exclude: false` "
    "takes that back, once; the rating stays on record, the decision in the timeline",
)


@api(
    bp,
    "/appeals/{appeal_id}/comments",
    "GET",
    summary="Every comment on an appeal, oldest first (the appeal itself shows the latest "
    f"{views.INLINE_COMMENTS}); for the center, the handling departments, leaders and admins",
    roles=(Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN),
    tag="leader",
    responses={200: schemas.COMMENT_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def comments(principal: Principal, appeal_id: str) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(views.list_comments(principal, appeal_id, limit, cursor))


@api(
    bp,
    "/appeals/{appeal_id}/follow",
    "PUT",
    summary="Follow an appeal (idempotent)",
    roles=LEADER,
    tag="leader",
    responses={200: FOLLOW},
)
def follow(principal: Principal, appeal_id: str) -> Response:
    return json_response(leaders.follow_appeal(principal, appeal_id))


@api(
    bp,
    "/appeals/{appeal_id}/follow",
    "DELETE",
    summary="Stop following an appeal",
    roles=LEADER,
    tag="leader",
    responses={200: FOLLOW},
)
def unfollow(principal: Principal, appeal_id: str) -> Response:
    return json_response(leaders.unfollow_appeal(principal, appeal_id))


@api(
    bp,
    "/me/following",
    "GET",
    summary="The appeals the caller follows",
    roles=LEADER,
    tag="leader",
    responses={200: schemas.APPEAL_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def my_following(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(leaders.following(principal, limit, cursor))


@api(
    bp,
    "/supervision",
    "GET",
    summary="Open work orders that are escalated or overdue, and open deputies' appeals",
    roles=(Role.LEADER, Role.OPERATOR, Role.ADMIN),
    tag="leader",
    responses={200: schemas.APPEAL_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
)
def supervision_list(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(leaders.supervision(principal, limit, cursor))
