"""The scheduled sends: the leaders' daily and each department's weekly copy on Mondays, at
the report hour (Asia/Shanghai: the stack's ReportHour, 08:00 by default), and the monthly
bulletin to the leaders on the 1st at 09:00, exactly once per period and recipient.

Each message is claimed in the report log (a conditional write) before it is sent: a
schedule fired twice, or retried by Lambda, finds the claim and sends nothing again. A
message SES refuses is logged, counted (``ReportSendFailed``) and released; the run then
raises, so Lambda retries it within minutes and the function's error alarm fires, and
every later run also retries what is still unsent of the last days (or weeks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.integrations import email as mail
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import reference
from chalicelib.figures.domain.bulletin import MONTHLY, month_before, previous_month
from chalicelib.figures.domain.reports import (
    DAILY,
    WEEKLY,
    earlier_periods,
    previous_day,
    previous_week,
)
from chalicelib.figures.services import report_figures as figures
from chalicelib.figures.services import report_recipients as recipients
from chalicelib.figures.services import report_render as render
from chalicelib.figures.store import report_log

# Earlier periods a run looks back at for messages still unsent.
CATCH_UP = {DAILY: 6, WEEKLY: 3, MONTHLY: 2}
# A claim older than this was left by a function that died while sending (Lambda's
# longest run is 15 minutes): the next run may take it again.
CLAIM_LEASE = timedelta(minutes=15)


class DeliveryIncomplete(Exception):
    """Some messages were not sent this run (each is logged and released for the next)."""


def _deliver(
    report: str, period: str, key: str, address: str, compose: Callable[[], render.Rendered]
) -> str:
    """Claim, send, record: "sent", "skipped" (claimed before) or "failed"."""
    now = clock.now()
    if not report_log.claim(report, period, key, clock.iso(now), clock.iso(now - CLAIM_LEASE)):
        return "skipped"
    context = {"report": report, "period": period, "recipient": address}
    try:
        rendered = compose()
        message_id = mail.send(
            mail.Mail(
                to=address,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                name=f"{report}-{period}" + (f"-{key.split('#')[0]}" if report == WEEKLY else ""),
            )
        )
    except Exception as exc:
        logger.exception("report not sent", extra=context)
        metrics.add_metric(name="ReportSendFailed", unit="Count", value=1)
        report_log.failed(report, period, key, clock.iso(clock.now()), repr(exc))
        return "failed"
    report_log.sent(report, period, key, clock.iso(clock.now()), message_id)
    metrics.add_metric(name="ReportSent", unit="Count", value=1)
    logger.info("report sent", extra={**context, "message_id": message_id})
    return "sent"


def _unsent(report: str, period: str, now: datetime) -> list[str]:
    """Keys of an earlier period's messages that failed or were left half sent."""
    stale = clock.iso(now - CLAIM_LEASE)
    return [
        m.key
        for m in report_log.markers(report, period)
        if m.status == report_log.FAILED or (m.status == report_log.SENDING and m.at < stale)
    ]


def _finish(report: str, outcome: Counter[str], periods: list[str]) -> dict[str, Any]:
    result = {
        "report": report,
        "periods": periods,
        **{k: outcome[k] for k in ("sent", "skipped", "failed")},
    }
    logger.info("reports run", extra=result)
    if outcome["failed"]:
        raise DeliveryIncomplete(
            f"{outcome['failed']} {report} report(s) not sent: retried next run"
        )
    return result


def _memo(make: Callable[[], render.Rendered]) -> Callable[[], render.Rendered]:
    """Render once per run however many recipients share the message, and not at all when
    every one of them was sent before."""
    return cache(make)


def send_daily(at: datetime | None = None) -> dict[str, Any]:
    """The previous day's report to every leader on the list, and any earlier day's that
    did not go out."""
    now = at or clock.now()
    day = previous_day(now)
    leaders = recipients.current(fresh=True)["daily"]
    outcome: Counter[str] = Counter()
    for period in [day, *earlier_periods(day, CATCH_UP[DAILY])]:
        if period == day:
            targets = leaders
        else:
            targets = [a for a in _unsent(DAILY, period, now) if a in leaders]
        compose = _memo(partial(_daily, period, now))
        for address in targets:
            outcome[_deliver(DAILY, period, address, address, compose)] += 1
    return _finish(DAILY, outcome, [day])


def _daily(period: str, now: datetime) -> render.Rendered:
    return render.daily(figures.daily(period, now))


def _weekly(period: str, department: str, name: str, now: datetime) -> render.Rendered:
    return render.weekly(figures.weekly(period, department, name, now))


def send_weekly(at: datetime | None = None) -> dict[str, Any]:
    """The previous ISO week's copy to each department's addresses, and any earlier
    week's that did not go out."""
    now = at or clock.now()
    week = previous_week(now)
    lists = recipients.current(fresh=True)["weekly"]
    names = reference.active_department_names()
    listed = {f"{d}#{a}" for d, addresses in lists.items() if d in names for a in addresses}
    outcome: Counter[str] = Counter()
    for period in [week, *earlier_periods(week, CATCH_UP[WEEKLY])]:
        if period == week:
            keys = sorted(listed)
        else:
            keys = [k for k in _unsent(WEEKLY, period, now) if k in listed]
        composers: dict[str, Callable[[], render.Rendered]] = {}
        for key in keys:
            department, _, address = key.partition("#")
            if department not in composers:
                composers[department] = _memo(
                    partial(_weekly, period, department, names[department], now)
                )
            outcome[_deliver(WEEKLY, period, key, address, composers[department])] += 1
    return _finish(WEEKLY, outcome, [week])


def _monthly(period: str, now: datetime) -> render.Rendered:
    from chalicelib.figures.services import report_bulletin

    return render.monthly(report_bulletin.monthly(period, now))


def send_monthly(at: datetime | None = None) -> dict[str, Any]:
    """On the 1st, last month's bulletin to every leader on the daily list; every day
    (the 1st too), the bulletins of the last months that did not go out to them (a
    failure is retried the next day, not a month later)."""
    now = at or clock.now()
    month = month_before(now)
    first_of_month = now.astimezone(clock.TZ).day == 1
    leaders = recipients.current(fresh=True)["daily"]
    earlier = [month]
    for _ in range(CATCH_UP[MONTHLY]):
        earlier.append(previous_month(earlier[-1]))
    outcome: Counter[str] = Counter()
    for period in earlier:
        if period == month and first_of_month:
            targets = leaders
        else:
            targets = [a for a in _unsent(MONTHLY, period, now) if a in leaders]
        compose = _memo(partial(_monthly, period, now))
        for address in targets:
            outcome[_deliver(MONTHLY, period, address, address, compose)] += 1
    return _finish(MONTHLY, outcome, [month])
