"""The working-day calendar as the platform uses it: the package's years, the years the
admin loaded, and a reported Monday–Friday fallback for years with neither."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.administration.domain.schemas import CALENDAR_YEAR
from chalicelib.core.domain import clock
from chalicelib.core.domain.calendar import WorkingCalendar, YearCalendar
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import reference

MIN_YEAR, MAX_YEAR = 2004, 2100


def _report_fallback(year: int) -> None:
    logger.warning(
        "no working-day calendar for this year: counting Monday to Friday; "
        "load the State Council's list with PUT /calendar/{year}",
        extra={"year": year},
    )
    metrics.add_metric(name="CalendarFallback", unit="Count", value=1)


def loaded_years() -> dict[int, YearCalendar]:
    data, _version = reference.get_setting(reference.CALENDAR_KEY)
    return {int(year): YearCalendar.from_dict(raw) for year, raw in data.items()}


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar(loaded_years(), on_fallback=_report_fallback)


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


def year_has_data(year: int) -> bool:
    """Whether ``year`` has a working-day calendar (loaded by the admin, or the package's)
    rather than the Monday–Friday fallback. Reports warn about it; nothing is logged here."""
    if year in loaded_years():
        return True
    probe = WorkingCalendar()
    probe.is_working_day(date(year, 6, 1))
    return year not in probe.fallback_years
