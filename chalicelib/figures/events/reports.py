"""At the report hour, Asia/Shanghai: the leaders' daily report; Mondays also each
department's weekly copy. The crons here are 08:00 (00:00 UTC), as the local stack fires
them; the deployed stack sets them from its ReportHour parameter (infra/template.py).
09:00 (01:00 UTC, fixed): on the 1st the monthly bulletin, on the other days what is still
unsent of the last bulletins."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Cron

from chalicelib.core.observability import flush_metrics
from chalicelib.figures.services import report_delivery as delivery

bp = Blueprint(__name__)


@bp.schedule(Cron(0, 0, "*", "*", "?", "*"), description="Daily report to leaders (ReportHour)")
def daily_report(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        return delivery.send_daily()
    finally:
        flush_metrics()


@bp.schedule(Cron(0, 0, "?", "*", "MON", "*"), description="Weekly reports, Mondays (ReportHour)")
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
