"""Unit tests for the PRC working-day calendar and deadline arithmetic.

Facts from chinesecalendar 1.11.0 for 2026 used below:
- Mid-Autumn: 2026-09-25 (Fri) .. 09-27 (Sun) off; Sunday 2026-09-20 is an adjusted workday.
- National Day: 2026-10-01 (Thu) .. 10-07 (Wed) off; Saturday 2026-10-10 is an adjusted
  workday; Sunday 2026-10-11 is a normal rest day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.domain.calendar import SHANGHAI, WorkingCalendar, YearCalendar

CST = timezone(timedelta(hours=8))


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """Aware datetime in Asia/Shanghai."""
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def assert_same_instant_and_local(actual: datetime, expected_iso: str) -> None:
    """Assert the exact local wall time, +08:00 offset and Asia/Shanghai zone."""
    assert actual.isoformat() == expected_iso
    assert actual.tzinfo == SHANGHAI


# A made-up but plausible 2027 calendar: New Year on Fri 2027-01-01, Spring Festival
# Sat 2027-02-06 .. Sun 2027-02-14 with Sat 2027-02-20 as an adjusted working day.
CAL_2027 = YearCalendar(
    year=2027,
    holidays=frozenset(
        [date(2027, 1, 1)] + [date(2027, 2, 6) + timedelta(days=i) for i in range(9)]
    ),
    workdays=frozenset([date(2027, 2, 20)]),
)


# --- the real 2026 calendar (package) ------------------------------------------------------


def test_package_knows_2026_national_day_and_adjusted_saturday() -> None:
    # Given a calendar backed only by the chinesecalendar package
    cal = WorkingCalendar()
    # When / Then the National Day holiday is off, and the 调休 Saturday is working
    assert all(not cal.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, adjusted workday
    assert not cal.is_working_day(date(2026, 10, 11))  # Sunday, rest
    assert cal.is_working_day(date(2026, 9, 30))
    assert cal.is_working_day(date(2026, 10, 8))
    assert cal.fallback_years == frozenset()


def test_complaint_three_working_days_across_national_day() -> None:
    # Given a complaint dispatched Tue 2026-09-29 10:30 with a 3-working-day deadline
    cal = WorkingCalendar()
    # When the deadline is computed
    result = cal.add_working_days(sh(2026, 9, 29, 10, 30), 3)
    # Then Sep 30, Oct 8, Oct 9 are counted (Oct 1-7 off): Fri 2026-10-09 10:30
    assert_same_instant_and_local(result, "2026-10-09T10:30:00+08:00")


def test_consultation_one_working_day_across_national_day() -> None:
    # Given a consultation dispatched Wed 2026-09-30 16:00 (last day before 国庆)
    cal = WorkingCalendar()
    # When a 1-working-day deadline is computed
    result = cal.add_working_days(sh(2026, 9, 30, 16), 1)
    # Then it skips the whole holiday and lands on Thu 2026-10-08 16:00
    assert_same_instant_and_local(result, "2026-10-08T16:00:00+08:00")


def test_deadline_counts_the_adjusted_working_saturday() -> None:
    # Given work dispatched Fri 2026-10-09 11:00, before the adjusted working Sat 10-10
    cal = WorkingCalendar()
    # When 1 working day is added
    result = cal.add_working_days(sh(2026, 10, 9, 11), 1)
    # Then the Saturday counts as the working day
    assert_same_instant_and_local(result, "2026-10-10T11:00:00+08:00")


def test_dispatch_on_adjusted_working_saturday_keeps_clock_time() -> None:
    # Given work dispatched ON the adjusted working Saturday 2026-10-10 at 11:00
    cal = WorkingCalendar()
    # When 1 working day is added
    result = cal.add_working_days(sh(2026, 10, 10, 11), 1)
    # Then Saturday is a working day (no 09:00 reset) and Sunday 10-11 is skipped
    assert_same_instant_and_local(result, "2026-10-12T11:00:00+08:00")


def test_dispatch_during_national_day_starts_at_nine_on_next_working_day() -> None:
    # Given work dispatched on a holiday, Sat 2026-10-03 14:00
    cal = WorkingCalendar()
    # When 0 and 1 working days are added
    start = cal.add_working_days(sh(2026, 10, 3, 14), 0)
    result = cal.add_working_days(sh(2026, 10, 3, 14), 1)
    # Then counting starts Thu 10-08 09:00 and one working day later is Fri 10-09 09:00
    assert_same_instant_and_local(start, "2026-10-08T09:00:00+08:00")
    assert_same_instant_and_local(result, "2026-10-09T09:00:00+08:00")


def test_next_working_day_is_strictly_after_and_skips_holidays() -> None:
    # Given the package-backed calendar
    cal = WorkingCalendar()
    # When / Then
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 8)) == date(2026, 10, 9)
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)
    assert cal.next_working_day(date(2026, 10, 10)) == date(2026, 10, 12)


# --- ordinary weeks -----------------------------------------------------------------------


def test_friday_evening_plus_one_lands_monday_same_time() -> None:
    # Given work dispatched Fri 2026-11-27 17:00 (an ordinary week)
    cal = WorkingCalendar()
    # When 1 working day is added
    result = cal.add_working_days(sh(2026, 11, 27, 17), 1)
    # Then the weekend is skipped: Mon 2026-11-30 17:00
    assert_same_instant_and_local(result, "2026-11-30T17:00:00+08:00")


def test_saturday_dispatch_starts_at_nine_on_monday() -> None:
    # Given work dispatched on an ordinary Saturday, 2026-11-28 15:45
    cal = WorkingCalendar()
    # When 0 and 2 working days are added
    normalised = cal.add_working_days(sh(2026, 11, 28, 15, 45), 0)
    result = cal.add_working_days(sh(2026, 11, 28, 15, 45), 2)
    # Then counting starts Mon 11-30 09:00 and the deadline is Wed 12-02 09:00
    assert_same_instant_and_local(normalised, "2026-11-30T09:00:00+08:00")
    assert_same_instant_and_local(result, "2026-12-02T09:00:00+08:00")


def test_zero_days_on_working_day_returns_same_instant() -> None:
    # Given a start on a working day with seconds and microseconds
    cal = WorkingCalendar()
    start = datetime(2026, 11, 26, 14, 5, 7, 123456, tzinfo=SHANGHAI)
    # When 0 working days are added
    result = cal.add_working_days(start, 0)
    # Then nothing moves, sub-minute precision included
    assert result == start
    assert result.isoformat() == "2026-11-26T14:05:07.123456+08:00"


def test_extension_of_two_working_days_across_weekend() -> None:
    # Given a reply deadline of Thu 2026-11-26 17:30
    cal = WorkingCalendar()
    deadline = sh(2026, 11, 26, 17, 30)
    # When a 2-working-day extension is approved
    result = cal.extend(deadline, 2)
    # Then Fri 11-27 and Mon 11-30 are counted, clock time kept
    assert_same_instant_and_local(result, "2026-11-30T17:30:00+08:00")


def test_extension_across_national_day() -> None:
    # Given a reply deadline of Wed 2026-09-30 18:00
    cal = WorkingCalendar()
    # When a 2-working-day extension is approved
    result = cal.extend(sh(2026, 9, 30, 18), 2)
    # Then it lands on Fri 2026-10-09 18:00
    assert_same_instant_and_local(result, "2026-10-09T18:00:00+08:00")


# --- time zones and argument checks ------------------------------------------------------


def test_naive_datetime_is_rejected() -> None:
    # Given a naive datetime
    cal = WorkingCalendar()
    # When / Then
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2026, 11, 27, 9, 0), 1)


def test_utc_input_is_converted_to_shanghai() -> None:
    # Given 2026-11-27T01:00Z, which is Fri 09:00 in Shanghai
    cal = WorkingCalendar()
    start = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    # When 0 and 1 working days are added
    same = cal.add_working_days(start, 0)
    result = cal.add_working_days(start, 1)
    # Then the result is expressed in Shanghai time
    assert_same_instant_and_local(same, "2026-11-27T09:00:00+08:00")
    assert_same_instant_and_local(result, "2026-11-30T09:00:00+08:00")


def test_utc_evening_is_next_day_in_shanghai() -> None:
    # Given Fri 2026-11-27 17:00Z, which is already Sat 01:00 in Shanghai
    cal = WorkingCalendar()
    start = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    # When 1 working day is added
    result = cal.add_working_days(start, 1)
    # Then the Shanghai Saturday counts as non-working: start Mon 09:00, due Tue 09:00
    assert_same_instant_and_local(result, "2026-12-01T09:00:00+08:00")


def test_fixed_offset_plus_eight_is_accepted() -> None:
    # Given a start with a fixed +08:00 offset rather than the named zone
    cal = WorkingCalendar()
    # When 1 working day is added
    result = cal.add_working_days(datetime(2026, 9, 30, 16, 0, tzinfo=CST), 1)
    # Then the result is the same as with Asia/Shanghai
    assert_same_instant_and_local(result, "2026-10-08T16:00:00+08:00")


@pytest.mark.parametrize("n", [-1, 367, 10_000])
def test_out_of_range_n_is_rejected(n: int) -> None:
    # Given a calendar
    cal = WorkingCalendar()
    # When / Then
    with pytest.raises(ValueError, match="n must be"):
        cal.add_working_days(sh(2026, 11, 27, 9), n)


def test_366_working_days_is_accepted() -> None:
    # Given the upper limit of n
    cal = WorkingCalendar()
    # When 366 working days are added from 2025
    result = cal.add_working_days(sh(2025, 1, 2, 9), 366)
    # Then a working day in 2026 at the same time comes back
    assert result.year == 2026
    assert result.time() == time(9, 0)
    assert cal.is_working_day(result.date())


def test_non_int_n_is_rejected() -> None:
    cal = WorkingCalendar()
    with pytest.raises(TypeError):
        cal.add_working_days(sh(2026, 11, 27, 9), True)
    with pytest.raises(TypeError):
        cal.add_working_days(sh(2026, 11, 27, 9), 1.0)  # type: ignore[arg-type]


# --- admin-loaded years and fallback -----------------------------------------------------


def test_2027_deadline_uses_admin_loaded_calendar() -> None:
    # Given an admin-loaded 2027 calendar (New Year's Day on Friday 2027-01-01)
    fallbacks: list[int] = []
    cal = WorkingCalendar({2027: CAL_2027}, on_fallback=fallbacks.append)
    # When 1 working day is added to Thu 2026-12-31 10:00 (2026 from the package)
    result = cal.add_working_days(sh(2026, 12, 31, 10), 1)
    # Then Jan 1 and the weekend are skipped: Mon 2027-01-04 10:00, no fallback
    assert_same_instant_and_local(result, "2027-01-04T10:00:00+08:00")
    assert fallbacks == []
    assert cal.fallback_years == frozenset()


def test_2027_loaded_spring_festival_and_adjusted_saturday() -> None:
    # Given the admin-loaded 2027 calendar
    cal = WorkingCalendar({2027: CAL_2027})
    # When work is dispatched Fri 2027-02-05 16:00 with 1 and 6 working days
    one = cal.add_working_days(sh(2027, 2, 5, 16), 1)
    six = cal.add_working_days(sh(2027, 2, 5, 16), 6)
    # Then Feb 6-14 are off, Feb 15-19 count, and adjusted Sat Feb 20 is the 6th
    assert_same_instant_and_local(one, "2027-02-15T16:00:00+08:00")
    assert_same_instant_and_local(six, "2027-02-20T16:00:00+08:00")


def test_2027_without_loaded_year_falls_back_to_weekdays_and_reports_once() -> None:
    # Given no 2027 data anywhere and a fallback callback
    fallbacks: list[int] = []
    cal = WorkingCalendar(on_fallback=fallbacks.append)
    # When several 2027 computations run
    first = cal.add_working_days(sh(2026, 12, 31, 10), 1)
    second = cal.add_working_days(sh(2027, 2, 5, 16), 1)
    third = cal.add_working_days(sh(2027, 1, 2, 10), 3)
    assert cal.is_working_day(date(2027, 2, 8))
    # Then Monday-Friday applies (Jan 1 counts, Feb 8 counts) ...
    assert_same_instant_and_local(first, "2027-01-01T10:00:00+08:00")
    assert_same_instant_and_local(second, "2027-02-08T16:00:00+08:00")
    assert_same_instant_and_local(third, "2027-01-07T09:00:00+08:00")
    # ... and the callback fired exactly once, with 2027
    assert fallbacks == [2027]
    assert cal.fallback_years == {2027}


def test_fallback_is_reported_per_instance() -> None:
    # Given two calendar instances sharing one callback
    fallbacks: list[int] = []
    a = WorkingCalendar(on_fallback=fallbacks.append)
    b = WorkingCalendar(on_fallback=fallbacks.append)
    # When both touch 2027 and 2028
    a.is_working_day(date(2027, 3, 1))
    a.is_working_day(date(2028, 3, 1))
    b.is_working_day(date(2027, 3, 1))
    a.is_working_day(date(2027, 3, 2))
    # Then each instance reports each year once
    assert fallbacks == [2027, 2028, 2027]
    assert a.fallback_years == {2027, 2028}
    assert b.fallback_years == {2027}


def test_fallback_without_callback_still_recorded() -> None:
    # Given no callback
    cal = WorkingCalendar()
    # When a 2030 Saturday is checked
    assert not cal.is_working_day(date(2030, 1, 5))
    # Then the year is recorded for reporting
    assert cal.fallback_years == {2030}


def test_admin_loaded_year_overrides_package_for_2026() -> None:
    # Given an admin correction for 2026 that also makes Thu 2026-10-08 a holiday and
    # leaves Sat 2026-10-10 an ordinary rest day
    correction = YearCalendar(
        year=2026,
        holidays=frozenset(date(2026, 10, d) for d in range(1, 9)),
        workdays=frozenset(),
    )
    cal = WorkingCalendar({2026: correction})
    # When a consultation is dispatched Wed 2026-09-30 16:00 with 1 and 2 working days
    one = cal.add_working_days(sh(2026, 9, 30, 16), 1)
    two = cal.add_working_days(sh(2026, 9, 30, 16), 2)
    # Then the admin calendar wins: Oct 8 and Sat Oct 10 no longer count
    assert_same_instant_and_local(one, "2026-10-09T16:00:00+08:00")
    assert_same_instant_and_local(two, "2026-10-12T16:00:00+08:00")
    assert not cal.is_working_day(date(2026, 10, 10))
    # And a day the package calls a holiday but the admin did not list is a weekday again
    assert cal.is_working_day(date(2026, 9, 25))
    assert cal.fallback_years == frozenset()


def test_loaded_years_key_must_match_calendar_year() -> None:
    with pytest.raises(ValueError, match="2028"):
        WorkingCalendar({2028: CAL_2027})


def test_calendar_with_no_working_days_hits_loop_guard() -> None:
    # Given a corrupt admin year where every day is a holiday
    start = date(2027, 1, 1)
    all_days = frozenset(start + timedelta(days=i) for i in range(365))
    cal = WorkingCalendar({2027: YearCalendar(2027, holidays=all_days)}, on_fallback=None)
    # When / Then the search for a working day stops with a clear error
    with pytest.raises(ValueError, match="no working day"):
        cal.next_working_day(date(2026, 12, 31))


# --- YearCalendar validation and serialisation -------------------------------------------


def test_year_calendar_round_trip() -> None:
    # Given the admin JSON shape
    data: dict[str, Any] = {
        "year": 2027,
        "holidays": ["2027-02-06", "2027-01-01"],
        "workdays": ["2027-02-20"],
    }
    # When parsed and serialised again
    cal = YearCalendar.from_dict(data)
    out = cal.to_dict()
    # Then dates are parsed, and output is sorted and parses back to an equal calendar
    assert cal.holidays == {date(2027, 1, 1), date(2027, 2, 6)}
    assert cal.workdays == {date(2027, 2, 20)}
    assert out == {
        "year": 2027,
        "holidays": ["2027-01-01", "2027-02-06"],
        "workdays": ["2027-02-20"],
    }
    assert YearCalendar.from_dict(out) == cal
    assert YearCalendar.from_dict(CAL_2027.to_dict()) == CAL_2027
    # And a longer list comes out in date order, whatever the set iteration order
    assert CAL_2027.to_dict()["holidays"] == ["2027-01-01"] + [
        f"2027-02-{d:02d}" for d in range(6, 15)
    ]


def test_year_calendar_rejects_date_outside_year() -> None:
    with pytest.raises(ValueError, match=r"2026-12-31.*outside calendar year 2027"):
        YearCalendar.from_dict({"year": 2027, "holidays": ["2026-12-31"], "workdays": []})
    with pytest.raises(ValueError, match=r"2028-01-02.*outside calendar year 2027"):
        YearCalendar.from_dict({"year": 2027, "holidays": [], "workdays": ["2028-01-02"]})


def test_year_calendar_rejects_date_in_both_lists() -> None:
    with pytest.raises(ValueError, match="2027-02-20 is listed both"):
        YearCalendar.from_dict(
            {"year": 2027, "holidays": ["2027-02-20"], "workdays": ["2027-02-20"]}
        )


def test_year_calendar_rejects_weekday_as_adjusted_workday() -> None:
    # 2027-02-19 is a Friday: already a working day, so listing it signals a typo
    with pytest.raises(ValueError, match="2027-02-19 is a weekday"):
        YearCalendar.from_dict({"year": 2027, "holidays": [], "workdays": ["2027-02-19"]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2027, "holidays": ["2027-13-01"]}, "'2027-13-01'"),
        ({"year": 2027, "holidays": [20270101]}, "20270101"),
        ({"year": 2027, "holidays": "2027-01-01"}, "must be a list"),
        ({"holidays": []}, "missing 'year'"),
        ({"year": "2027"}, "year must be an integer"),
        ({"year": 2027, "holiday": []}, "unknown keys"),
    ],
)
def test_year_calendar_rejects_malformed_input(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        YearCalendar.from_dict(data)


def test_year_calendar_lists_default_to_empty() -> None:
    cal = YearCalendar.from_dict({"year": 2027})
    assert cal.holidays == frozenset() and cal.workdays == frozenset()
    assert cal.is_working_day(date(2027, 1, 1))  # Friday, nothing loaded


# --- properties -------------------------------------------------------------------------


def _check_properties(cal: WorkingCalendar, start: datetime, a: int, b: int) -> None:
    """Shared invariants used by the sweep and the hypothesis test."""
    local = start.astimezone(SHANGHAI)
    result = cal.add_working_days(start, a)
    assert result.tzinfo == SHANGHAI
    assert result >= start
    if a > 0 or not cal.is_working_day(local.date()):
        assert cal.is_working_day(result.date())
    if cal.is_working_day(local.date()):
        assert result.time() == local.time()
        assert result.date() > local.date() or a == 0
    else:
        assert result.time() == time(9, 0)
    assert cal.add_working_days(result, b) == cal.add_working_days(start, a + b)


def test_properties_exhaustive_sweep_2025_2026() -> None:
    # Given every day of 2025-2026 at an odd clock time, several n
    cal = WorkingCalendar()
    day = date(2025, 1, 1)
    while day.year < 2027:
        start = datetime.combine(day, time(13, 37, 5), tzinfo=SHANGHAI)
        for a, b in ((0, 3), (1, 1), (5, 10), (15, 0)):
            # When / Then the invariants hold
            _check_properties(cal, start, a, b)
        day += timedelta(days=1)
    # And Dec 2026 + 15 reaches only into 2027 via fallback
    assert cal.fallback_years == {2027}


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - depends on the venv

    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_properties_hypothesis() -> None:
        """Placeholder so the skip is visible in the test report."""

else:
    _PROPERTY_CAL = WorkingCalendar()

    @settings(max_examples=300, deadline=None)  # type: ignore[untyped-decorator,unused-ignore]
    @given(  # type: ignore[untyped-decorator,unused-ignore]
        start=st.datetimes(
            min_value=datetime(2025, 1, 1),
            max_value=datetime(2026, 12, 31, 23, 59),
            timezones=st.sampled_from([SHANGHAI, UTC, timezone(timedelta(hours=-5))]),
        ),
        a=st.integers(min_value=0, max_value=15),
        b=st.integers(min_value=0, max_value=15),
    )
    def test_properties_hypothesis(start: datetime, a: int, b: int) -> None:
        # Given a random aware start in 2025-2026 and counts a, b in 0..15
        # When / Then the invariants hold
        _check_properties(_PROPERTY_CAL, start, a, b)
