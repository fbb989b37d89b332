"""The monthly bulletin's rules: its month, the score and the minimum-cases rule, ties,
and each figure's change from last month."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.core.domain.clock import TZ
from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain.bulletin import (
    cell,
    figures,
    month_before,
    parse_month,
    score,
    unit_rows,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def test_the_month_defaults_to_the_last_and_may_not_lie_ahead() -> None:
    assert parse_month(None, NOW) == "2026-11"
    assert month_before(datetime(2027, 1, 1, 9, 0, tzinfo=TZ)) == "2026-12"
    assert parse_month("2026-12", NOW) == "2026-12"  # the month so far
    for text in ("2027-01", "2026-13", "2026-1", "11-2026", "0001-01"):
        with pytest.raises(ValidationFailed) as caught:
            parse_month(text, NOW)
        assert caught.value.errors[0]["field"] == "month"


def counters(
    dispatched: int, signed: int, ratings: int, resolved: int, satisfied: int
) -> dict[str, int]:
    return {
        "dispatched": dispatched,
        "signed_on_time": signed,
        "ratings": ratings,
        "resolved": resolved,
        "satisfied": satisfied,
    }


def test_the_score_weighs_the_three_rates_10_45_45() -> None:
    shown = figures(counters(10, 5, 10, 10, 8), {})
    assert (shown["response_rate"], shown["resolution_rate"], shown["satisfaction_rate"]) == (
        0.5,
        1.0,
        0.8,
    )
    assert score(shown) == pytest.approx(5 + 45 + 36)
    assert score(figures(counters(10, 5, 0, 0, 0), {})) is None  # no ratings, no score


def test_units_below_the_minimum_cases_are_listed_unranked_and_ties_share_a_rank() -> None:
    units = {u: (u.upper(), "department") for u in ("a", "b", "c", "d", "e")}
    month = {
        "a": figures(counters(10, 10, 10, 10, 10), {}),
        "b": figures(counters(10, 10, 10, 10, 10), {}),
        "c": figures(counters(10, 0, 10, 5, 5), {}),
        "d": figures(counters(4, 4, 10, 10, 10), {}),  # too few dispatched
        "e": figures(counters(10, 10, 4, 4, 4), {}),  # too few ratings
    }
    before = {"c": figures(counters(10, 10, 10, 10, 10), {})}
    rows = unit_rows(units, month, before, min_cases=5)
    assert [(r["id"], r["rank"]) for r in rows] == [
        ("a", 1),
        ("b", 1),
        ("c", 3),
        ("d", None),
        ("e", None),
    ]
    c = next(r for r in rows if r["id"] == "c")
    assert c["previous_rank"] == 1
    response = next(x for x in c["cells"] if x["key"] == "response_rate")
    assert (response["shown"], response["delta"], response["up"]) == ("0.0%", "-100.0", False)


def test_a_figure_shows_its_change_from_last_month() -> None:
    assert cell("count", 7, 4)["text"] == "7（+3）"
    assert cell("count", 4, 4)["text"] == "4（±0）"
    assert cell("count", None, None)["text"] == "0（±0）"
    assert cell("rate", 0.9, 0.85)["text"] == "90.0%（+5.0）"
    assert cell("rate", 0.9, None)["text"] == "90.0%"  # nothing to compare with
    assert cell("rate", None, 0.5)["text"] == "—"
    assert cell("score", 80.0, 82.5)["text"] == "80.0（-2.5）"
