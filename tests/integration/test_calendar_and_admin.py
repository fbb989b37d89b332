"""Deadlines on the loaded calendar, the Monday–Friday fallback, and the admin's data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

YEAR_2027 = {
    # A plausible list: New Year's Day on Friday, and Sunday 7 February worked for the
    # Spring Festival (the State Council publishes the real one each November).
    "holidays": [
        "2027-01-01",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-02-12",
    ],
    "workdays": ["2027-02-07"],
}


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def put(people: People, who: str, path: str, payload: Any) -> Any:
    return people.client.http.put(
        path, headers=people.stack.headers(people.token(who)), body=json.dumps(payload)
    )


def dispatch_at(people: People, moment: str, kind: str = "consultation") -> dict[str, Any]:
    Clock(shanghai(moment))
    appeal = people.submit(kind=kind)
    response = people.act("operator", appeal["id"], "dispatch", {"department_id": DEPARTMENT})
    assert response.status_code == 200, response.body
    return dict(body(response))


def test_2027_deadline_uses_the_admin_loaded_year(people: People) -> None:
    assert put(people, "admin", "/calendar/2027", YEAR_2027).status_code == 200
    # Thursday 31 December 2026, 16:00, a consultation: 1 January 2027 is a holiday, so
    # the reply is due Monday 4 January 16:00
    after = dispatch_at(people, "2026-12-31T16:00:00")
    assert after["deadlines"]["reply_due"] == "2027-01-04T16:00:00.000+08:00"
    # Across the loaded Spring Festival: Friday 5 Feb + 2 working days = Sunday 7 Feb
    # (worked), then Monday 15 Feb (8–12 are holidays)
    spring = dispatch_at(people, "2027-02-05T10:00:00", kind="suggestion")
    # suggestion: 5 working days: 7 Feb, 15, 16, 17, 18 Feb
    assert spring["deadlines"]["reply_due"] == "2027-02-18T10:00:00.000+08:00"
    described = body(people.get("operator", "/calendar/2027"))
    assert described["source"] == "loaded"
    assert described["workdays"] == ["2027-02-07"]


def test_2027_without_a_loaded_year_falls_back_to_weekdays(people: People, caplog: Any) -> None:
    after = dispatch_at(people, "2026-12-31T16:00:00")
    # Monday–Friday only: Friday 1 January counts as a working day
    assert after["deadlines"]["reply_due"] == "2027-01-01T16:00:00.000+08:00"
    warnings = [r for r in caplog.records if "no working-day calendar" in r.getMessage()]
    assert [r.year for r in warnings] == [2027]
    assert body(people.get("admin", "/calendar/2027"))["source"] == "weekdays"


def test_2026_national_day_comes_from_the_package(people: People) -> None:
    described = body(people.get("admin", "/calendar/2026"))
    assert described["source"] == "package"
    assert "2026-10-01" in described["holidays"] and "2026-10-10" in described["workdays"]
    # A complaint dispatched Tuesday 29 September 10:30: 30 Sep, then 1–7 Oct are off,
    # 8 Oct, 9 Oct -> Friday 9 October 10:30
    after = dispatch_at(people, "2026-09-29T10:30:00", kind="complaint")
    assert after["deadlines"]["reply_due"] == "2026-10-09T10:30:00.000+08:00"
    # A consultation dispatched Friday 9 October 16:00 is due on the worked Saturday
    worked_saturday = dispatch_at(people, "2026-10-09T16:00:00")
    assert worked_saturday["deadlines"]["reply_due"] == "2026-10-10T16:00:00.000+08:00"


@pytest.mark.parametrize(
    ("year", "payload", "field"),
    [
        ("2027", {"holidays": ["2026-12-31"], "workdays": []}, "holidays"),
        ("2027", {"holidays": ["2027-02-07"], "workdays": ["2027-02-07"]}, "workdays"),
        ("2027", {"holidays": ["not-a-date"], "workdays": []}, "holidays"),
        ("2027", {"holidays": []}, "workdays"),
        ("1999", {"holidays": [], "workdays": []}, "year"),
    ],
)
def test_bad_calendar_is_400(people: People, year: str, payload: Any, field: str) -> None:
    response = put(people, "admin", f"/calendar/{year}", payload)
    assert response.status_code == 400, response.body
    assert body(response)["errors"][0]["field"] == field
    assert body(people.get("admin", "/calendar/2027"))["source"] == "weekdays"


def test_only_the_admin_loads_a_calendar(people: People) -> None:
    assert put(people, "operator", "/calendar/2027", YEAR_2027).status_code == 403


def test_admin_manages_departments_and_categories(people: People) -> None:
    created = people.post(
        "admin", "/departments", {"id": "sports-center", "name": "区体育中心", "kind": "department"}
    )
    assert created.status_code == 201, created.body
    again = people.post("admin", "/departments", {"id": "sports-center", "name": "重复"})
    assert again.status_code == 409
    renamed = put(people, "admin", "/departments/sports-center", {"name": "区全民健身中心"})
    assert body(renamed)["name"] == "区全民健身中心"
    assert put(people, "admin", "/departments/nope", {"name": "x"}).status_code == 404
    listed = body(people.get("operator", "/departments"))["items"]
    assert "sports-center" in {d["id"] for d in listed} and len(listed) == 36

    category = people.post(
        "admin",
        "/categories",
        {
            "code": "fitness",
            "name": "健身设施",
            "default_department": "sports-center",
            "auto_dispatch": True,
            "reply_working_days": {"complaint": 2},
        },
    )
    assert category.status_code == 201, category.body
    bad_route = people.post(
        "admin", "/categories", {"code": "ghost", "name": "x", "default_department": "no-such-unit"}
    )
    assert body(bad_route)["errors"][0]["field"] == "default_department"
    no_target = people.post(
        "admin", "/categories", {"code": "ghost", "name": "x", "auto_dispatch": True}
    )
    assert body(no_target)["errors"][0]["field"] == "auto_dispatch"
    bad_days = put(people, "admin", "/categories/fitness", {"reply_working_days": {"complaint": 0}})
    assert body(bad_days)["errors"][0]["field"] == "reply_working_days.complaint"
    assert people.post("operator", "/categories", {"code": "x", "name": "x"}).status_code == 403
