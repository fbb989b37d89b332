"""Trends: the range of months asked for, one month's figures, the chart's geometry, and
the accepted appeals per category the statistics count."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain.statistics import INTAKE, category_volume
from chalicelib.figures.domain.trends import chart, month_figures, month_range, shift


def test_a_range_crosses_years_and_defaults_to_the_twelve_months_to_this_one() -> None:
    assert month_range("2025-11", "2026-02", "2026-12") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    default = month_range(None, None, "2026-11")
    assert (default[0], default[-1], len(default)) == ("2025-12", "2026-11", 12)
    assert month_range(None, "2026-03", "2026-11")[0] == "2025-04"
    assert len(month_range("2024-12", "2026-11", "2026-11")) == 24
    assert shift("2026-01", -1) == "2025-12" and shift("2026-12", 1) == "2027-01"


@pytest.mark.parametrize(
    ("first", "last", "fields"),
    [
        ("2026-00", "2026-11", ["from"]),
        ("2026-1", "2026-11", ["from"]),
        ("2026-01", "2026-13", ["to"]),
        ("x", "y", ["to", "from"]),
        ("2026-11", "2026-10", ["to"]),
        ("2024-11", "2026-11", ["to"]),
    ],
)
def test_a_bad_range_names_its_fields(first: str, last: str, fields: list[str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        month_range(first, last, "2026-11")
    assert [e["field"] for e in caught.value.errors] == fields


def test_a_month_shows_its_volumes_rates_and_categories() -> None:
    figures = month_figures(
        {"submitted": 5, "dispatched": 4, "replied": 2, "replied_on_time": 1, "signed_on_time": 4},
        {"category:noise": 3, "category:roads": 0, "channel:app": 5},
    )
    assert (figures["submitted"], figures["dispatched"], figures["replied"]) == (5, 4, 2)
    assert figures["rates"] == {
        "on_time_completion_rate": 0.5,
        "response_rate": 1.0,
        "resolution_rate": None,
        "satisfaction_rate": None,
    }
    assert figures["categories"] == {"noise": 3}


def test_the_chart_scales_bars_to_the_largest_month_and_breaks_lines_without_a_rate() -> None:
    months = [
        {"month": "2026-10", "submitted": 10, "rates": {"response_rate": 1.0}},
        {"month": "2026-11", "submitted": 5, "rates": {"response_rate": None}},
        {"month": "2026-12", "submitted": 0, "rates": {"response_rate": 0.5}},
    ]
    drawn = chart(months)
    tall, half, empty = drawn["bars"]
    assert tall["height"] == 2 * half["height"] > 0 and empty["height"] == 0
    assert tall["y"] + tall["height"] == drawn["baseline"]
    response = next(line for line in drawn["lines"] if line["rate"] == "response_rate")
    assert len(response["points"]) == 2  # the month without a rate breaks the line
    top, bottom = (float(p.split(",")[1]) for p in response["points"])
    assert top == drawn["top"] and bottom == (drawn["top"] + drawn["baseline"]) / 2
    assert all(not line["points"] for line in drawn["lines"] if line["rate"] != "response_rate")


def _appeal(events: list[dict[str, object]], category: str | None = "noise") -> dict[str, object]:
    return {"created_at": "2026-11-30T23:50:00+08:00", "category": category, "timeline": events}


SUBMITTED = {"type": "submitted", "at": "2026-11-30T23:50:00+08:00", "data": {}}
ACCEPTED = {"type": "accepted", "at": "2026-12-01T09:00:00+08:00", "data": {}}


def test_an_appeal_counts_in_its_category_once_when_accepted_in_the_periods_of_submission() -> None:
    before = _appeal([SUBMITTED])
    after = _appeal([SUBMITTED, ACCEPTED])
    counted = category_volume(before, after)
    assert sorted(counted) == [("2026-11", INTAKE), ("2026-11-30", INTAKE), ("2026-W49", INTAKE)]
    assert all(c == {"category:noise": 1} for c in counted.values())
    assert category_volume(None, before) == {}  # not accepted yet
    later = {"type": "dispatched", "at": "2026-12-01T09:05:00+08:00", "data": {}}
    assert category_volume(after, _appeal([SUBMITTED, ACCEPTED, later])) == {}
    direct = {"type": "dispatched", "at": ACCEPTED["at"], "data": {"accepted": True}}
    assert category_volume(before, _appeal([SUBMITTED, direct], None)) == {
        key: {"category:uncategorised": 1} for key in counted
    }
