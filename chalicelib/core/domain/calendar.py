"""PRC working-day calendar and reply deadlines (Asia/Shanghai).

Appeal deadlines are counted in *working days* of the People's Republic of China:
statutory holidays are skipped and adjusted working weekend days (调休) count.

Where a year's calendar comes from, in order of precedence:

1. a ``YearCalendar`` loaded by an admin (lets admins correct the package or add new years);
2. the ``chinesecalendar`` package (covers 2004-2026 in version 1.11.0);
3. plain Monday-Friday, reported through ``on_fallback`` so operations can load the year.

Asia/Shanghai has had no daylight-saving time since 1991, so combining a local date with a
clock time is unambiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.records import frozen

__all__ = [
    "MAX_WORKING_DAYS",
    "SHANGHAI",
    "WORKDAY_START",
    "WorkingCalendar",
    "YearCalendar",
]

SHANGHAI = clock.TZ
"""All deadlines are computed and returned in this zone."""

WORKDAY_START = time(9, 0)
"""Counting starts at this local time when work is dispatched on a non-working day."""

MAX_WORKING_DAYS = 366
"""Largest ``n`` accepted; anything bigger is a caller bug, not a real deadline."""

_MAX_CONSECUTIVE_NON_WORKING_DAYS = 366
"""Loop guard: a full year without a working day means the loaded calendar is corrupt."""

_YEAR_CALENDAR_KEYS = frozenset({"year", "holidays", "workdays"})


@lru_cache(maxsize=8192)
def _package_is_workday(day: date) -> bool | None:
    """Ask ``chinesecalendar``; ``None`` when it has no data for that year.

    Imported lazily to keep cold starts cheap. Cached at module level so warm Lambda
    containers reuse answers across ``WorkingCalendar`` instances.
    """
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _parse_iso_dates(raw: Any, key: str) -> frozenset[date]:
    """Parse a list of ``YYYY-MM-DD`` strings, naming the bad value on failure."""
    if raw is None:
        return frozenset()
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (list, tuple, set, frozenset)):
        # ValueError, not TypeError: all bad admin input maps to one "invalid calendar" error.
        msg = f"{key!r} must be a list of ISO date strings, got {type(raw).__name__}"
        raise ValueError(msg)
    parsed: set[date] = set()
    for item in raw:
        if not isinstance(item, str):
            raise ValueError(f"{key!r} contains a non-string date: {item!r}")
        try:
            parsed.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"{key!r} contains an invalid ISO date: {item!r}") from None
    return frozenset(parsed)


@frozen
class YearCalendar:
    """One year's official calendar, loaded by an admin (e.g. from the State Council notice).

    ``holidays`` are days off (including those on weekdays); ``workdays`` are the adjusted
    working days (调休) that fall on a Saturday or Sunday. Validated on construction so a bad
    upload is rejected before it can shift any deadline.
    """

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValueError(f"year must be an integer, got {self.year!r}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")
        # Accept any iterable of dates from Python callers, but store frozensets.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        for kind, days in (("holiday", self.holidays), ("workday", self.workdays)):
            for day in sorted(days):
                if type(day) is not date:
                    raise ValueError(f"{kind} {day!r} is not a date")
                if day.year != self.year:
                    raise ValueError(
                        f"{kind} {day.isoformat()} is outside calendar year {self.year}"
                    )
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is listed both as a holiday and as a workday")
        for day in sorted(self.workdays):
            if day.weekday() < 5:
                # A weekday is already a working day; listing it is almost surely a typo.
                raise ValueError(
                    f"workday {day.isoformat()} is a weekday; only weekend days can be "
                    "adjusted working days"
                )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearCalendar:
        """Build from the admin JSON shape ``{"year", "holidays", "workdays"}`` (ISO strings)."""
        unknown = set(data) - _YEAR_CALENDAR_KEYS
        if unknown:
            raise ValueError(f"unknown keys in year calendar: {sorted(unknown)}")
        if "year" not in data:
            raise ValueError("year calendar is missing 'year'")
        return cls(
            year=data["year"],
            holidays=_parse_iso_dates(data.get("holidays"), "holidays"),
            workdays=_parse_iso_dates(data.get("workdays"), "workdays"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Serialise to the admin JSON shape, dates sorted so output is stable."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }

    def is_working_day(self, day: date) -> bool:
        """Adjusted workday wins, then holiday, then Monday-Friday."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


class WorkingCalendar:
    """Answers "is this a working day" and computes working-day deadlines.

    Instances are cheap; package answers are cached per date at module level. The
    ``on_fallback`` callback fires at most once per year per instance when a year has
    neither an admin-loaded calendar nor package data (the service logs and emits a metric).
    Exceptions raised by the callback propagate to the caller.
    """

    def __init__(
        self,
        loaded_years: Mapping[int, YearCalendar] | None = None,
        on_fallback: Callable[[int], None] | None = None,
    ) -> None:
        loaded = dict(loaded_years or {})
        for key, cal in loaded.items():
            if not isinstance(cal, YearCalendar):
                raise TypeError(f"loaded_years[{key!r}] is not a YearCalendar")
            if key != cal.year:
                raise ValueError(
                    f"loaded_years key {key!r} does not match calendar year {cal.year}"
                )
        self._loaded: dict[int, YearCalendar] = loaded
        self._on_fallback = on_fallback
        self._fallback_years: set[int] = set()

    @property
    def fallback_years(self) -> frozenset[int]:
        """Years that so far had to use plain Monday-Friday (for reporting)."""
        return frozenset(self._fallback_years)

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a PRC working day (see module docstring for precedence)."""
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"expected a date, got {type(d).__name__}")
        loaded = self._loaded.get(d.year)
        if loaded is not None:
            return loaded.is_working_day(d)
        answer = _package_is_workday(d)
        if answer is not None:
            return answer
        self._report_fallback(d.year)
        return d.weekday() < 5

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        day = d
        for _ in range(_MAX_CONSECUTIVE_NON_WORKING_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(
            f"no working day within {_MAX_CONSECUTIVE_NON_WORKING_DAYS} days after "
            f"{d.isoformat()}; check the loaded year calendars"
        )

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline ``n`` working days after ``start``, in Asia/Shanghai.

        Same clock time ``n`` working days later. If ``start`` falls on a non-working day,
        counting starts at 09:00 of the next working day, so the result is 09:00 on the
        ``n``-th working day after that one. ``n == 0`` returns the normalised start.
        """
        _check_n(n)
        if not isinstance(start, datetime):
            raise TypeError(f"start must be a datetime, got {type(start).__name__}")
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        local = start.astimezone(SHANGHAI)
        day = local.date()
        clock = local.time()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            clock = WORKDAY_START
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, clock, tzinfo=SHANGHAI)

    def extend(self, deadline: datetime, n: int) -> datetime:
        """Apply an approved extension of ``n`` working days to a reply deadline.

        Identical to ``add_working_days(deadline, n)``: the deadline moves ``n`` working days
        later and keeps its clock time. (Should a deadline sit on a day that is no longer
        working, e.g. after an admin correction, it is first moved to 09:00 of the next
        working day, exactly as for a dispatch.)
        """
        return self.add_working_days(deadline, n)

    def _report_fallback(self, year: int) -> None:
        """Record and report a Monday-Friday fallback once per year per instance."""
        if year in self._fallback_years:
            return
        self._fallback_years.add(year)
        if self._on_fallback is not None:
            self._on_fallback(year)


def _check_n(n: int) -> None:
    """Reject nonsense counts early rather than looping for a long time."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n > MAX_WORKING_DAYS:
        raise ValueError(f"n must be <= {MAX_WORKING_DAYS}, got {n}")
