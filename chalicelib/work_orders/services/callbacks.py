"""回访 and 差评审核: the platform center calls citizens back after the reply and records
what they say as the rating; leaders and admins may exclude a rating from the rates, with
a reason, on record."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.appeal import CALLBACK_ATTEMPTS, Appeal, Channel, State
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.domain.workflow import CENTER, Action, callback_calls
from chalicelib.core.errors import Forbidden, ValidationFailed
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store.cursors import decode_cursor, encode_cursor
from chalicelib.core.store.models import AppealModel
from chalicelib.work_orders.services.transitions import check_role, perform

REWORK_WITH = "dissatisfied"
# Callers with no app to rate in come first on the call-back list.
FIRST_CHANNELS = (Channel.HOTLINE.value, Channel.MAILBOX.value)
LIST_NAME = "callbacks"


def callback_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """One call to the citizen about the reply: not reached (on record, at most three
    calls), or reached and their verdict recorded as the rating, by the center."""
    check_role(principal, Action.CALLBACK)
    params = validate(schemas.CALLBACK, body)
    reached = bool(params["reached"])
    if not reached:
        stray = [f for f in ("resolved", "satisfaction", "rework") if f in params]
        if stray:
            raise ValidationFailed(
                [
                    {"field": f, "message": "is recorded only when the citizen was reached"}
                    for f in stray
                ]
            )
        return perform(principal, appeal_id, Action.CALLBACK_MISSED, params)
    rework = bool(params.get("rework", False))
    if rework and params["satisfaction"] != REWORK_WITH:
        raise ValidationFailed.one("rework", f"may be asked only when {REWORK_WITH}")
    if not rework:
        return perform(principal, appeal_id, Action.CALLBACK, params)
    return perform(principal, appeal_id, Action.CALLBACK_REWORK, params, choose=_rework_action)


def _rework_action(appeal: Appeal) -> Action:
    """Rework of the center's own reply (直办) goes back to the center, as the citizen's
    own request would."""
    reply = appeal.reply or {}
    return Action.CALLBACK_REOPEN if reply.get("by") == CENTER else Action.CALLBACK_REWORK


def review_rating(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """Exclude the appeal's rating from the rates (or take the exclusion back, once)."""
    return perform(principal, appeal_id, Action.REVIEW_RATING, body, schema=schemas.RATING_REVIEW)


def callback_list(principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """Replied appeals waiting for a rating, for the center to call back: hotline and
    mailbox callers first, then the rest, oldest reply first within each (one index, the
    replied state by when it was entered; never a scan). Each with the calls already made
    about its reply (``callbacks``); those called the most times already are left out (read
    whole with one BatchGetItem per page, so a page may hold fewer than ``limit``)."""
    if principal.role is not Role.OPERATOR:
        raise Forbidden("the call-back list is the platform center's")
    phase, inner = "first", None
    if cursor:
        key = decode_cursor(cursor, {"~list": LIST_NAME})
        phase, inner = key.get("phase", ""), key.get("inner") or None
        if phase not in ("first", "rest"):
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
    channel = AppealModel.channel
    items: list[Appeal] = []
    while True:
        first = phase == "first"
        condition = channel.is_in(*FIRST_CHANNELS) if first else ~channel.is_in(*FIRST_CHANNELS)
        found, inner = appeal_store.query_index(
            "by-state",
            State.REPLIED.value,
            limit=limit - len(items),
            cursor=inner,
            filter_condition=condition,
            newest_first=False,
        )
        items += found
        if inner is not None or not first or len(items) >= limit:
            break
        phase = "rest"  # the first part is read to its end: the rest from its start
    next_cursor = None
    if inner is not None:
        next_cursor = encode_cursor({"~list": LIST_NAME, "phase": phase, "inner": inner})
    elif phase == "first":
        next_cursor = encode_cursor({"~list": LIST_NAME, "phase": "rest", "inner": ""})
    whole = appeal_store.batch_get([a.id for a in items]) if items else []
    calls = {a.id: callback_calls(a) for a in whole}
    return {
        "items": [
            {**a.summary(principal), "callbacks": calls[a.id]}
            for a in items
            if calls.get(a.id, CALLBACK_ATTEMPTS) < CALLBACK_ATTEMPTS
        ],
        "next_cursor": next_cursor,
    }
