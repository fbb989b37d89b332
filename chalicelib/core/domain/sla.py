"""Deadlines of a work order's stages, and what the SLA sweep does about them.

Each open stage (sign, contact, reply) gets a warning event some time before its deadline
and an overdue event once it has passed (strictly after it: the deadline instant itself is
on time), each exactly once per dispatch round. The item carries ``next_due``: the time of
the next such action, so the sweep reads only work orders that need one. An overdue reply
escalates the appeal."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Event, State
from chalicelib.core.domain.principal import SYSTEM

STAGES = ("sign", "contact", "reply")
OPEN_STAGES: dict[State, tuple[str, ...]] = {
    State.DISPATCHED: ("sign", "contact", "reply"),
    State.SIGNED: ("contact", "reply"),
    State.CONTACTED: ("reply",),
    State.RETURNED: ("decision",),  # the center's decision on a department's dispute
}
WARNING_LEAD = {
    "sign": timedelta(minutes=5),
    "contact": timedelta(minutes=10),
    "reply": timedelta(hours=4),
    "decision": timedelta(hours=2),
}
OVERDUE_ESCALATION_LEVEL = 1


def _due(appeal: Appeal, stage: str) -> datetime | None:
    text = appeal.deadlines.get(f"{stage}_due")
    return clock.parse_iso(text) if text else None


def next_open_deadline(appeal: Appeal) -> tuple[str, str] | None:
    """(stage, time) of the next sweep action: a warning or an overdue mark; None when the
    work order has no open deadline."""
    pending: list[tuple[datetime, str]] = []
    for stage in OPEN_STAGES.get(appeal.state, ()):
        due = _due(appeal, stage)
        if due is None or stage in appeal.overdue:
            continue
        at = due if stage in appeal.warned else due - WARNING_LEAD[stage]
        pending.append((at, stage))
    if not pending:
        return None
    at, stage = min(pending)
    return stage, clock.iso(at)


def sweep(appeal: Appeal, now: datetime) -> Appeal | None:
    """The appeal after the sweep's actions at ``now``, or None when there is nothing to do.
    A stage past its deadline gets its overdue event (and no late warning)."""
    after = copy.deepcopy(appeal)
    at = clock.iso(now)
    events: list[Event] = []
    for stage in OPEN_STAGES.get(appeal.state, ()):
        due = _due(appeal, stage)
        if due is None or stage in appeal.overdue:
            continue
        data = {"stage": stage, "due": clock.iso(due), "department_id": appeal.department_id}
        if now > due:  # the deadline instant itself is on time, as for the stages done
            after.overdue = [*after.overdue, stage]
            if stage not in after.warned:
                after.warned = [*after.warned, stage]
            events.append(Event("sla_overdue", at, SYSTEM.actor(), None, data))
            if stage == "reply" and not after.escalation:
                after.escalation = {
                    "level": OVERDUE_ESCALATION_LEVEL,
                    "reason": "reply overdue",
                    "at": at,
                }
                events.append(
                    Event(
                        "escalated",
                        at,
                        SYSTEM.actor(),
                        "reply overdue",
                        {"level": OVERDUE_ESCALATION_LEVEL, "automatic": True},
                    )
                )
        elif now >= due - WARNING_LEAD[stage] and stage not in appeal.warned:
            after.warned = [*after.warned, stage]
            events.append(Event("sla_warning", at, SYSTEM.actor(), None, data))
    if not events:
        return None
    after.timeline = [*appeal.timeline, *events]
    after.updated_at = at
    return after
