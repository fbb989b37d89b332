"""Every minute: the SLA sweep."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.core.observability import flush_metrics
from chalicelib.work_orders.services import sla

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), description="SLA sweep of due work orders")
def sla_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return sla.sweep()
    finally:
        flush_metrics()
