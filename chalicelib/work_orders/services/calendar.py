"""The working-day calendar as the platform uses it: the package's years, the years the
admin loaded, and a reported Monday–Friday fallback for years with neither."""

from __future__ import annotations

from datetime import date

from chalicelib.core.domain.calendar import WorkingCalendar, YearCalendar
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import reference


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


def year_has_data(year: int) -> bool:
    """Whether ``year`` has a working-day calendar (loaded by the admin, or the package's)
    rather than the Monday–Friday fallback. Reports warn about it; nothing is logged here."""
    if year in loaded_years():
        return True
    probe = WorkingCalendar()
    probe.is_working_day(date(year, 6, 1))
    return year not in probe.fallback_years
