"""Privacy of timelines, edge cases of auto-dispatch, rework and extensions, and request
bodies that must be refused cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.store import appeals as store
from chalicelib.work_orders.services import dispatch, sla
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

STAFF = f"department:{DEPARTMENT}"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def test_timeline_is_masked_for_leaders_and_bare_for_the_public(people: People) -> None:
    appeal_id = people.submit(
        is_public=True,
        contact={"name": "张三", "phone": "13812341234"},
    )["id"]
    people.act("operator", appeal_id, "dispatch")
    people.act(STAFF, appeal_id, "sign")
    people.act(STAFF, appeal_id, "contact", {"method": "phone", "note": "已联系 13812341234"})
    leader = body(people.get("leader", f"/appeals/{appeal_id}"))
    assert leader["timeline"][-1]["note"] == "已联系 138****1234"
    admin = body(people.get("admin", f"/appeals/{appeal_id}"))
    assert admin["contact"] == {"name": "张*", "phone": "138****1234"}
    stranger = body(people.get("citizen:other", f"/appeals/{appeal_id}"))
    assert [e["type"] for e in stranger["timeline"]] == [
        "submitted",
        "dispatched",
        "signed",
        "contacted",
    ]
    assert all(
        e["note"] is None and e["data"] == {} and set(e["actor"]) == {"role"}
        for e in stranger["timeline"]
    )
    assert "13812341234" not in json.dumps(stranger, ensure_ascii=False)
    assert "13812341234" not in json.dumps(leader, ensure_ascii=False)


def test_a_title_naming_the_citizen_is_masked_in_leaders_and_admins_lists(
    people: People,
) -> None:
    # Given an appeal whose title names the citizen who made it
    appeal_id = people.submit(
        title="张三反映东门路灯不亮", contact={"name": "张三", "phone": "13812341234"}
    )["id"]
    people.act("operator", appeal_id, "dispatch")

    def listed(who: str) -> str:
        items = body(people.get(who, f"/work-orders?department_id={DEPARTMENT}"))["items"]
        [found] = [i for i in items if i["id"] == appeal_id]
        return str(found["title"])

    # Then leaders and admins read it masked in their lists, as in the appeal itself
    for who in ("leader", "admin"):
        assert listed(who) == "张*反映东门路灯不亮", who
        assert body(people.get(who, f"/appeals/{appeal_id}"))["title"] == "张*反映东门路灯不亮"
    # and the center and the handling department as written
    assert listed("operator") == listed(STAFF) == "张三反映东门路灯不亮"


def test_auto_dispatch_leaves_appeals_the_center_has_handled(people: People) -> None:
    reclassified = people.submit(category="water-supply")["id"]
    people.act("operator", reclassified, "accept", {"category": "road-facilities"})
    returned = people.submit(category="water-supply")["id"]
    people.act("operator", returned, "dispatch", {"department_id": "water-supply-company"})
    people.act("department:water-supply-company", returned, "return")
    for appeal_id in (reclassified, returned):
        before = store.get(appeal_id)
        assert dispatch.auto_dispatch(appeal_id, "water-supply") is False
        assert store.get(appeal_id) == before


def test_auto_dispatch_to_an_inactive_department_waits_for_the_center(
    people: People, client: Any
) -> None:
    admin = people.stack.headers(people.token("admin"))
    client.http.put("/departments/gas-company", headers=admin, body='{"active": false}')
    appeal_id = people.submit(category="gas-supply")["id"]
    assert dispatch.auto_dispatch(appeal_id, "gas-supply") is False
    assert store.get(appeal_id).state.value == "submitted"  # type: ignore[union-attr]
    # and the admin can still switch auto-dispatch off for the category
    off = client.http.put("/categories/gas-supply", headers=admin, body='{"auto_dispatch": false}')
    assert off.status_code == 200, off.body


def test_rework_starts_a_clean_round_and_keeps_the_first_answer(people: People) -> None:
    appeal_id = people.submit()["id"]
    for who, action in (
        ("operator", "dispatch"),
        (STAFF, "sign"),
        (STAFF, "contact"),
        (STAFF, "extension"),
    ):
        assert people.act(who, appeal_id, action).status_code == 200
    first = {"content": "第一次答复", "handler_name": "王强", "handler_phone": "13900001111"}
    people.act(STAFF, appeal_id, "reply", first)
    reworked = body(
        people.act("citizen", appeal_id, "rating", {"score": 1, "resolved": False, "rework": True})
    )
    assert reworked["extension"] is None
    for action in ("sign", "contact"):
        people.act(STAFF, appeal_id, action)
    assert people.act(STAFF, appeal_id, "extension").status_code == 200
    people.act("operator", appeal_id, "extension/decision", {"approve": True})
    second = {"content": "第二次答复", "handler_name": "王强", "handler_phone": "13900001111"}
    final = body(people.act(STAFF, appeal_id, "reply", second))
    answers = [e["data"]["content"] for e in final["timeline"] if e["type"] == "replied"]
    assert answers == ["第一次答复", "第二次答复"]
    assert final["reply"]["content"] == "第二次答复"


def test_approved_extension_reopens_the_reply_deadline(people: People) -> None:
    time = Clock(shanghai("2026-11-26T10:00:00"))
    appeal_id = people.submit(kind="consultation")["id"]
    for who, action in (("operator", "dispatch"), (STAFF, "sign"), (STAFF, "contact")):
        people.act(who, appeal_id, action)
    time.advance(days=1, minutes=1)  # Friday 10:01: the reply is overdue
    assert sla.sweep()["overdue"] == 1
    people.act(STAFF, appeal_id, "extension", {"days": 2, "reason": "需协调"})
    extended = body(people.act("operator", appeal_id, "extension/decision", {"approve": True}))
    assert extended["deadlines"]["reply_due"] == "2026-12-01T10:00:00.000+08:00"
    assert "reply" not in extended["overdue"]
    time.at = shanghai("2026-12-01T10:01:00")  # strictly after the new deadline
    assert sla.sweep()["overdue"] == 1  # the new deadline is watched too


def test_list_items_carry_their_creation_time(people: People) -> None:
    people.submit()
    items = body(people.get("operator", "/work-orders?state=submitted"))["items"]
    assert items and all(item["created_at"] for item in items)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            '{"kind": "help", "title": "t", "content": "c", "location": {"lat": NaN, "lng": 0}}',
            "body",
        ),
        ('{"kind": "help", "title": "\\ud800x", "content": "c"}', "title"),
        ("[" * 5000 + "]" * 5000, "body"),
    ],
)
def test_bodies_that_cannot_be_stored_are_400(people: People, raw: str, field: str) -> None:
    response = people.client.http.post(
        "/appeals", headers=people.stack.headers(people.token("citizen")), body=raw
    )
    assert response.status_code == 400, response.body
    assert body(response)["errors"][0]["field"] == field


def test_empty_department_filter_is_400_on_that_field(people: People) -> None:
    response = people.get("operator", "/work-orders?department_id=")
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "department_id"
