"""Work-order lists (from indexes), leaders' following and supervision lists, automatic
dispatch through the stream and automatic close on schedule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.store import appeals as store
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import (
    DEPARTMENT,
    OTHER_DEPARTMENT,
    Clock,
    People,
    shanghai,
)
from tests.integration.test_events import stream_records


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.body
    return [item["id"] for item in body(response)["items"]]


def test_work_order_lists_follow_filters_and_ownership(people: People) -> None:
    time = Clock(shanghai("2026-11-26T09:00:00"))

    def submit(**fields: Any) -> str:
        time.advance(minutes=1)  # distinct times: lists are newest first
        return str(people.submit(**fields)["id"])

    mine = [submit(kind="complaint") for _ in range(3)]
    theirs = submit()
    waiting = submit(kind="help")
    for appeal_id in mine:
        assert people.act("operator", appeal_id, "dispatch").status_code == 200
    people.act("operator", theirs, "dispatch", {"department_id": OTHER_DEPARTMENT})
    people.act(f"department:{DEPARTMENT}", mine[0], "sign")
    staff = f"department:{DEPARTMENT}"

    assert ids(people.get(staff, "/work-orders")) == list(reversed(mine))
    assert ids(people.get(staff, "/work-orders?state=signed")) == [mine[0]]
    assert ids(people.get(staff, "/work-orders?state=dispatched")) == [mine[2], mine[1]]
    asked_other = people.get(staff, f"/work-orders?department_id={OTHER_DEPARTMENT}")
    assert asked_other.status_code == 400
    assert ids(people.get("operator", "/work-orders?state=submitted")) == [waiting]
    assert ids(people.get("operator", f"/work-orders?department_id={OTHER_DEPARTMENT}")) == [theirs]
    assert ids(people.get("operator", "/work-orders?kind=help")) == [waiting]
    every = ids(people.get("operator", "/work-orders?month=2026-11"))
    assert set(every) == {*mine, theirs, waiting}
    # Paging through the unfiltered list: no item twice, none lost
    seen: list[str] = []
    cursor = ""
    while True:
        page = body(people.get("operator", f"/work-orders?limit=2{cursor}"))
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(every)
    assert people.get("citizen", "/work-orders").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=lost", "state"),
        ("overdue=maybe", "overdue"),
        ("month=2026-13x", "month"),
        ("colour=red", "colour"),
    ],
)
def test_bad_work_order_filters_are_400(people: People, query: str, field: str) -> None:
    response = people.get("operator", f"/work-orders?{query}")
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == field


def test_cursor_of_one_list_does_not_open_another(people: People) -> None:
    for _ in range(3):
        people.act("operator", people.submit()["id"], "dispatch")
    page = body(people.get("operator", f"/work-orders?department_id={DEPARTMENT}&limit=1"))
    response = people.get("operator", f"/work-orders?state=submitted&cursor={page['next_cursor']}")
    assert response.status_code == 400


def test_leader_follows_and_supervises(people: People) -> None:
    quiet, escalated = people.submit()["id"], people.submit()["id"]
    assert people.act("operator", escalated, "escalate").status_code == 200
    leader = "leader"
    assert (
        people.client.http.put(
            f"/appeals/{quiet}/follow", headers=people.stack.headers(people.token(leader))
        ).status_code
        == 200
    )
    # following twice is still following once
    people.client.http.put(
        f"/appeals/{quiet}/follow", headers=people.stack.headers(people.token(leader))
    )
    assert ids(people.get(leader, "/me/following")) == [quiet]
    assert ids(people.get(leader, "/supervision")) == [escalated]
    assert (
        people.client.http.delete(
            f"/appeals/{quiet}/follow", headers=people.stack.headers(people.token(leader))
        ).status_code
        == 200
    )
    assert ids(people.get(leader, "/me/following")) == []
    unknown = people.client.http.put(
        "/appeals/20260101-00000000/follow", headers=people.stack.headers(people.token(leader))
    )
    assert unknown.status_code == 404
    assert people.get("citizen", "/supervision").status_code == 403
    # A closed work order leaves the supervision list
    people.act("operator", escalated, "reject")
    assert ids(people.get(leader, "/supervision")) == []


def test_category_with_auto_dispatch_routes_through_the_stream(people: People, client: Any) -> None:
    admin = people.stack.headers(people.token("admin"))
    client.http.put("/categories/water-supply", headers=admin, body='{"auto_dispatch": true}')
    routed = people.submit(category="water-supply")["id"]
    manual = people.submit(category="road-facilities")["id"]
    records = stream_records()
    result = client.lambda_.invoke("appeal_routing", {"Records": records}).payload
    assert result == {"batchItemFailures": []}
    after = store.get(routed)
    assert after is not None and after.state.value == "dispatched"
    assert after.department_id == "water-supply-company"
    assert after.timeline[-1].actor == {"role": "system", "id": "minsheng"}
    assert store.get(manual).state.value == "submitted"  # type: ignore[union-attr]
    # Redelivered, the same records change nothing
    again = client.lambda_.invoke("appeal_routing", {"Records": records}).payload
    assert again == {"batchItemFailures": []}
    assert len(store.get(routed).timeline) == len(after.timeline)  # type: ignore[union-attr]


def test_replied_appeals_close_after_seven_unrated_days(people: People, client: Any) -> None:
    time = Clock(shanghai("2026-11-02T10:00:00"))
    staff = f"department:{DEPARTMENT}"
    old, recent, rated = (people.submit()["id"] for _ in range(3))
    for appeal_id in (old, recent, rated):
        for who, action in (("operator", "dispatch"), (staff, "sign"), (staff, "contact")):
            people.act(who, appeal_id, action)
    people.act(staff, old, "reply")
    time.advance(days=5)
    people.act(staff, recent, "reply")
    people.act(staff, rated, "reply")
    people.act("citizen", rated, "rating")
    time.advance(days=2, minutes=1)  # old: 7 days and a minute; recent: 2 days
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    result = client.lambda_.invoke("auto_close", event).payload
    assert result == {"closed": 1, "skipped": 0}
    states = {i: store.get(i).state.value for i in (old, recent, rated)}  # type: ignore[union-attr]
    assert states == {old: "closed", recent: "replied", rated: "closed"}
    assert store.get(old).timeline[-1].type == "closed"  # type: ignore[union-attr]
