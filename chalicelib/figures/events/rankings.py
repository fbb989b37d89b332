"""Every 15 minutes: ranking snapshots for the current and previous periods."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.core.observability import flush_metrics
from chalicelib.figures.services import rankings

bp = Blueprint(__name__)


@bp.schedule(Rate(15, unit=Rate.MINUTES), description="Rankings refresh")
def rankings_refresh(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return rankings.refresh()
    finally:
        flush_metrics()
