"""Deadlines of a work order's stages and which one the SLA sweep must watch next."""

from __future__ import annotations

from chalicelib.domain.appeal import Appeal, State

# The stage whose deadline is open in each state, in the order stages fall due.
OPEN_STAGES: dict[State, tuple[str, ...]] = {
    State.DISPATCHED: ("sign_due", "contact_due", "reply_due"),
    State.SIGNED: ("contact_due", "reply_due"),
    State.CONTACTED: ("reply_due",),
}


def next_open_deadline(appeal: Appeal) -> tuple[str, str] | None:
    """(stage, due time) of the earliest open deadline not yet reported overdue, or None."""
    candidates = [
        (appeal.deadlines[stage], stage)
        for stage in OPEN_STAGES.get(appeal.state, ())
        if appeal.deadlines.get(stage) and stage.removesuffix("_due") not in appeal.overdue
    ]
    if not candidates:
        return None
    due, stage = min(candidates)
    return stage, due
