"""Hourly: close replied appeals left unrated for 7 days."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.core.observability import flush_metrics
from chalicelib.work_orders.services import closing

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS), description="Auto-close unrated replied appeals")
def auto_close(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return closing.close_unrated()
    finally:
        flush_metrics()
