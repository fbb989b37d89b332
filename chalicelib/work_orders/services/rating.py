"""The citizen's verdict on a reply: a rating that closes the appeal, or a rework request
that sends it back to the department."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.validation import validate
from chalicelib.core.domain.workflow import CENTER, Action
from chalicelib.core.errors import ValidationFailed
from chalicelib.work_orders.services.transitions import check_role, perform

REWORK_MAX_SCORE = 2


def rate_appeal(
    principal: Principal,
    appeal_id: str,
    body: Any,
    *,
    save: Callable[[Appeal], Appeal] | None = None,
) -> Appeal:
    """Rate (or ask for rework); ``save`` writes the rated appeal when the caller writes
    something with it (the SMS link used by the rating)."""
    check_role(principal, Action.RATE)
    params = validate(schemas.RATING, body)
    rework = bool(params.get("rework", False))
    if rework and params["score"] > REWORK_MAX_SCORE:
        raise ValidationFailed.one(
            "rework", f"may be asked only with a score of {REWORK_MAX_SCORE} or less"
        )
    if not rework:
        return perform(principal, appeal_id, Action.RATE, params, save=save)
    return perform(principal, appeal_id, Action.REWORK, params, choose=_rework_action, save=save)


def _rework_action(appeal: Appeal) -> Action:
    """Rework of the center's own reply (直办) goes back to the center; of a department's,
    back to the department."""
    reply = appeal.reply or {}
    return Action.REOPEN if reply.get("by") == CENTER else Action.REWORK
