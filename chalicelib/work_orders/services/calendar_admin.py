"""The admin's working-day lists (PUT /calendar/{year}) and what a year's calendar says
(GET): apart from ``calendar``, which every function counting deadlines imports and which
so reads the lists without their request schema."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.administration.domain.schemas import CALENDAR_YEAR
from chalicelib.core.domain import clock
from chalicelib.core.domain.calendar import WorkingCalendar, YearCalendar
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.observability import logger
from chalicelib.core.store import reference
from chalicelib.work_orders.services.calendar import loaded_years

MIN_YEAR, MAX_YEAR = 2004, 2100


def _check_year(year: str) -> int:
    if not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ValidationFailed.one("year", f"must be a year from {MIN_YEAR} to {MAX_YEAR}")
    return int(year)


def describe_year(year_text: str) -> dict[str, Any]:
    """The year's non-working weekdays and working weekend days, and where they come from."""
    year = _check_year(year_text)
    loaded = loaded_years().get(year)
    if loaded is not None:
        return {"year": year, "source": "loaded", **_lists(loaded.to_dict())}
    probe = WorkingCalendar()
    holidays, workdays = [], []
    day = date(year, 1, 1)
    while day.year == year:
        working = probe.is_working_day(day)
        if day.weekday() < 5 and not working:
            holidays.append(day.isoformat())
        elif day.weekday() >= 5 and working:
            workdays.append(day.isoformat())
        day += timedelta(days=1)
    source = "weekdays" if year in probe.fallback_years else "package"
    return {"year": year, "source": source, "holidays": holidays, "workdays": workdays}


def _lists(data: dict[str, Any]) -> dict[str, Any]:
    return {"holidays": list(data["holidays"]), "workdays": list(data["workdays"])}


def load_year(principal: Principal, year_text: str, body: Any) -> dict[str, Any]:
    """Store the admin's list for a year (replacing any earlier one)."""
    year = _check_year(year_text)
    request = validate(CALENDAR_YEAR, body)
    try:
        calendar = YearCalendar.from_dict({"year": year, **request})
    except ValueError as exc:
        text = str(exc)
        on_workdays = text.startswith(("workday", "'workdays'")) or " both " in text
        field = "workdays" if on_workdays else "holidays"
        raise ValidationFailed.one(field, text) from exc
    data, version = reference.setting_with_version(reference.CALENDAR_KEY)
    data = {**data, str(year): calendar.to_dict()}
    reference.put_setting(reference.CALENDAR_KEY, data, clock.iso(clock.now()), version)
    logger.info("calendar year loaded", extra={"year": year, "by": principal.id})
    return {"year": year, "source": "loaded", **_lists(calendar.to_dict())}
