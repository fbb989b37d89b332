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


# -- 4. call-backs (回访) -------------------------------------------------------------------


def _replied(people: People, appeal_id: str) -> str:
    response = people.act("operator", appeal_id, "dispatch", {"department_id": DEPARTMENT})
    assert response.status_code == 200, response.body
    for step in ("sign", "contact", "reply"):
        assert people.act(STAFF, appeal_id, step).status_code == 200, step
    return appeal_id


def _hotline_call(people: People, title: str) -> str:
    call = {
        "caller": {"phone": "13812345678", "name": "张三"},
        "kind": "complaint",
        "title": title,
        "content": "来电反映小区路灯不亮",
    }
    made = people.post("operator", "/hotline/appeals", call)
    assert made.status_code == 201, made.body
    return str(body(made)["id"])


def test_the_center_calls_back_and_the_answer_counts_as_the_rating(
    client: Any, people: People, receiver: Receiver
) -> None:
    from chalicelib.core.store import appeals as store
    from chalicelib.figures.services import rankings
    from tests.integration.test_webhooks import Flow, register, verified

    time = Clock(shanghai("2026-11-26T09:00:00"))
    try:
        flow = Flow(client)
        verified(people, flow, receiver, register(people, receiver.url))
        # Given replied appeals: from the app (older), two from the hotline, one the
        # citizen rates themselves, one never reached
        app = _replied(people, str(people.submit(title="App 诉求")["id"]))
        time.advance(minutes=1)
        hotline = _replied(people, _hotline_call(people, "热线诉求"))
        time.advance(minutes=1)
        unhappy = _replied(people, _hotline_call(people, "热线诉求二"))
        rated = _replied(people, str(people.submit()["id"]))
        silent = _replied(people, str(people.submit()["id"]))
        rating = {"score": 5, "resolved": True}
        assert people.act("citizen", rated, "rating", rating).status_code == 200
        # The call-back list: hotline and mailbox callers first, oldest reply first; the
        # rated appeal is not on it
        listed = body(people.get("operator", "/callbacks?limit=2"))
        assert [a["id"] for a in listed["items"]] == [hotline, unhappy]
        rest = body(people.get("operator", f"/callbacks?cursor={listed['next_cursor']}"))
        assert [a["id"] for a in rest["items"]] == [app, silent]
        assert rest["next_cursor"] is None
        assert people.get(STAFF, "/callbacks").status_code == 403
        # Bad calls are refused by field, and write nothing
        before = store.get(hotline)
        for payload, field in (
            ({"reached": True, "resolved": True}, "satisfaction"),
            ({"reached": False, "satisfaction": "satisfied"}, "satisfaction"),
            ({"reached": True, "resolved": True, "satisfaction": "great"}, "satisfaction"),
            (
                {"reached": True, "resolved": True, "satisfaction": "satisfied", "rework": True},
                "rework",
            ),
            ({"reached": True, "resolved": True, "satisfaction": "satisfied", "x": 1}, "x"),
        ):
            refused = people.act("operator", hotline, "callback", payload)
            assert refused.status_code == 400, (payload, refused.body)
            assert refused.headers["Content-Type"] == "application/problem+json"
            assert [e["field"] for e in body(refused)["errors"]] == [field], payload
        assert store.get(hotline) == before
        # Only the center calls back
        assert people.act("leader", hotline, "callback", {"reached": False}).status_code == 403
        # When the first call is not answered and the second is: 基本满意, solved
        time.advance(hours=1)
        missed = people.act("operator", hotline, "callback", {"reached": False, "note": "无人接听"})
        assert missed.status_code == 200, missed.body
        assert body(missed)["state"] == "replied"
        time.advance(hours=2)
        answer = {
            "reached": True,
            "resolved": True,
            "satisfaction": "basically_satisfied",
            "note": "路灯已修好",
        }
        reached = people.act("operator", hotline, "callback", answer)
        assert reached.status_code == 200, reached.body
        shown = body(reached)
        # Then the answer is the rating (基本满意 → 4), by the center, and the appeal closed
        assert shown["state"] == "closed"
        assert shown["rating"]["score"] == 4 and shown["rating"]["resolved"] is True
        assert shown["rating"]["callback"] == {"attempt": 2, "satisfaction": "basically_satisfied"}
        calls = [e for e in shown["timeline"] if e["type"] in ("called_back", "rated")]
        assert [(e["type"], e["actor"]["role"]) for e in calls] == [
            ("called_back", "operator"),
            ("rated", "operator"),
        ]
        assert calls[0]["data"] == {"reached": False, "attempt": 1}
        # Nobody calls back an appeal the citizen rated
        twice = people.act("operator", rated, "callback", {"reached": False})
        assert twice.status_code == 409 and body(twice)["state"] == "closed"
        # 不满意 may ask for rework, as the citizen may: back to the department
        rework = {"reached": True, "resolved": False, "satisfaction": "dissatisfied"}
        redo = people.act("operator", unhappy, "callback", {**rework, "rework": True})
        assert redo.status_code == 200, redo.body
        assert body(redo)["state"] == "dispatched"
        assert body(redo)["timeline"][-1]["type"] == "rework_requested"
        # At most three calls are recorded for a reply
        for attempt in (1, 2, 3):
            made = people.act("operator", silent, "callback", {"reached": False})
            assert made.status_code == 200, (attempt, made.body)
        fourth = people.act("operator", silent, "callback", {**rework, "reached": True})
        assert fourth.status_code == 409 and "3 call-backs" in body(fourth)["detail"]
        # The list: the calls made so far, the appeal called three times left out
        left = {
            a["id"]: a["callbacks"] for a in body(people.get("operator", "/callbacks"))["items"]
        }
        assert left == {app: 0}
        # An app user called back and satisfied cannot then rate it again, and reads the
        # call on their own timeline
        happy = {"reached": True, "resolved": True, "satisfaction": "satisfied"}
        assert people.act("operator", app, "callback", happy).status_code == 200
        again = people.act("citizen", app, "rating", rating)
        assert again.status_code == 409 and body(again)["state"] == "closed"
        own = body(people.get("citizen", f"/appeals/{app}"))["timeline"][-1]
        assert own["type"] == "rated" and own["actor"] == {"role": "operator"}
        assert own["data"]["score"] == 5 and own["data"]["callback"]["satisfaction"] == "satisfied"
        flow.run()
        # The department's system hears of the rating as of any other
        told = [d.json() for d in receiver.of_type("work_order.rated")]
        assert {d["appeal_id"] for d in told} >= {hotline, rated, app}
    finally:
        clock.set_clock(None)
    # A call-back 基本满意 counts as satisfied; the calls count for the platform; once each
    _feed_statistics(client, _feed_statistics(client))
    own = _counters("2026-11", DEPT_SCOPE)
    assert own["ratings"] == 4  # the citizen's 5, the call-backs' 4, 2 (with rework) and 5
    assert own["satisfied"] == 3 and own["rating_sum"] == 16 and own["resolved"] == 3
    assert own["reworked"] == 1
    stats = rankings.public_stats("2026-11")
    assert stats["callbacks"] == {"made": 7, "reached": 3}
    assert stats["rates"]["satisfaction_rate"] == 0.75
    assert "callbacks" not in own  # the calls are the center's, not the department's


# -- 5. review of a rating (差评审核) ---------------------------------------------------------


def test_an_excluded_rating_leaves_the_rates_as_if_it_had_not_been_given(
    client: Any, people: People
) -> None:
    from chalicelib.core.store import appeals as store
    from chalicelib.figures.domain.rankings import rates
    from chalicelib.figures.services import rankings

    time = Clock(shanghai("2026-11-26T09:00:00"))
    try:
        # Given two rated work orders of the department: a 5, and a 1 about a policy
        kept = _replied(people, str(people.submit()["id"]))
        policy = _replied(people, str(people.submit(title="对收费政策不满", is_public=True)["id"]))
        assert (
            people.act("citizen", kept, "rating", {"score": 5, "resolved": True}).status_code == 200
        )
        # (the department's rates with the 5 alone: what the exclusion must give back)
        _feed_statistics(client)
        alone = rates(_counters("2026-11", DEPT_SCOPE))
        low = {"score": 1, "resolved": False, "comment": "收费标准太高"}
        assert people.act("citizen", policy, "rating", low).status_code == 200
        _feed_statistics(client)
        before = rankings.public_stats("2026-11")["rates"]
        assert before["satisfaction_rate"] == 0.5 and before["resolution_rate"] == 0.5
        # The leaders' daily report of the day lists the low rating, to open and review
        low_day = people.get("leader", "/reports/daily?date=2026-11-26").body.decode()
        assert "当日差评（2 分及以下）1 件" in low_day and "对收费政策不满" in low_day
        # A decision needs a reason; a department or operator may not take it; nothing
        # is written when refused
        time.advance(days=6)  # decided in December, of a November rating
        original = store.get(policy)
        bare = people.act("leader", policy, "rating/review", {"exclude": True})
        assert bare.status_code == 400 and body(bare)["errors"][0]["field"] == "reason"
        for who in ("operator", STAFF, "citizen"):
            denied = people.act(who, policy, "rating/review", {"exclude": True, "reason": "x"})
            assert denied.status_code == 403, who
        nothing = people.act("leader", kept, "rating/review", {"exclude": False, "reason": "x"})
        assert nothing.status_code == 409
        assert store.get(policy) == original
        unrated = people.act(
            "leader", str(people.submit()["id"]), "rating/review", {"exclude": True, "reason": "x"}
        )
        assert unrated.status_code == 409 and "no rating" in body(unrated)["detail"]
        # When a leader excludes the rating of the policy
        reason = "评价针对收费政策本身，不属于承办单位职权"
        done = people.act("leader", policy, "rating/review", {"exclude": True, "reason": reason})
        assert done.status_code == 200, done.body
        # Then the rating stays on record, marked excluded, the decision in the timeline
        shown = body(people.get("operator", f"/appeals/{policy}"))
        assert shown["rating"]["score"] == 1 and shown["rating"]["excluded"] is True
        assert shown["rating"]["review"]["reason"] == reason
        event = shown["timeline"][-1]
        assert event["type"] == "rating_reviewed" and event["note"] == reason
        assert event["actor"]["role"] == "leader" and event["data"]["excluded"] is True
        # The public reads the rating as given, marked excluded (剔除 is published)
        public = body(people.client.http.get(f"/public/appeals/{policy}"))
        assert public["rating"] == {"score": 1, "resolved": False, "excluded": True}
        again = people.act("admin", policy, "rating/review", {"exclude": True, "reason": "x"})
        assert again.status_code == 409
        _feed_statistics(client, _feed_statistics(client))  # redelivered: once
        # The November rates are as if the rating had not been given: the same as for a
        # department rated once, 5 and solved
        after = rankings.public_stats("2026-11")
        assert after["rates"]["satisfaction_rate"] == 1.0
        assert after["rates"]["resolution_rate"] == 1.0 and after["rates"]["mean_score"] == 5.0
        assert after["ratings_excluded"] == 1 and after["counters"]["ratings"] == 1
        own = _counters("2026-11", DEPT_SCOPE)
        assert own["ratings"] == 1 and own["ratings_excluded"] == 1 and own["satisfied"] == 1
        assert rates(own) == alone
        assert rankings.public_stats("2026-12")["ratings_excluded"] == 0
        rankings.clear_cache()  # the report read November's boards, kept a minute
        board = rankings.public_rankings("2026-11", "satisfaction")["boards"][0]
        entry = next(e for e in board["entries"] if e["department_id"] == DEPARTMENT)
        assert entry["value"] == 1.0
        # The leaders' daily report of the decision's day lists it, with its reason
        report = people.get("leader", "/reports/daily?date=2026-12-02").body.decode()
        assert "差评审核" in report and reason in report and "剔除" in report
        # An admin may take the decision back, once; then it is final
        undo = {"exclude": False, "reason": "经复核，评价涉及办理态度"}
        back = people.act("admin", policy, "rating/review", undo)
        assert back.status_code == 200, back.body
        assert body(back)["rating"]["excluded"] is False
        for payload in (undo, {"exclude": True, "reason": reason}):
            final = people.act("leader", policy, "rating/review", payload)
            assert final.status_code == 409, payload
    finally:
        clock.set_clock(None)
    _feed_statistics(client, _feed_statistics(client))
    restored = rankings.public_stats("2026-11")
    assert restored["rates"]["satisfaction_rate"] == 0.5 and restored["ratings_excluded"] == 0
    assert _counters("2026-11", DEPT_SCOPE)["ratings"] == 2


def test_a_whistleblower_called_back_stays_known_to_the_center_only(
    client: Any, people: People, receiver: Receiver, caplog: Any, capsys: Any
) -> None:
    from tests.integration.test_webhooks import Flow, register, verified

    caplog.set_level(logging.INFO)
    Clock(shanghai("2026-11-26T09:00:00"))
    try:
        flow = Flow(client)
        verified(people, flow, receiver, register(people, receiver.url))
        account = _account(people.token("citizen"))
        # Given a replied 举报, called back by the center, the reporter named in the record
        appeal_id = _replied(people, _whistleblowing(people))
        answer = {
            "reached": True,
            "resolved": True,
            "satisfaction": "dissatisfied",
            "note": f"{REPORTER_NAME}表示仍在施工，电话 {REPORTER_PHONE}",
        }
        called = people.act("operator", appeal_id, "callback", answer)
        assert called.status_code == 200, called.body
        assert REPORTER_NAME in body(called)["timeline"][-1]["note"]  # the center's record
        review = {"exclude": True, "reason": "评价针对施工许可政策"}
        assert people.act("leader", appeal_id, "rating/review", review).status_code == 200
        flow.run()
        # Then the department, a leader, an admin, the public, the webhook and the daily
        # report read the call and the review without the reporter
        seen: dict[str, str] = {}
        for who in (STAFF, "leader", "admin"):
            shown = body(people.get(who, f"/appeals/{appeal_id}"))
            assert shown["rating"]["score"] == 2 and shown["rating"]["excluded"] is True, who
            assert "举报人" in shown["rating"]["comment"], who
            seen[who] = json.dumps(shown, ensure_ascii=False)
        assert people.client.http.get(f"/public/appeals/{appeal_id}").status_code == 404
        seen["public"] = people.client.http.get("/public/stats").body.decode()
        rated = receiver.of_type("work_order.rated")
        assert [d.json()["appeal_id"] for d in rated] == [appeal_id]
        seen["webhook"] = "".join(d.body.decode() for d in receiver.received)
        _feed_statistics(client)
        daily = people.get("leader", "/reports/daily?date=2026-11-26").body.decode()
        assert "评价针对施工许可政策" in daily and "举报人举报工地夜间施工" in daily
        seen["daily report"] = daily
        seen["department's notifications"] = people.get(STAFF, "/me/notifications").body.decode()
        logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
        seen["logs"] = logged + "\n".join(
            json.dumps(r.__dict__, default=str) for r in caplog.records
        )
    finally:
        clock.set_clock(None)
    leaks = {where: _holds_reporter(text, account) for where, text in seen.items()}
    assert {where: found for where, found in leaks.items() if found} == {}


def test_a_caller_called_back_cannot_rate_again_through_the_sms_link(
    people: People, client: Any
) -> None:
    from tests.integration.test_channels import link_token, replied_call, sms_sent
    from tests.integration.test_webhooks import Flow

    # Given a hotline call replied, its rating link texted to the caller
    appeal_id = replied_call(people)
    Flow(client).run()
    token = link_token(sms_sent()[-1][1])
    assert client.http.get(f"/r/{token}").status_code == 200
    # When the center calls back and records the caller's answer
    answer = {"reached": True, "resolved": True, "satisfaction": "satisfied"}
    assert people.act("operator", appeal_id, "callback", answer).status_code == 200
    # Then the link says there is nothing to rate, and the center's rating stands
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    late = client.http.post(f"/r/{token}", headers=form, body="score=1&resolved=no")
    assert late.status_code == 409 and "无需评价" in late.body.decode()
    shown = body(people.get("operator", f"/appeals/{appeal_id}"))
    assert shown["rating"]["score"] == 5 and shown["rating"]["callback"]["attempt"] == 1
