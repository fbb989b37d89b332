"""Leaders: instructions on appeals (点评批示), following them (跟踪关注), supervision."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock, schemas
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.workflow import Action
from chalicelib.core.store import appeals as appeal_store
from chalicelib.work_orders.services.transitions import load_for, perform
from chalicelib.work_orders.store import follows


def comment_on_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.COMMENT, body, schema=schemas.COMMENT)


def follow_appeal(principal: Principal, appeal_id: str) -> dict[str, Any]:
    load_for(principal, appeal_id, Action.COMMENT)  # 404 for an unknown appeal
    follows.follow(principal.id, appeal_id, clock.iso(clock.now()))
    return {"appeal_id": appeal_id, "following": True}


def unfollow_appeal(principal: Principal, appeal_id: str) -> dict[str, Any]:
    follows.unfollow(principal.id, appeal_id)
    return {"appeal_id": appeal_id, "following": False}


def following(principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    ids, next_cursor = follows.following(principal.id, limit, cursor)
    appeals = appeal_store.batch_get(ids) if ids else []
    return {"items": [a.summary(principal) for a in appeals], "next_cursor": next_cursor}


def supervision(principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """Open work orders that are escalated or overdue, and open deputies' appeals, most
    recently changed first."""
    items, next_cursor = appeal_store.query_index("supervision", "open", limit=limit, cursor=cursor)
    # The index carries summaries; the whole items name the people whose names a leader's
    # titles must not show (one BatchGetItem for the page).
    whole = appeal_store.batch_get([a.id for a in items]) if items else []
    return {"items": [a.summary(principal) for a in whole], "next_cursor": next_cursor}
