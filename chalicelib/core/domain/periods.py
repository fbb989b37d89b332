"""Reporting periods in Asia/Shanghai: a day ``2026-11-26``, an ISO week ``2026-W48`` and a
month ``2026-11``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.core.domain import clock
from chalicelib.core.errors import ValidationFailed


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_DAY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_WEEK = re.compile(r"\A(\d{4})-W(\d{2})\Z", re.ASCII)
_MONTH = re.compile(r"\A(\d{4})-(\d{2})\Z", re.ASCII)


def day_of(moment: datetime) -> str:
    return moment.astimezone(clock.TZ).strftime("%Y-%m-%d")


def week_of(moment: datetime) -> str:
    year, week, _ = moment.astimezone(clock.TZ).isocalendar()
    return f"{year}-W{week:02d}"


def month_of(moment: datetime) -> str:
    return moment.astimezone(clock.TZ).strftime("%Y-%m")


def periods_of(moment: datetime) -> tuple[str, str, str]:
    """The day, ISO week and month an event at ``moment`` counts in."""
    return day_of(moment), week_of(moment), month_of(moment)


def periods_of_iso(text: str) -> tuple[str, str, str]:
    return periods_of(clock.parse_iso(text))


def period_end(period: str) -> datetime:
    """The first instant after a (valid) period, Asia/Shanghai."""
    kind = granularity(period)
    if kind is Granularity.DAY:
        start = date.fromisoformat(period)
        following = start + timedelta(days=1)
    elif kind is Granularity.WEEK:
        year, week = period.split("-W")
        following = date.fromisocalendar(int(year), int(week), 1) + timedelta(days=7)
    else:
        number, month = (int(part) for part in period.split("-"))
        following = date(number + month // 12, month % 12 + 1, 1)
    return datetime(following.year, following.month, following.day, tzinfo=clock.TZ)


def granularity(period: str) -> Granularity:
    if _DAY.match(period):
        return Granularity.DAY
    if _WEEK.match(period):
        return Granularity.WEEK
    return Granularity.MONTH


def parse_period(text: str | None, field: str = "period") -> str:
    """A valid period, or the current month when none is given."""
    if not text:
        return month_of(clock.now())
    try:
        if _DAY.match(text):
            date.fromisoformat(text)
            return text
        week = _WEEK.match(text)
        if week:
            date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return text
        month = _MONTH.match(text)
        if month and 1 <= int(month[2]) <= 12:
            return text
    except ValueError:
        pass
    raise ValidationFailed.one(field, "must be YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM")


def current_and_previous(moment: datetime) -> list[str]:
    """The periods a refresh keeps up to date: the current day, week and month, and the
    previous ones (so the last minutes of a finished period are in its final figures)."""
    local = moment.astimezone(clock.TZ)
    yesterday = local - timedelta(days=1)
    last_week = local - timedelta(days=7)
    last_month = local.replace(day=1) - timedelta(days=1)
    return [
        day_of(local),
        week_of(local),
        month_of(local),
        day_of(yesterday),
        week_of(last_week),
        month_of(last_month),
    ]
