"""The closed loop over HTTP: 受理 → 转办 → 签收 → 联系 → 答复 → 评价, with a return and
re-dispatch, an extension and a rework, on the PRC working-day calendar."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.store import appeals as store
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def test_one_appeal_through_every_state(people: People) -> None:
    # Friday 2026-11-27 09:00 in Shanghai
    time = Clock(shanghai("2026-11-27T09:00:00"))
    citizen, operator, staff, leader = "citizen", "operator", f"department:{DEPARTMENT}", "leader"
    appeal = people.submit(citizen, category="road-facilities")
    appeal_id = appeal["id"]

    def record() -> list[dict[str, Any]]:
        """The whole timeline, as the platform center reads it."""
        return list(body(people.get(operator, f"/appeals/{appeal_id}"))["timeline"])

    seen: list[dict[str, Any]] = record()
    steps: list[tuple[str, str, str, dict[str, Any] | None, str]] = [
        # (who, action, expected event, body or None for the default, state after)
        (operator, "accept", "accepted", None, "accepted"),
        (operator, "dispatch", "dispatched", {"department_id": "health-commission"}, "dispatched"),
    ]

    def do(who: str, action: str, event: str, payload: Any, state: str) -> dict[str, Any]:
        nonlocal seen
        time.advance(minutes=3)
        response = people.act(who, appeal_id, action, payload)
        assert response.status_code == 200, (action, response.body)
        after = body(response)
        assert after["state"] == state, action
        timeline = record()
        # one new event, by the actor, at the platform's time; nothing before it rewritten
        assert timeline[: len(seen)] == seen, f"{action} rewrote the timeline"
        assert len(timeline) == len(seen) + 1
        new = timeline[-1]
        assert new["type"] == event
        assert new["at"] == clock.iso(time.at)
        assert new["actor"]["role"] == who.split(":")[0]
        seen = timeline
        return dict(after)

    for step in steps:
        do(*step)
    # The wrong department returns it; the center dispatches it again, to the right one
    do("department:health-commission", "return", "returned", None, "returned")
    dispatched = do(
        operator,
        "dispatch",
        "dispatched",
        {"department_id": DEPARTMENT, "note": "请交通局办理"},
        "dispatched",
    )
    # Friday 09:12 dispatch of a complaint: sign by 09:27, contact by 09:42, reply in 3
    # working days: Wednesday 2 December 09:12
    assert dispatched["deadlines"] == {
        "sign_due": "2026-11-27T09:27:00.000+08:00",
        "contact_due": "2026-11-27T09:42:00.000+08:00",
        "reply_due": "2026-12-02T09:12:00.000+08:00",
    }
    do(staff, "sign", "signed", None, "signed")
    do(staff, "contact", "contacted", None, "contacted")
    do(leader, "comments", "commented", None, "contacted")
    do(staff, "extension", "extension_requested", {"days": 2, "reason": "需协调"}, "contacted")
    extended = do(
        operator, "extension/decision", "extension_decided", {"approve": True}, "contacted"
    )
    # two more working days from Wednesday: Friday 4 December, same clock time
    assert extended["deadlines"]["reply_due"] == "2026-12-04T09:12:00.000+08:00"
    assert extended["extension"]["status"] == "approved"
    do(operator, "escalate", "escalated", {"level": 2, "reason": "多次反映"}, "contacted")
    do(staff, "reply", "replied", None, "replied")
    reworked = do(
        citizen,
        "rating",
        "rework_requested",
        {"score": 1, "resolved": False, "rework": True, "comment": "灯还是不亮"},
        "dispatched",
    )
    assert reworked["department_id"] == DEPARTMENT
    # a new round: new deadlines from the rework request
    assert reworked["deadlines"]["sign_due"] == clock.iso(time.at + timedelta(minutes=15))
    do(staff, "sign", "signed", None, "signed")
    do(staff, "contact", "contacted", None, "contacted")
    do(
        staff,
        "reply",
        "replied",
        {
            "content": "已更换灯具",
            "handler_name": "王强",
            "handler_phone": "13900001111",
            "public_reply": "路灯已修复",
        },
        "replied",
    )
    closed = do(
        citizen, "rating", "rated", {"score": 5, "resolved": True, "comment": "满意"}, "closed"
    )
    assert closed["rating"]["score"] == 5
    assert [e["type"] for e in seen] == [
        "submitted",
        "accepted",
        "dispatched",
        "returned",
        "dispatched",
        "signed",
        "contacted",
        "commented",
        "extension_requested",
        "extension_decided",
        "escalated",
        "replied",
        "rework_requested",
        "signed",
        "contacted",
        "replied",
        "rated",
    ]
    times = [e["at"] for e in seen]
    assert times == sorted(times)
    # The citizen reads the same steps, without the platform's internal ones or staff ids
    mine = body(people.get(citizen, f"/appeals/{appeal_id}"))
    internal = {"commented", "extension_requested", "escalated"}
    assert [(e["type"], e["at"]) for e in mine["timeline"]] == [
        (e["type"], e["at"]) for e in seen if e["type"] not in internal
    ]
    assert all(set(e["actor"]) == {"role"} for e in mine["timeline"])


def test_accept_and_dispatch_in_one_step(people: People) -> None:
    Clock(shanghai("2026-11-28T10:00:00"))  # a Saturday
    appeal = people.submit(kind="consultation")
    response = people.act(
        "operator",
        appeal["id"],
        "dispatch",
        {"department_id": DEPARTMENT, "category": "public-transport"},
    )
    after = body(response)
    assert after["state"] == "dispatched"
    assert after["category"] == "public-transport"
    assert after["timeline"][-1]["data"]["accepted"] is True
    # Saturday: the reply day counts from 09:00 Monday; one working day: Tuesday 09:00
    assert after["deadlines"]["reply_due"] == "2026-12-01T09:00:00.000+08:00"
    # Sign and contact are clock time, weekend or not
    assert after["deadlines"]["sign_due"] == "2026-11-28T10:15:00.000+08:00"


def test_dispatch_refuses_unknown_department(people: People) -> None:
    appeal = people.submit()
    response = people.act(
        "operator",
        appeal["id"],
        "dispatch",
        {"department_id": "no-such-bureau", "co_department_ids": [DEPARTMENT, DEPARTMENT]},
    )
    assert response.status_code == 400
    assert body(people.get("operator", f"/appeals/{appeal['id']}"))["state"] == "submitted"


def test_category_reply_days_override_the_kind(people: People, client: Any) -> None:
    Clock(shanghai("2026-11-23T10:00:00"))  # Monday
    admin = people.token("admin")
    people.stack.headers(admin)
    changed = client.http.put(
        "/categories/heating",
        headers=people.stack.headers(admin),
        body='{"reply_working_days": {"complaint": 1}}',
    )
    assert changed.status_code == 200, changed.body
    appeal = people.submit(category="heating")
    after = body(
        people.act("operator", appeal["id"], "dispatch", {"department_id": "heating-company"})
    )
    assert after["deadlines"]["reply_due"] == "2026-11-24T10:00:00.000+08:00"


def test_merge_points_to_the_other_appeal(people: People) -> None:
    first, duplicate = people.submit(), people.submit()
    response = people.act("operator", duplicate["id"], "merge", {"into": first["id"]})
    assert response.status_code == 200
    assert body(response)["state"] == "merged"
    assert body(response)["merged_into"] == first["id"]
    itself = people.act("operator", first["id"], "merge", {"into": first["id"]})
    assert itself.status_code == 400


def test_rework_needs_a_low_score(people: People) -> None:
    appeal = people.submit()
    response = people.act(
        "citizen", appeal["id"], "rating", {"score": 4, "resolved": True, "rework": True}
    )
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "rework"


def test_second_extension_request_waits_for_the_first(people: People) -> None:
    staff = f"department:{DEPARTMENT}"
    appeal = people.submit()
    for who, action in (("operator", "dispatch"), (staff, "sign")):
        assert people.act(who, appeal["id"], action).status_code == 200
    assert people.act(staff, appeal["id"], "extension").status_code == 200
    again = people.act(staff, appeal["id"], "extension")
    assert again.status_code == 409
    assert body(again)["state"] == "signed"


def test_action_idempotency_key_replays_the_first_answer(people: People) -> None:
    appeal = people.submit()
    headers = {**people.stack.headers(people.token("operator")), "Idempotency-Key": "op-1"}
    first = people.client.http.post(f"/appeals/{appeal['id']}/accept", headers=headers, body="{}")
    again = people.client.http.post(f"/appeals/{appeal['id']}/accept", headers=headers, body="{}")
    assert first.status_code == again.status_code == 200
    assert body(again) == body(first)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(body(people.get("operator", f"/appeals/{appeal['id']}"))["timeline"]) == 2


def _keyed(people: People, who: str, key: str) -> dict[str, str]:
    return {**people.stack.headers(people.token(who)), "Idempotency-Key": key}


def test_an_action_s_key_is_kept_in_the_appeal_s_own_write(people: People) -> None:
    """The lifecycle's actions record the key in the appeal (one read, one write): no
    idempotency record; a repeat replays; the same key with another body is refused; the
    key is in no answer; it expires with the window."""
    from chalicelib.core.config import settings

    appeal = people.submit()
    path = f"/appeals/{appeal['id']}/dispatch"
    headers = _keyed(people, "operator", "dispatch-1")
    payload = json.dumps({"department_id": DEPARTMENT})
    first = people.client.http.post(path, headers=headers, body=payload)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    assert people.stack.items(settings().idempotency_table) == []
    stored = store.get(appeal["id"])
    assert stored is not None and len(stored.request_keys) == 1
    (digest,) = stored.request_keys
    assert "dispatch-1" not in digest and DEPARTMENT not in stored.request_keys[digest]
    again = people.client.http.post(path, headers=headers, body=payload)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert body(again) == body(first)
    other = json.dumps({"department_id": DEPARTMENT, "note": "另一个请求"})
    refused = people.client.http.post(path, headers=headers, body=other)
    assert refused.status_code == 422, refused.body
    shown = people.client.http.get(f"/appeals/{appeal['id']}", headers=headers).body.decode()
    assert digest not in shown and "request_keys" not in shown
    # The same key for another action or from another caller is another request
    accepted = people.client.http.post(
        f"/appeals/{appeal['id']}/accept", headers=headers, body="{}"
    )
    assert accepted.status_code == 409  # dispatched already: the table refuses, no replay
    # Once the window has passed, the key is forgotten (and dropped at the next write)
    later = clock.now() + timedelta(seconds=settings().idempotency_seconds + 1)
    clock.set_clock(lambda: later)
    try:
        expired = people.client.http.post(path, headers=headers, body=payload)
        assert expired.status_code == 409  # taken as new: dispatched already
        signed = people.client.http.post(
            f"/appeals/{appeal['id']}/sign",
            headers=_keyed(people, f"department:{DEPARTMENT}", "sign-1"),
            body="{}",
        )
        assert signed.status_code == 200, signed.body
        after = store.get(appeal["id"])
        assert after is not None and len(after.request_keys) == 1
        assert digest not in after.request_keys
    finally:
        clock.set_clock(None)
    timeline = body(people.get("operator", f"/appeals/{appeal['id']}"))["timeline"]
    assert [e["type"] for e in timeline] == ["submitted", "dispatched", "signed"]


def test_a_retried_return_replays_though_the_work_order_left_the_department(
    people: People,
) -> None:
    appeal = people.submit()
    assert people.act("operator", appeal["id"], "dispatch").status_code == 200
    path = f"/appeals/{appeal['id']}/return"
    headers = _keyed(people, f"department:{DEPARTMENT}", "return-1")
    payload = json.dumps({"reason": "不属于本单位职责"})
    first = people.client.http.post(path, headers=headers, body=payload)
    assert first.status_code == 200, first.body
    again = people.client.http.post(path, headers=headers, body=payload)
    assert again.status_code == 200, again.body
    assert again.headers["Idempotent-Replayed"] == "true"
    other = _keyed(people, f"department:{DEPARTMENT}", "return-2")  # a new request: gone
    assert people.client.http.post(path, headers=other, body=payload).status_code == 404


def test_a_concurrent_duplicate_of_a_keyed_action_loses_with_409(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of one request read the same version: the first writes, the second's
    conditional write fails (409), and the appeal changed once."""
    from chalicelib.work_orders.services import transitions

    appeal = people.submit()
    before = store.get(appeal["id"])
    path = f"/appeals/{appeal['id']}/accept"
    headers = _keyed(people, "operator", "accept-1")
    assert people.client.http.post(path, headers=headers, body="{}").status_code == 200
    stale = transitions.load_for
    monkeypatch.setattr(transitions, "load_for", lambda *_a, **_k: copy.deepcopy(before))
    duplicate = people.client.http.post(path, headers=headers, body="{}")
    monkeypatch.setattr(transitions, "load_for", stale)
    assert duplicate.status_code == 409, duplicate.body
    assert body(duplicate)["state"] == "accepted"
    replay = people.client.http.post(path, headers=headers, body="{}")
    assert replay.headers["Idempotent-Replayed"] == "true"
    timeline = body(people.get("operator", f"/appeals/{appeal['id']}"))["timeline"]
    assert [e["type"] for e in timeline] == ["submitted", "accepted"]


def test_merge_into_a_missing_or_rejected_appeal_is_refused(people: People) -> None:
    rejected, duplicate = people.submit(), people.submit()
    people.act("operator", rejected["id"], "reject")
    for target in (rejected["id"], "20260101-00000000"):
        response = people.act("operator", duplicate["id"], "merge", {"into": target})
        assert response.status_code == 400
        assert body(response)["errors"][0]["field"] == "into"
    stored = body(people.get("operator", f"/appeals/{duplicate['id']}"))
    assert stored["state"] == "submitted" and len(stored["timeline"]) == 1
