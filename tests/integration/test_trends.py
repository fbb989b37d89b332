"""Trends over months (GET /public/trends): each month equals the public figures of that
month, per category the accepted appeals, a department's own trend equals its board
entries, and every bad range is a 400 naming its field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.figures.services import rankings
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.report_helpers import feed_consumers


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-10-14T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def handled(people: People, at: str, category: str, *, reply: bool = True) -> str:
    """An appeal accepted in ``category`` and dispatched at ``at``, replied 2 hours later."""
    Clock(shanghai(at))
    appeal = str(people.submit(title="噪音扰民", content="夜间施工噪音很大")["id"])
    assert people.act("operator", appeal, "accept", {"category": category}).status_code == 200
    assert people.act("operator", appeal, "dispatch").status_code == 200
    dept = f"department:{DEPARTMENT}"
    if reply:
        clock_ = Clock(shanghai(at))
        for action in ("sign", "contact", "reply"):
            clock_.advance(minutes=10)
            assert people.act(dept, appeal, action).status_code == 200
    return appeal


def get(people: People, path: str) -> Any:
    response = people.client.http.get(path)
    assert response.status_code == 200, (path, response.body)
    return response


def test_each_month_of_a_trend_equals_that_months_public_figures(people: People) -> None:
    # Given two appeals handled in October, three in November (one not replied), and one
    # November appeal nobody accepted
    handled(people, "2026-10-14T09:00:00", "environment-noise")
    handled(people, "2026-10-20T10:00:00", "road-facilities")
    for day in ("05", "06"):
        handled(people, f"2026-11-{day}T09:00:00", "environment-noise")
    handled(people, "2026-11-09T09:00:00", "road-facilities", reply=False)
    Clock(shanghai("2026-11-10T09:00:00"))
    people.submit(title="未受理的诉求", content="尚未受理")
    feed_consumers(people.client)
    rankings.clear_cache()
    Clock(shanghai("2026-11-26T09:00:00"))

    # When the public reads the trend of September to November
    response = get(people, "/public/trends?from=2026-09&to=2026-11")
    trend = body(response)

    # Then each month shows what that month's public figures show
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert [m["month"] for m in trend["months"]] == ["2026-09", "2026-10", "2026-11"]
    for month in trend["months"]:
        stats = body(get(people, f"/public/stats?period={month['month']}"))
        for name in ("submitted", "dispatched", "replied"):
            assert month[name] == stats["counters"].get(name, 0), (month["month"], name)
        for name, value in month["rates"].items():
            assert value == stats["rates"][name], (month["month"], name)
    september, october, november = trend["months"]
    assert (september["submitted"], october["submitted"], november["submitted"]) == (0, 2, 4)
    assert september["rates"]["on_time_completion_rate"] is None
    assert october["rates"]["on_time_completion_rate"] == 1.0
    # and per category the accepted appeals (the unaccepted one in none)
    assert october["categories"] == {"environment-noise": 1, "road-facilities": 1}
    assert november["categories"] == {"environment-noise": 2, "road-facilities": 1}
    assert trend["categories"] == [
        {"code": "environment-noise", "name": "噪声与油烟", "total": 3},
        {"code": "road-facilities", "name": "道路与交通设施", "total": 2},
    ]

    # and a department's own trend is its entries on the month's boards
    own = body(get(people, f"/public/trends?from=2026-10&to=2026-11&department_id={DEPARTMENT}"))
    assert own["department_id"] == DEPARTMENT
    for month in own["months"]:
        boards = body(get(people, f"/public/rankings?period={month['month']}&board=volume"))
        entry = next(e for e in boards["boards"][0]["entries"] if e["department_id"] == DEPARTMENT)
        assert month["replied"] == entry["value"]
        assert month["rates"]["on_time_completion_rate"] == entry["on_time_completion_rate"]
        assert month["categories"] == {}
    assert [m["dispatched"] for m in own["months"]] == [2, 3]

    # and without a range, the twelve months up to this one
    default = body(get(people, "/public/trends"))
    assert (default["from"], default["to"], len(default["months"])) == ("2025-12", "2026-11", 12)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13&to=2026-11", "from"),
        ("from=2026-1&to=2026-11", "from"),
        ("from=2026-01&to=26-11", "to"),
        ("from=2026-11&to=2026-10", "to"),
        ("from=2024-11&to=2026-11", "to"),  # 25 months
        ("to=2026-11&department_id=nobody", "department_id"),
    ],
)
def test_a_bad_range_is_a_problem_naming_its_field(people: People, query: str, field: str) -> None:
    response = people.client.http.get(f"/public/trends?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in body(response)["errors"]] == [field]


def test_twenty_four_months_are_allowed(people: People) -> None:
    trend = body(get(people, "/public/trends?from=2024-12&to=2026-11"))
    assert len(trend["months"]) == 24 and trend["months"][0]["submitted"] == 0
