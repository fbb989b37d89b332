"""Rankings math and reporting periods."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.core.domain.clock import TZ
from chalicelib.core.domain.periods import current_and_previous, parse_period, periods_of
from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain.rankings import board, rates

NAMES = {"a": "甲局", "b": "乙局", "c": "丙局", "d": "丁局"}


def test_ties_share_a_rank_and_small_departments_are_listed_unranked() -> None:
    counters = {
        "a": {"dispatched": 10, "returned": 1},
        "b": {"dispatched": 20, "returned": 2},
        "c": {"dispatched": 10, "returned": 5},
        "d": {"dispatched": 2, "returned": 0},
    }
    entries = board("return_rate", NAMES, counters, min_cases=5)
    assert [(e["department_id"], e["rank"], e["value"]) for e in entries] == [
        ("a", 1, 0.1),
        ("b", 1, 0.1),
        ("c", 3, 0.5),
        ("d", None, 0.0),
    ]


def test_volume_ranks_everyone_highest_first() -> None:
    entries = board("volume", NAMES, {"a": {"replied": 3}, "c": {"replied": 9}}, min_cases=5)
    assert [(e["department_id"], e["rank"]) for e in entries] == [
        ("c", 1),
        ("a", 2),
        ("b", 3),
        ("d", 3),
    ]


def test_satisfaction_carries_the_mean_score() -> None:
    entries = board(
        "satisfaction", NAMES, {"a": {"ratings": 5, "satisfied": 4, "rating_sum": 21}}, min_cases=5
    )
    assert entries[0]["value"] == 0.8 and entries[0]["mean_score"] == 4.2


def test_rates_without_cases_are_none_not_zero() -> None:
    assert rates({})["on_time_completion_rate"] is None
    assert rates({"replied": 4, "replied_on_time": 3})["on_time_completion_rate"] == 0.75


def test_periods_follow_shanghai_time_and_iso_weeks() -> None:
    # 2026-12-31 20:00 UTC is 1 January 2027 04:00 in Shanghai, ISO week 2026-W53
    moment = datetime.fromisoformat("2026-12-31T20:00:00+00:00")
    assert periods_of(moment) == ("2027-01-01", "2026-W53", "2027-01")
    assert current_and_previous(datetime(2026, 11, 2, 10, tzinfo=TZ)) == [
        "2026-11-02",
        "2026-W45",
        "2026-11",
        "2026-11-01",
        "2026-W44",
        "2026-10",
    ]


@pytest.mark.parametrize("text", ["2026-11-31", "2026-W54", "2026-13", "last-month", "2026"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_period(text)


def test_valid_periods_pass() -> None:
    assert [parse_period(p) for p in ("2026-11-26", "2026-W53", "2026-02")] == [
        "2026-11-26",
        "2026-W53",
        "2026-02",
    ]


@pytest.mark.parametrize("text", ["2026-11\n", "２０２６-11", "2026-11-26 "])
def test_periods_are_ascii_and_whole(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_period(text)
