"""The SLA sweep's read path: the sparse, sharded next-deadline index, one query per
shard, for work orders due by now plus the warning window."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.dal import appeals as appeal_store
from chalicelib.domain import clock
from chalicelib.observability import logger, metrics

WARNING_WINDOW = timedelta(minutes=5)


def sweep(at: datetime | None = None) -> dict[str, int]:
    moment = at or clock.now()
    horizon = clock.iso(moment + WARNING_WINDOW)
    due = appeal_store.due_by(horizon)
    overdue = sum(1 for _appeal_id, next_due in due if next_due <= clock.iso(moment))
    metrics.add_metric(name="WorkOrdersDue", unit="Count", value=len(due))
    logger.info("sla sweep", extra={"due": len(due), "overdue": overdue, "horizon": horizon})
    return {"due": len(due), "overdue": overdue}
