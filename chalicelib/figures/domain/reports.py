"""Pure parts of the report emails: their periods, the recipients' list and its rules, and
how figures are shown (rates, medians, lateness, bars)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.errors import ValidationFailed

DAILY, WEEKLY = "daily", "weekly"
MAX_DAILY_RECIPIENTS = 50
MAX_DEPARTMENT_RECIPIENTS = 20

# What SES and every mail client accept: ASCII local part and domain, one @, a dotted
# domain with a letter TLD. Display names ("张三 <a@b>") are not addresses.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"\A{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}\Z")
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_WEEK = re.compile(r"\A(\d{4})-W(\d{2})\Z", re.ASCII)

EMAIL_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string", "format": "email"}}
RECIPIENTS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["daily", "weekly"],
    "properties": {
        "daily": {
            **EMAIL_LIST,
            "maxItems": MAX_DAILY_RECIPIENTS,
            "description": "Leaders' addresses: the daily report, at the report hour "
            "(Asia/Shanghai; 08:00 unless the stack's ReportHour says otherwise)",
        },
        "weekly": {
            "type": "object",
            "description": "Department id -> addresses for its weekly copy (Mondays, at the "
            "report hour)",
            "additionalProperties": {**EMAIL_LIST, "maxItems": MAX_DEPARTMENT_RECIPIENTS},
        },
    },
}


def is_address(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_ADDRESS.match(value))


def _addresses(value: Any, field: str, limit: int, errors: list[dict[str, str]]) -> list[str]:
    if not isinstance(value, list):
        errors.append({"field": field, "message": "must be an array of e-mail addresses"})
        return []
    if len(value) > limit:
        errors.append({"field": field, "message": f"must have at most {limit} items"})
    seen: set[str] = set()
    out: list[str] = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not is_address(item):
            errors.append({"field": where, "message": "is not an e-mail address"})
        elif item.lower() in seen:
            errors.append({"field": where, "message": "repeats an address above"})
        else:
            seen.add(item.lower())
            out.append(item)
    return out


def check_recipients(body: Any, departments: Iterable[str]) -> dict[str, Any]:
    """The admin's list, or ValidationFailed naming every field at fault: ``daily`` (leaders'
    addresses) and ``weekly`` (department id -> addresses)."""
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    errors: list[dict[str, str]] = []
    known = set(departments)
    for name in sorted(set(body) - {"daily", "weekly"}):
        errors.append({"field": name, "message": "is not a known field"})
    for name in ("daily", "weekly"):
        if name not in body:
            errors.append({"field": name, "message": "is required"})
    daily = _addresses(body.get("daily", []), "daily", MAX_DAILY_RECIPIENTS, errors)
    weekly: dict[str, list[str]] = {}
    raw_weekly = body.get("weekly", {})
    if not isinstance(raw_weekly, dict):
        errors.append({"field": "weekly", "message": "must be an object of department ids"})
        raw_weekly = {}
    for department, value in sorted(raw_weekly.items()):
        where = f"weekly.{department}"
        if department not in known:
            errors.append({"field": where, "message": "is not a department"})
            continue
        addresses = _addresses(value, where, MAX_DEPARTMENT_RECIPIENTS, errors)
        if addresses:
            weekly[department] = addresses
    if errors:
        raise ValidationFailed(errors)
    return {"daily": daily, "weekly": weekly}


# -- periods --------------------------------------------------------------------------------


def previous_day(moment: datetime) -> str:
    return (moment.astimezone(clock.TZ) - timedelta(days=1)).strftime("%Y-%m-%d")


def previous_week(moment: datetime) -> str:
    year, week, _ = (moment.astimezone(clock.TZ) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def parse_day(text: str | None, now: datetime, field: str = "date") -> str:
    """A day no later than today (Asia/Shanghai); the previous day when none is given."""
    if not text:
        return previous_day(now)
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed.one(field, "must be a date YYYY-MM-DD") from exc
    if day > now.astimezone(clock.TZ).date():
        raise ValidationFailed.one(field, "must not be in the future")
    return text


def parse_week(text: str | None, now: datetime, field: str = "week") -> str:
    """An ISO week no later than this one; the previous week when none is given."""
    if not text:
        return previous_week(now)
    match = _WEEK.match(text)
    try:
        if not match:
            raise ValueError(text)
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValidationFailed.one(field, "must be an ISO week YYYY-Www") from exc
    if monday > now.astimezone(clock.TZ).date():
        raise ValidationFailed.one(field, "must not be in the future")
    return text


def week_days(week: str) -> tuple[date, date]:
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + timedelta(days=6)


def earlier_periods(period: str, count: int) -> list[str]:
    """The ``count`` days or ISO weeks before ``period``, newest first."""
    if _DATE.match(period):
        day = date.fromisoformat(period)
        return [(day - timedelta(days=n)).isoformat() for n in range(1, count + 1)]
    monday, _ = week_days(period)
    out = []
    for n in range(1, count + 1):
        year, week, _ = (monday - timedelta(days=7 * n)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


# -- how figures are shown --------------------------------------------------------------------


def percent(value: float | None) -> str:
    """0.98765 -> 98.8%; no value (nothing to divide by) -> —."""
    return "—" if value is None else f"{value * 100:.1f}%"


def median(values: Iterable[float | int | None]) -> float | None:
    """The median of the values that exist (a rate with nothing to divide by is left out)."""
    import statistics

    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def bar_width(value: float | int | None, largest: float | int | None) -> int:
    """A bar's width in percent of the cell (0–100); a non-zero value shows at least 2%."""
    if not value or not largest:
        return 0
    return max(2, min(100, round(100 * value / largest)))


def how_late(due: str, now: datetime) -> str:
    """超期 2天3小时 style: how long ago ``due`` passed (minutes when under an hour)."""
    seconds = int((now - clock.parse_iso(due)).total_seconds())
    if seconds <= 0:
        return "未超期"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{rest // 60}分"
    return f"{max(1, rest // 60)}分钟"


def first_missed(deadlines: Mapping[str, str], overdue: Iterable[str]) -> str | None:
    """The earliest deadline among the overdue stages (``sign``, ``contact``, ``reply``)."""
    dues = [deadlines.get(f"{stage}_due") for stage in overdue]
    present = [d for d in dues if d]
    return min(present, key=clock.parse_iso) if present else None
