"""How 12345 centres work (issue 27): 举报 and the protection of its reporter, urging,
instant transfer and the reasons for not accepting, dispatch disputes, call-backs and the
review of ratings; each through the real handlers on moto."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.support.department_system import Receiver

REPORTER_NAME = "李建国"
REPORTER_PHONE = "13987654321"
STAFF = f"department:{DEPARTMENT}"


@pytest.fixture
def people(client: Any, stack: Stack) -> People:
    return People(stack, client)


@pytest.fixture
def receiver() -> Any:
    found = Receiver().start()
    yield found
    found.stop()


def _account(token: str) -> str:
    from tests.integration.test_webhooks import claims

    return str(claims(token)["sub"])


def _holds_reporter(text: str, account: str) -> list[str]:
    """What of the reporter ``text`` gives away: the name, the surname as masking leaves
    it, the number (clear or masked), the account id."""
    found = []
    for needle in (REPORTER_NAME, "李*", REPORTER_PHONE, "139****4321", account):
        if needle in text:
            found.append(needle)
    return found


def _whistleblowing(people: People) -> str:
    made = people.submit(
        kind="whistleblowing",
        title=f"{REPORTER_NAME}举报工地夜间施工",
        content=f"我是{REPORTER_NAME}，电话 139 8765 4321，东门工地每晚十一点后仍在施工。",
        contact={"name": REPORTER_NAME, "phone": REPORTER_PHONE},
        location={"lat": 36.65, "lng": 117.96, "address": "般阳路 12 号东门工地"},
        is_public=True,
    )
    return str(made["id"])


def test_a_whistleblower_is_known_to_the_center_only(
    client: Any, people: People, receiver: Receiver, caplog: Any, capsys: Any
) -> None:
    from tests.integration.test_webhooks import Flow, register, verified

    caplog.set_level(logging.INFO)
    Clock(shanghai("2026-11-26T09:00:00"))
    try:
        flow = Flow(client)
        verified(people, flow, receiver, register(people, receiver.url))
        account = _account(people.token("citizen"))
        # Given a 举报 the citizen asked to make public, naming themselves in it
        appeal_id = _whistleblowing(people)
        # Then it is not public, and is never dispatched by itself
        center = body(people.get("operator", f"/appeals/{appeal_id}"))
        assert center["is_public"] is False and center["state"] == "submitted"
        # The center sees who made it
        assert center["contact"] == {"name": REPORTER_NAME, "phone": REPORTER_PHONE}
        assert REPORTER_NAME in center["content"]
        # When the center dispatches and escalates it
        dispatched = people.act("operator", appeal_id, "dispatch", {"department_id": DEPARTMENT})
        assert dispatched.status_code == 200, dispatched.body
        escalate = {"level": 2, "reason": "群众举报，请督办"}
        assert people.act("operator", appeal_id, "escalate", escalate).status_code == 200
        due = body(dispatched)["deadlines"]["reply_due"]
        # Then its reply is due in 5 working days (Thursday 26 -> Thursday 3 December)
        assert due.startswith("2026-12-03T09:00")
        flow.run()
        # The department's system received it: the facts and the place, not the reporter
        [delivery] = receiver.of_type("work_order.dispatched")
        order = delivery.json()["work_order"]
        assert order["id"] == appeal_id and delivery.json()["masked"] is False
        assert "东门工地每晚十一点后仍在施工" in order["content"]
        assert order["location"]["address"] == "般阳路 12 号东门工地"
        assert order["contact"] is None
        seen: dict[str, str] = {"webhook": delivery.body.decode()}
        # The department, a leader and an admin read it, in the item and in the lists
        for who in (STAFF, "leader", "admin"):
            shown = body(people.get(who, f"/appeals/{appeal_id}"))
            assert shown["contact"] is None and shown["media"] == [], who
            assert "举报人" in shown["content"], who
            listed = people.get(who, f"/work-orders?department_id={DEPARTMENT}").body.decode()
            assert appeal_id in listed, who
            seen[who] = people.get(who, f"/appeals/{appeal_id}").body.decode() + listed
        supervision = people.get("leader", "/supervision").body.decode()
        assert appeal_id in supervision
        seen["supervision"] = supervision
        # The leaders' daily report lists it (escalated), without the reporter
        daily = people.get("leader", "/reports/daily?date=2026-11-26")
        assert daily.status_code == 200 and "举报人举报工地夜间施工" in daily.body.decode()
        seen["daily report"] = daily.body.decode()
        # The department acts on it and replies; the notices reach every recipient
        for step in ("sign", "contact", "reply"):
            assert people.act(STAFF, appeal_id, step).status_code == 200, step
        flow.run()
        seen["webhook, later"] = "".join(d.body.decode() for d in receiver.received)
        seen["department's notifications"] = people.get(STAFF, "/me/notifications").body.decode()
        # Anonymously and through Open311 it does not exist
        assert people.client.http.get(f"/public/appeals/{appeal_id}").status_code == 404
        public = people.client.http.get("/public/appeals").body.decode()
        open311 = people.client.http.get("/open311/v2/requests.json").body.decode()
        one = people.client.http.get(f"/open311/v2/requests/{appeal_id}.json")
        assert appeal_id not in public and appeal_id not in open311 and one.status_code == 404
        seen["public"] = public + open311
        # The reporter follows their own 举报 as made
        mine = body(people.get("citizen", f"/appeals/{appeal_id}"))
        assert mine["contact"]["name"] == REPORTER_NAME
        logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
        logged += "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
        seen["logs"] = logged
    finally:
        clock.set_clock(None)
    leaks = {where: _holds_reporter(text, account) for where, text in seen.items()}
    assert {where: found for where, found in leaks.items() if found} == {}


def test_a_whistleblowing_accepted_from_another_kind_stops_being_public(people: People) -> None:
    made = people.submit(is_public=True, content=f"{REPORTER_NAME}反映工地扰民")
    assert made["is_public"] is True
    accepted = people.act("operator", made["id"], "accept", {"kind": "whistleblowing"})
    assert accepted.status_code == 200, accepted.body
    assert body(accepted)["is_public"] is False
    assert people.client.http.get(f"/public/appeals/{made['id']}").status_code == 404


# -- helpers shared by the points below ---------------------------------------------------


def _feed_statistics(client: Any, records: list[dict[str, Any]] | None = None) -> Any:
    """Every stream record so far (or ``records``) to the statistics consumer, as Lambda
    would; returns the records."""
    from tests.integration.test_events import stream_records

    records = stream_records() if records is None else records
    for start in range(0, len(records), 100):
        result = client.lambda_.invoke(
            "appeal_statistics", {"Records": records[start : start + 100]}
        )
        assert result.payload == {"batchItemFailures": []}
    return records


def _counters(period: str, scope: str) -> dict[str, int]:
    from chalicelib.figures.store import statistics as statistics_store

    return dict(statistics_store.counters_of([(period, scope)])[(period, scope)])


def _dispatched(people: People, **fields: Any) -> str:
    appeal_id = str(people.submit(**fields)["id"])
    response = people.act("operator", appeal_id, "dispatch", {"department_id": DEPARTMENT})
    assert response.status_code == 200, response.body
    return appeal_id


DEPT_SCOPE = f"dept#{DEPARTMENT}"


# -- 6. urging (催办) ----------------------------------------------------------------------


def test_an_urge_is_on_record_told_to_the_department_and_counted_once(
    client: Any, people: People, receiver: Receiver
) -> None:
    from tests.integration.test_webhooks import Flow, register, verified

    Clock(shanghai("2026-11-26T09:00:00"))
    try:
        flow = Flow(client)
        verified(people, flow, receiver, register(people, receiver.url))
        people.token(STAFF)  # the department's staff member has an account
        appeal_id = _dispatched(people)
        # When a leader and then the center urge the open work order
        first = people.act("leader", appeal_id, "urge", {"note": "群众反映强烈，请尽快办理"})
        assert first.status_code == 200, first.body
        assert people.act(STAFF, appeal_id, "sign").status_code == 200
        second = people.act("operator", appeal_id, "urge", {})
        assert second.status_code == 200, second.body
        # Then each is an event in the timeline, numbered, naming the department
        urges = [e for e in body(second)["timeline"] if e["type"] == "urged"]
        assert [(e["actor"]["role"], e["data"]["count"]) for e in urges] == [
            ("leader", 1),
            ("operator", 2),
        ]
        assert all(e["data"]["department_id"] == DEPARTMENT for e in urges)
        # A department may not urge, and nobody urges a work order no longer open
        assert people.act(STAFF, appeal_id, "urge", {}).status_code == 403
        for step in ("contact", "reply"):
            assert people.act(STAFF, appeal_id, step).status_code == 200
        refused = people.act("leader", appeal_id, "urge", {})
        assert refused.status_code == 409 and body(refused)["state"] == "replied"
        flow.run()
        # The department's system was told twice, and its staff see it in the console
        told = receiver.of_type("work_order.urged")
        assert sorted(d.json()["data"]["count"] for d in told) == [1, 2]
        inbox = body(people.get(STAFF, "/me/notifications"))["items"]
        urged = [n for n in inbox if n["type"] == "work_order.urged"]
        assert len(urged) == 2 and all(n["appeal_id"] == appeal_id for n in urged)
        assert "催办" in urged[0]["title"]
    finally:
        clock.set_clock(None)
    # And the urges count for the department, in the periods of the urge, exactly once
    records = _feed_statistics(client)
    _feed_statistics(client, records)  # the stream delivers the batch again
    for period in ("2026-11-26", "2026-W48", "2026-11"):
        assert _counters(period, DEPT_SCOPE)["urged"] == 2, period
        assert _counters(period, "platform")["urged"] == 2, period


# -- 2. instant transfer (即时转办) and the reasons for not accepting ------------------------


def test_an_emergency_is_transferred_at_once_and_the_citizen_told_where(
    client: Any, people: People
) -> None:
    from chalicelib.notifications.services import fan_out  # noqa: F401
    from tests.integration.test_webhooks import Flow

    Clock(shanghai("2026-11-26T21:00:00"))
    try:
        flow = Flow(client)
        fight = str(people.submit(title="楼下有人打架", content="小区门口有人持刀斗殴")["id"])
        closure = str(people.submit(title="法院判决不服", content="对一审判决不服")["id"])
        spam = str(people.submit(title="测试", content="测试")["id"])
        # A transfer to "another body" must name it; nothing is written otherwise
        nameless = people.act("operator", closure, "transfer", {"to": "other", "note": "转"})
        assert nameless.status_code == 400
        assert [e["field"] for e in body(nameless)["errors"]] == ["name"]
        wrong = people.act("operator", closure, "transfer", {"to": "999", "note": "转"})
        assert wrong.status_code == 400 and body(wrong)["errors"][0]["field"] == "to"
        assert body(people.get("operator", f"/appeals/{closure}"))["state"] == "submitted"
        # When the operator transfers the emergency to 110 and the other to the court
        done = people.act("operator", fight, "transfer", {"to": "110", "note": "已转110处警"})
        assert done.status_code == 200, done.body
        court = {"to": "other", "name": "区人民法院", "note": "属诉讼程序，请向法院提起上诉"}
        assert people.act("operator", closure, "transfer", court).status_code == 200
        # Then the state is terminal and nothing more can be done with it
        assert body(done)["state"] == "transferred"
        again = people.act("operator", fight, "dispatch", {"department_id": DEPARTMENT})
        assert again.status_code == 409 and body(again)["state"] == "transferred"
        # The citizen's own timeline says where it went, and why
        mine = body(people.get("citizen", f"/appeals/{closure}"))["timeline"][-1]
        assert mine["type"] == "transferred" and mine["note"] == court["note"]
        assert mine["data"] == {"to": "other", "name": "区人民法院"}
        # A rejection needs one of the documented reason codes besides the words
        no_code = people.act("operator", spam, "reject", {"reason": "无实质内容"})
        assert no_code.status_code == 400
        assert [e["field"] for e in body(no_code)["errors"]] == ["reason_code"]
        bad = people.act("operator", spam, "reject", {"reason": "无", "reason_code": "rude"})
        assert bad.status_code == 400 and body(bad)["errors"][0]["field"] == "reason_code"
        rejected = people.act(
            "operator", spam, "reject", {"reason": "无实质内容", "reason_code": "no_content"}
        )
        assert rejected.status_code == 200, rejected.body
        flow.stream()
        flow.deliver()
        texts = [n["text"] for n in body(people.get("citizen", "/me/notifications"))["items"]]
        assert any("110 报警服务台" in t for t in texts), texts
        assert any("区人民法院" in t for t in texts), texts
    finally:
        clock.set_clock(None)
    # Counted per target and per reason code, for the platform, exactly once
    _feed_statistics(client, _feed_statistics(client))
    counters = _counters("2026-11", "platform")
    assert counters["transferred"] == 2
    assert counters["transferred:110"] == 1 and counters["transferred:other"] == 1
    assert counters["rejected"] == 1 and counters["rejected:no_content"] == 1
    stats = body(people.client.http.get("/public/stats?period=2026-11"))
    assert stats["transfers"] == {"110": 1, "119": 0, "120": 0, "122": 0, "other": 1}
    assert stats["rejections"]["no_content"] == 1
    # The leaders' daily report counts them by target and reason
    daily = people.get("leader", "/reports/daily?date=2026-11-26").body.decode()
    assert "即时转办" in daily and "110 报警服务台" in daily and "无实质内容" in daily


# -- 3. dispatch disputes (派单异议) -------------------------------------------------------


def test_the_center_decides_each_dispute_and_only_a_rejected_one_counts_as_a_return(
    client: Any, people: People
) -> None:
    from chalicelib.core.store import appeals as store
    from chalicelib.figures.services import rankings
    from chalicelib.work_orders.services import sla

    other = "health-commission"
    time = Clock(shanghai("2026-11-26T09:00:00"))
    try:
        kept, moved = _dispatched(people), _dispatched(people)
        first_due = body(people.get("operator", f"/appeals/{kept}"))["deadlines"]["reply_due"]
        time.advance(minutes=5)
        # When the department returns both, naming who it thinks is responsible
        dispute = {"reason": "不属于本单位职责", "responsible": "区卫生健康委员会"}
        for appeal_id in (kept, moved):
            returned = people.act(STAFF, appeal_id, "return", dispute)
            assert returned.status_code == 200, returned.body
        # Then the center's decision is due in one working day, and on record
        shown = body(people.get("operator", f"/appeals/{kept}"))
        assert shown["deadlines"] == {"decision_due": "2026-11-27T09:05:00.000+08:00"}
        event = shown["timeline"][-1]
        assert event["data"]["responsible"] == "区卫生健康委员会"
        # Sending it back to the same department needs a note; nothing is written without
        before = store.get(kept)
        bare = people.act("operator", kept, "dispatch", {"department_id": DEPARTMENT})
        assert bare.status_code == 400 and body(bare)["errors"][0]["field"] == "note"
        assert store.get(kept) == before
        time.advance(hours=2)
        # The center rejects the first dispute and upholds the second
        back = {"department_id": DEPARTMENT, "note": "经核实属交通运输局职责，请继续办理"}
        rejected = people.act("operator", kept, "dispatch", back)
        assert rejected.status_code == 200, rejected.body
        upheld = people.act("operator", moved, "dispatch", {"department_id": other})
        assert upheld.status_code == 200, upheld.body
        decided = {
            a: body(r)["timeline"][-1]["data"]["dispute"]
            for a, r in ((kept, rejected), (moved, upheld))
        }
        assert decided == {
            kept: {"department_id": DEPARTMENT, "outcome": "rejected"},
            moved: {"department_id": DEPARTMENT, "outcome": "upheld"},
        }
        # The department's reply deadline runs on from the first dispatch
        deadlines = body(rejected)["deadlines"]
        assert deadlines["reply_due"] == first_due
        assert deadlines["sign_due"] == "2026-11-26T11:20:00.000+08:00"
        # The department sees the outcome on its work order (the note says why)
        seen = body(people.get(STAFF, f"/appeals/{kept}"))["timeline"][-1]
        assert seen["data"]["dispute"]["outcome"] == "rejected" and seen["note"] == back["note"]
        # A decision left undecided past its deadline is swept like the other deadlines
        late = _dispatched(people)
        assert people.act(STAFF, late, "return", {"reason": "非本单位职责"}).status_code == 200
        sla.sweep(shanghai("2026-11-27T12:00:00"))
        marks = body(people.get("operator", f"/appeals/{late}"))
        assert marks["overdue"] == ["decision"]
        assert [e["data"]["stage"] for e in marks["timeline"] if e["type"] == "sla_overdue"] == [
            "decision"
        ]
    finally:
        clock.set_clock(None)
    # The rejected return counts against the department; the upheld one only against
    # the platform's dispatch accuracy (5 dispatches, 1 upheld: 0.8), exactly once
    _feed_statistics(client, _feed_statistics(client))
    own = _counters("2026-11", DEPT_SCOPE)
    assert own["returned"] == 1 and own["disputed"] == 3 and own["dispatched"] == 4
    assert own.get("disputes_upheld", 0) == 0
    stats = rankings.public_stats("2026-11")
    assert stats["counters"]["disputes_upheld"] == 1 and stats["counters"]["dispatched"] == 5
    assert stats["rates"]["dispatch_accuracy"] == 0.8
    assert stats["rates"]["return_rate"] == 0.2
