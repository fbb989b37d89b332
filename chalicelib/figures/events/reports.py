"""08:00 Asia/Shanghai (00:00 UTC): the leaders' daily report; Mondays also each
department's weekly copy. 09:00 (01:00 UTC): on the 1st the monthly bulletin, on the
other days what is still unsent of the last bulletins."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Cron

from chalicelib.core.observability import flush_metrics
from chalicelib.figures.services import report_delivery as delivery

bp = Blueprint(__name__)


@bp.schedule(Cron(0, 0, "*", "*", "?", "*"), description="Daily report to leaders, 08:00 CST")
def daily_report(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return delivery.send_daily()
    finally:
        flush_metrics()


@bp.schedule(Cron(0, 0, "?", "*", "MON", "*"), description="Weekly department reports, Monday")
def weekly_report(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return delivery.send_weekly()
    finally:
        flush_metrics()


@bp.schedule(Cron(0, 1, "*", "*", "?", "*"), description="Monthly bulletin, the 1st 09:00 CST")
def monthly_report(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return delivery.send_monthly()
    finally:
        flush_metrics()
