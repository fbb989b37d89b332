"""Every 15 minutes: ranking snapshots for the current and previous periods, then early
warning (未诉先办: this week's topics in each town and street against the 8 weeks before).
One function for both saves the deployable template a function, its role and its alarms;
the detector needs the same tables and is as cheap (a query per town or street)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.core.observability import flush_metrics
from chalicelib.figures.services import rankings, warnings

bp = Blueprint(__name__)


@bp.schedule(Rate(15, unit=Rate.MINUTES), description="Rankings refresh and early warning")
def rankings_refresh(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        refreshed = rankings.refresh()
        # After the snapshots: a failing detector leaves the boards fresh.
        return {**refreshed, "early_warning": warnings.detect()}
    finally:
        flush_metrics()
