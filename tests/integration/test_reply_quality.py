"""The reply quality check through the API on moto: the department asks before it sends
(an unrelated reply flagged, a related one not; a consultation in a category that asks for
a policy reference flagged without one); the reply is sent all the same, its flags on its
event and counted for the department and the platform; bad input and other callers get
problem+json and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

DEPT = f"department:{DEPARTMENT}"
HANDLER = {"handler_name": "王强", "handler_phone": "13900001111"}
RELATED = "经现场核查，东门路灯线路老化，已更换灯具，路灯恢复照明。"
UNRELATED = "您好，城乡居民医保缴费期为每年9月至12月，可通过爱山东App缴费。"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def contacted(people: People, **fields: Any) -> str:
    appeal = people.submit(title="路灯不亮", content="东门路灯坏了，晚上出行不便", **fields)
    dispatch = {"department_id": DEPARTMENT}
    assert people.act("operator", appeal["id"], "dispatch", dispatch).status_code == 200
    for step in ("sign", "contact"):
        assert people.act(DEPT, appeal["id"], step).status_code == 200
    return str(appeal["id"])


def check(people: People, appeal_id: str, content: str, who: str = DEPT) -> Any:
    return people.post(who, f"/appeals/{appeal_id}/reply/check", {"content": content})


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.body
    return [f["code"] for f in body(response)["flags"]]


def test_an_unrelated_reply_is_flagged_before_it_is_sent_and_counted_after(
    people: People,
) -> None:
    unrelated_id, related_id = contacted(people), contacted(people)
    # The check flags the unrelated reply, not the related one; nothing is written
    assert codes(check(people, unrelated_id, UNRELATED)) == ["unrelated"]
    assert codes(check(people, related_id, RELATED)) == []
    shown = body(check(people, unrelated_id, UNRELATED))
    assert shown["score"] == 0 and shown["threshold"] == 0.2
    assert body(people.get(DEPT, f"/appeals/{unrelated_id}"))["state"] == "contacted"
    # The department sends both: the unrelated one carries its flag on the event
    for appeal_id, content in ((unrelated_id, UNRELATED), (related_id, RELATED)):
        sent = people.act(DEPT, appeal_id, "reply", {"content": content, **HANDLER})
        assert sent.status_code == 200, sent.body
    replied = {
        appeal_id: body(people.get("operator", f"/appeals/{appeal_id}"))["timeline"][-1]
        for appeal_id in (unrelated_id, related_id)
    }
    assert replied[unrelated_id]["data"]["quality_flags"] == ["unrelated"]
    assert replied[related_id]["data"]["quality_flags"] == []
    # Counted for the department and the platform, in the reply's periods
    result = people.client.lambda_.invoke("appeal_statistics", {"Records": stream_records()})
    assert result.payload == {"batchItemFailures": []}
    stats = body(people.client.http.get("/public/stats?period=2026-11-26"))["counters"]
    assert stats["replied"] == 2 and stats["reply_flagged"] == 1
    assert stats["reply_flagged:unrelated"] == 1
    from chalicelib.figures.store import statistics as store

    department = store.period_counters("2026-11", [f"dept#{DEPARTMENT}"])[f"dept#{DEPARTMENT}"]
    assert department["reply_flagged"] == 1


def test_a_consultation_without_the_policy_reference_its_category_asks_for(
    people: People,
) -> None:
    # social-insurance asks consultations for a policy reference (district.json)
    appeal_id = contacted(people, kind="consultation", category="social-insurance")
    plain = "东门路灯已修复。"
    assert "no_policy_reference" in codes(check(people, appeal_id, plain))
    cited = "东门路灯已修复。依据《淄博市城市照明管理办法》第十二条处理。"
    assert codes(check(people, appeal_id, cited)) == []
    assert body(check(people, appeal_id, cited))["policy_reference_required"] is True
    # A complaint in the same category is not asked for one
    complaint = contacted(people, kind="complaint", category="social-insurance")
    assert codes(check(people, complaint, plain)) == []


def test_the_category_field_is_reference_data(people: People) -> None:
    listed = {c["code"]: c for c in body(people.get("admin", "/categories"))["items"]}
    assert listed["social-insurance"]["policy_reference"] is True
    assert listed["road-facilities"]["policy_reference"] is False
    changed = people.client.http.put(
        "/categories/road-facilities",
        headers=people.stack.headers(people.token("admin")),
        body=json.dumps({"policy_reference": True}),
    )
    assert changed.status_code == 200, changed.body
    assert body(changed)["policy_reference"] is True
    refused = people.client.http.put(
        "/categories/road-facilities",
        headers=people.stack.headers(people.token("admin")),
        body=json.dumps({"policy_reference": "yes"}),
    )
    assert refused.status_code == 400 and "policy_reference" in refused.body.decode()


def test_bad_input_and_who_may_check(people: People) -> None:
    appeal_id = contacted(people)
    cases = [
        ({}, "content"),
        ({"content": ""}, "content"),
        ({"content": "x" * 4001}, "content"),
        ({"content": "路灯", "extra": 1}, "extra"),
    ]
    for payload, field in cases:
        response = people.post(DEPT, f"/appeals/{appeal_id}/reply/check", payload)
        assert response.status_code == 400, (payload, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert field in json.dumps(body(response)["errors"]), body(response)
    # The reply's flags are the service's: a request cannot set them
    forged = {"content": RELATED, **HANDLER, "quality_flags": []}
    response = people.act(DEPT, appeal_id, "reply", forged)
    assert response.status_code == 400 and "quality_flags" in response.body.decode()
    assert body(people.get(DEPT, f"/appeals/{appeal_id}"))["state"] == "contacted"
    # Another department learns nothing; the center and leaders do not check replies
    assert check(people, appeal_id, RELATED, "department:health-commission").status_code == 404
    assert check(people, appeal_id, RELATED, "operator").status_code == 403
    assert check(people, "20261126-NOSUCH00", RELATED).status_code == 404
