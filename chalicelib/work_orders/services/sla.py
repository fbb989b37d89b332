"""The SLA sweep, every minute: warnings before deadlines, overdue marks after them, and
escalation of overdue replies. It reads the sparse, sharded next-due index only."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.domain import clock
from chalicelib.core.domain import sla as rules
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.errors import Conflict, DomainError
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store


def lag_seconds(due: list[Appeal], moment: datetime) -> float:
    """Seconds since the earliest pending action of the work orders found due."""
    times = [clock.parse_iso(at) for _, at in filter(None, map(rules.next_open_deadline, due))]
    return max(0.0, (moment - min(times)).total_seconds()) if times else 0.0


def sweep(at: datetime | None = None) -> dict[str, int]:
    """Each action is a conditional write of the appeal at the version read, so a second
    sweep in the same minute (or a concurrent one) finds nothing left to do, and a missed
    run is caught up by the next one."""
    moment = at or clock.now()
    due = appeal_store.due_by(clock.iso(moment))
    counts = {"due": len(due), "warnings": 0, "overdue": 0, "escalated": 0, "skipped": 0}
    # How late the oldest due work order is: a minute or less while the sweep keeps up (the
    # deployed stack alarms on it, and on its absence).
    metrics.add_metric(name="SlaSweepLagSeconds", unit="Seconds", value=lag_seconds(due, moment))
    for appeal in due:
        after = rules.sweep(appeal, moment)
        if after is None:
            continue
        try:
            appeal_store.save_transition(after)
        except Conflict:
            counts["skipped"] += 1  # changed meanwhile: the next sweep sees the new state
            continue
        except DomainError:
            # One work order that cannot be written must not stop the others; it stays due
            # and is tried again next minute.
            logger.exception("sla sweep could not write", extra={"appeal_id": appeal.id})
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        for event in after.timeline[len(appeal.timeline) :]:
            key = {"sla_warning": "warnings", "sla_overdue": "overdue", "escalated": "escalated"}[
                event.type
            ]
            counts[key] += 1
    for name in ("warnings", "overdue", "escalated", "failed"):
        metrics.add_metric(name=f"Sla_{name}", unit="Count", value=counts.get(name, 0))
    logger.info("sla sweep", extra=counts)
    return counts
