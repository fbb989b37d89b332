"""Replied appeals that the citizen has not rated within 7 days close by themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import SYSTEM
from chalicelib.core.domain.workflow import Action
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store.models import AppealModel
from chalicelib.work_orders.services.transitions import perform

RATING_WINDOW = timedelta(days=7)
PAGE = 100


def close_unrated(at: datetime | None = None) -> dict[str, int]:
    """Reads the ``replied`` partition of the by-state index up to the cut-off: the cost
    follows the number to close, not the table."""
    moment = at or clock.now()
    cutoff = clock.iso(moment - RATING_WINDOW)
    closed = skipped = 0
    cursor = None
    while True:
        items, cursor = appeal_store.query_index(
            "by-state",
            "replied",
            limit=PAGE,
            cursor=cursor,
            newest_first=False,
            range_condition=AppealModel.state_at <= cutoff,
        )
        for appeal in items:
            try:
                perform(SYSTEM, appeal.id, Action.AUTO_CLOSE, {})
                closed += 1
            except Conflict:
                skipped += 1  # rated or changed meanwhile
        if not cursor:
            break
    metrics.add_metric(name="AppealsAutoClosed", unit="Count", value=closed)
    logger.info("auto-close", extra={"closed": closed, "skipped": skipped, "cutoff": cutoff})
    return {"closed": closed, "skipped": skipped}
