"""The pure rules of issue 27: what 举报, transfers, rejections and urges add to the
counters and the notices, and how a reporter's name leaves a text."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.core.domain.masking import without_reporter
from chalicelib.figures.domain.statistics import Round, event_counters, increments
from chalicelib.notifications.domain.notices import notices, text_for

AT = "2026-11-26T10:00:00.000+08:00"
DUE = {"sign_due": AT, "contact_due": AT, "reply_due": "2026-11-30T10:00:00.000+08:00"}


def _event(type_: str, at: str = AT, **data: Any) -> dict[str, Any]:
    return {"type": type_, "at": at, "actor": {"role": "operator", "id": "op"}, "data": data}


def test_without_reporter_removes_the_name_and_number_however_written() -> None:
    text = "我是李建国，电话139 8765-4321，李**也行，+86 13987654321，13987654321"
    out = without_reporter(text, "李建国", "13987654321")
    assert out == "我是举报人，电话***********，举报人也行，***********，***********"
    # A one-character name is not a name to look for; other numbers stay
    assert without_reporter("李说 13800001111", "李", "13987654321") == "李说 13800001111"
    assert without_reporter(None, "李建国", None) is None


def test_a_rejection_and_a_transfer_count_for_the_platform_by_code() -> None:
    rnd = Round()
    rejected = event_counters(_event("rejected", reason_code="duplicate"), rnd)
    assert rejected == [(None, AT, Counter({"rejected": 1, "rejected:duplicate": 1}))]
    moved = event_counters(_event("transferred", to="119", name="119 火警"), rnd)
    assert moved == [(None, AT, Counter({"transferred": 1, "transferred:119": 1}))]
    uncoded = event_counters(_event("rejected"), rnd)
    assert uncoded == [(None, AT, Counter({"rejected": 1}))]


def test_an_urge_counts_for_the_department_holding_the_order() -> None:
    rnd = Round()
    event_counters(_event("dispatched", department_id="roads", deadlines=DUE), rnd)
    urged = event_counters(_event("urged", department_id="roads", count=1), rnd)
    assert urged == [("roads", AT, Counter({"urged": 1}))]
    # Without the department on the event, the round's
    assert event_counters(_event("urged"), rnd) == [("roads", AT, Counter({"urged": 1}))]


def test_a_transfer_ends_the_round_nothing_more_is_late() -> None:
    old = {"timeline": [_event("submitted", channel="app")]}
    later = "2026-12-10T10:00:00.000+08:00"
    new = {
        "timeline": [
            *old["timeline"],
            _event("transferred", to="110", name="110 报警服务台"),
            _event("commented", at=later),
        ]
    }
    added = increments(old, new)
    assert added[("2026-11", "platform")] == Counter({"transferred": 1, "transferred:110": 1})
    assert ("2026-12", "platform") not in added


def _image(timeline: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"citizen_id": "c1", "department_id": "roads", "timeline": timeline, **fields}


def test_an_urge_tells_the_department_system_and_its_staff() -> None:
    before = [_event("submitted"), _event("dispatched", department_id="roads")]
    urge = _event("urged", department_id="roads", count=2, overdue=["sign"])
    found = notices("a1", _image(before), _image([*before, urge]))
    told = [(n.type, n.kind, n.recipient, n.data) for n in found if n.type == "work_order.urged"]
    facts = {"count": 2, "overdue": ["sign"]}
    assert told == [
        ("work_order.urged", "department", "roads", facts),
        ("work_order.urged", "department_staff", "roads", facts),
    ]
    assert (
        text_for("work_order.urged", "路灯", facts)[1] == "工单“路灯”被催办（第2次），请抓紧办理。"
    )


def test_a_transfer_tells_the_citizen_where_it_went() -> None:
    before = [_event("submitted")]
    moved = _event("transferred", to="other", name="区人民法院")
    found = notices("a1", _image(before), _image([*before, moved], department_id=None))
    [told] = [n for n in found if n.kind == "citizen"]
    assert (told.type, told.recipient, told.data) == (
        "appeal.transferred",
        "c1",
        {"to": "other", "name": "区人民法院"},
    )
    assert "区人民法院" in text_for(told.type, "诉求", told.data)[1]
    assert "120 急救中心" in text_for(told.type, "诉求", {"to": "120"})[1]


# -- 派单异议 ------------------------------------------------------------------------------

LATER = "2026-11-26T12:00:00.000+08:00"


def _decided(outcome: str, department: str = "roads") -> dict[str, Any]:
    return {"department_id": department, "outcome": outcome}


def test_a_return_is_a_dispute_and_counts_as_a_return_only_when_rejected() -> None:
    rnd = Round()
    event_counters(_event("dispatched", department_id="roads", deadlines=DUE), rnd)
    eleven = "2026-11-26T11:00:00.000+08:00"
    filed = event_counters(_event("returned", at=eleven, department_id="roads"), rnd)
    assert filed[-1] == ("roads", eleven, Counter({"disputed": 1}))
    back = _event("dispatched", at=LATER, department_id="roads", deadlines=DUE)
    back["data"]["dispute"] = _decided("rejected")
    out = event_counters(back, rnd)
    # sign and contact were due at AT and not done: late once, in the round that goes on
    assert out[-1] == ("roads", LATER, Counter({"dispatched": 1, "returned": 1}))
    assert rnd.department == "roads" and rnd.overdue == {"sign", "contact"}
    assert rnd.due["reply"] == DUE["reply_due"] and rnd.done == set()
    # the same stages are not late twice after the round went on
    assert event_counters(_event("escalated", at="2026-11-26T18:00:00.000+08:00"), rnd) == []


def test_an_upheld_dispute_counts_for_the_platform_only() -> None:
    rnd = Round()
    event_counters(_event("dispatched", department_id="roads", deadlines=DUE), rnd)
    event_counters(_event("returned", department_id="roads"), rnd)
    elsewhere = _event("dispatched", at=LATER, department_id="parks", deadlines=DUE)
    elsewhere["data"]["dispute"] = _decided("upheld")
    out = event_counters(elsewhere, rnd)
    assert out == [
        ("parks", LATER, Counter({"dispatched": 1})),
        (None, LATER, Counter({"disputes_upheld": 1})),
    ]
    assert rnd.overdue == set() and rnd.department == "parks"
    for kind in ("transferred", "rejected", "merged"):
        step = _event(kind, at=LATER, dispute=_decided("upheld"))
        assert (None, LATER, Counter({"disputes_upheld": 1})) in event_counters(step, Round())


def test_the_center_s_next_step_decides_the_return() -> None:
    from chalicelib.core.domain import workflow
    from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
    from chalicelib.core.domain.calendar import WorkingCalendar
    from chalicelib.core.domain.clock import parse_iso
    from chalicelib.core.domain.principal import Principal, Role
    from chalicelib.core.errors import ValidationFailed

    outside = workflow.Outside(parse_iso(LATER), WorkingCalendar(), lambda _k, _c: 3, 2)
    returned = Appeal(
        id="20261126-AAAAAAAA",
        state=State.RETURNED,
        kind=Kind.COMPLAINT,
        channel=Channel.APP,
        title="t",
        content="c",
        citizen_id="c1",
        created_at=AT,
        updated_at=AT,
        overdue=["sign", "reply"],
        warned=["sign", "reply"],
        timeline=[
            Event(
                "returned",
                AT,
                {"role": "department"},
                "不是",
                {"department_id": "roads", "reply_due": DUE["reply_due"]},
            )
        ],
    )
    operator = Principal("op", Role.OPERATOR)
    import pytest

    with pytest.raises(ValidationFailed) as refused:
        workflow.apply(
            returned, workflow.Action.DISPATCH, operator, {"department_id": "roads"}, outside
        )
    assert refused.value.errors[0]["field"] == "note"
    back = workflow.apply(
        returned,
        workflow.Action.DISPATCH,
        operator,
        {"department_id": "roads", "note": "是"},
        outside,
    )
    assert back.timeline[-1].data["dispute"] == _decided("rejected")
    assert back.deadlines["reply_due"] == DUE["reply_due"]
    assert back.deadlines["sign_due"] == "2026-11-26T12:15:00.000+08:00"
    assert back.overdue == ["reply"] and back.warned == ["reply"]
    other = workflow.apply(
        returned, workflow.Action.DISPATCH, operator, {"department_id": "parks"}, outside
    )
    assert other.timeline[-1].data["dispute"] == _decided("upheld")
    assert other.deadlines["reply_due"] != DUE["reply_due"] and other.overdue == []
    moved = workflow.apply(
        returned, workflow.Action.TRANSFER, operator, {"to": "110", "note": "警情"}, outside
    )
    assert moved.timeline[-1].data["dispute"] == _decided("upheld")
    # A return sets the decision deadline: decision_days working days later
    dispatched = Appeal(
        **{
            **returned.__dict__,
            "state": State.DISPATCHED,
            "department_id": "roads",
            "deadlines": dict(DUE),
            "timeline": [],
        }
    )
    department = Principal("d", Role.DEPARTMENT, department_id="roads")
    back_again = workflow.apply(
        dispatched,
        workflow.Action.RETURN,
        department,
        {"reason": "不是", "responsible": "园林局"},
        outside,
    )
    assert back_again.deadlines == {"decision_due": "2026-11-30T12:00:00.000+08:00"}
    data = back_again.timeline[-1].data
    assert data["responsible"] == "园林局" and data["reply_due"] == DUE["reply_due"]


def test_the_department_that_returned_it_is_told_the_center_s_decision() -> None:
    returned = [
        _event("submitted"),
        _event("dispatched", department_id="roads"),
        _event("returned", department_id="roads"),
    ]
    # Sent back to the same department: the dispute is rejected, the order is theirs again
    back = _event(
        "dispatched",
        department_id="roads",
        dispute={"department_id": "roads", "outcome": "rejected"},
    )
    found = notices("a1", _image(returned, department_id=None), _image([*returned, back]))
    told = [(n.type, n.kind, n.recipient, n.data) for n in found if n.kind != "followers"]
    decided = {"outcome": "rejected", "step": "dispatched", "event": 3}
    assert told == [
        ("work_order.dispatched", "department", "roads", told[0][3]),
        ("work_order.dispute_decided", "department", "roads", decided),
        ("work_order.dispute_decided", "department_staff", "roads", decided),
    ]
    heading, text = text_for("work_order.dispute_decided", "路灯", decided)
    assert heading == "派单异议审核结果"
    assert text == "工单“路灯”的退回异议未被采纳，工单已退回本单位继续办理，办理时限连续计算。"
    # Transferred instead: upheld, and only the department that returned it is told
    moved = _event("transferred", to="110", dispute={"department_id": "roads", "outcome": "upheld"})
    gone = _image([*returned, moved], department_id=None)
    found = notices("a1", _image(returned, department_id=None), gone)
    told = [(n.type, n.recipient, n.data) for n in found if n.type.startswith("work_order.")]
    upheld = {"outcome": "upheld", "step": "transferred", "event": 3}
    assert told == [
        ("work_order.dispute_decided", "roads", upheld),
        ("work_order.dispute_decided", "roads", upheld),
    ]
    assert "已被平台采纳" in text_for("work_order.dispute_decided", "路灯", upheld)[1]
    # A step that decides no dispute tells nobody of one
    plain = notices("a1", _image(returned[:1]), _image(returned[:2]))
    assert not [n for n in plain if n.type == "work_order.dispute_decided"]


# -- call-backs (回访) and rating review (差评审核) -------------------------------------------

RATED_AT = "2026-11-20T10:00:00.000+08:00"


def _replied_appeal(**fields: Any) -> Any:
    from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State

    return Appeal(
        **{
            "id": "20261126-BBBBBBBB",
            "state": State.REPLIED,
            "kind": Kind.COMPLAINT,
            "channel": Channel.HOTLINE,
            "title": "t",
            "content": "c",
            "citizen_id": "c1",
            "created_at": AT,
            "updated_at": AT,
            "department_id": "roads",
            "rounds": 1,
            "timeline": [Event("replied", AT, {"role": "department"}, None, {"on_time": True})],
            **fields,
        }
    )


def _apply(appeal: Any, action: str, params: dict[str, Any], role: str = "operator") -> Any:
    from chalicelib.core.domain import workflow
    from chalicelib.core.domain.calendar import WorkingCalendar
    from chalicelib.core.domain.clock import parse_iso
    from chalicelib.core.domain.principal import Principal, Role

    outside = workflow.Outside(parse_iso(LATER), WorkingCalendar(), lambda _k, _c: 3, 1)
    actor = Principal(role, Role(role))
    return workflow.apply(appeal, workflow.Action(action), actor, params, outside)


def test_a_call_back_s_answer_is_the_rating_and_at_most_three_calls_are_recorded() -> None:
    import pytest

    from chalicelib.core.domain.appeal import State
    from chalicelib.core.errors import Conflict

    appeal = _replied_appeal()
    for attempt in (1, 2):
        appeal = _apply(appeal, "callback_missed", {"note": "无人接听"})
        assert appeal.state is State.REPLIED
        assert appeal.timeline[-1].type == "called_back"
        assert appeal.timeline[-1].data == {"reached": False, "attempt": attempt}
    answer = {"satisfaction": "basically_satisfied", "resolved": True, "note": "已修好"}
    rated = _apply(appeal, "callback", answer)
    assert rated.state is State.CLOSED
    event = rated.timeline[-1]
    assert (event.type, event.note) == ("rated", "已修好")
    assert event.data == {
        "score": 4,
        "resolved": True,
        "department_id": "roads",
        "callback": {"attempt": 3, "satisfaction": "basically_satisfied"},
    }
    assert rated.rating is not None and rated.rating["score"] == 4
    assert rated.rating["comment"] == "已修好" and rated.rating["callback"]["attempt"] == 3
    # A fourth call about the same reply is refused; a new reply counts afresh
    third = _apply(appeal, "callback_missed", {})
    with pytest.raises(Conflict):
        _apply(third, "callback", answer)
    with pytest.raises(Conflict):
        _apply(third, "callback_missed", {})
    unhappy = {"satisfaction": "dissatisfied", "resolved": False}
    redo = _apply(appeal, "callback_rework", unhappy)
    assert redo.state is State.DISPATCHED and redo.rounds == 2
    assert redo.timeline[-1].data["score"] == 2 and redo.timeline[-1].data["round"] == 2
    scores = {
        s: _apply(_replied_appeal(), "callback", {"satisfaction": s, "resolved": True}).rating
        for s in ("satisfied", "basically_satisfied", "dissatisfied")
    }
    assert {s: r["score"] for s, r in scores.items()} == {
        "satisfied": 5,
        "basically_satisfied": 4,
        "dissatisfied": 2,
    }


def test_a_call_back_counts_as_a_rating_and_a_call_for_the_platform() -> None:
    rnd = Round()
    event_counters(_event("dispatched", department_id="roads", deadlines=DUE), rnd)
    missed = event_counters(_event("called_back", reached=False, attempt=1), rnd)
    assert missed == [(None, AT, Counter({"callbacks": 1}))]
    call = {"attempt": 2, "satisfaction": "basically_satisfied"}
    rated = event_counters(
        _event("rated", score=4, resolved=True, department_id="roads", callback=call), rnd
    )
    assert rated == [
        ("roads", AT, Counter({"ratings": 1, "rating_sum": 4, "satisfied": 1, "resolved": 1})),
        (None, AT, Counter({"callbacks": 1, "callbacks_reached": 1})),
    ]
    # The citizen's own rating is no call
    own = event_counters(_event("rated", score=2, resolved=False, department_id="roads"), rnd)
    assert own == [("roads", AT, Counter({"ratings": 1, "rating_sum": 2}))]


def test_an_excluded_rating_is_taken_out_of_the_periods_of_the_rating_and_back_once() -> None:
    import pytest

    from chalicelib.core.errors import Conflict

    rating = {"score": 5, "resolved": True, "at": RATED_AT, "department_id": "roads"}
    closed = _replied_appeal(rating=rating)
    with pytest.raises(Conflict):
        _apply(closed, "review_rating", {"exclude": False, "reason": "x"}, "leader")
    excluded = _apply(closed, "review_rating", {"exclude": True, "reason": "针对政策"}, "leader")
    assert excluded.rating["excluded"] is True and excluded.rating["score"] == 5
    assert excluded.rating["review"] == {"excluded_at": LATER, "reason": "针对政策"}
    event = excluded.timeline[-1]
    assert event.type == "rating_reviewed" and event.note == "针对政策"
    assert event.data == {
        "excluded": True,
        "score": 5,
        "resolved": True,
        "department_id": "roads",
        "rated_at": RATED_AT,
    }
    with pytest.raises(Conflict):
        _apply(excluded, "review_rating", {"exclude": True, "reason": "x"}, "admin")
    back = _apply(excluded, "review_rating", {"exclude": False, "reason": "复核"}, "admin")
    assert back.rating["excluded"] is False
    assert back.rating["review"]["taken_back_reason"] == "复核"
    for exclude in (True, False):
        with pytest.raises(Conflict):
            _apply(back, "review_rating", {"exclude": exclude, "reason": "x"}, "leader")
    with pytest.raises(Conflict):
        _apply(_replied_appeal(), "review_rating", {"exclude": True, "reason": "x"}, "leader")
    # The counters: out of the rating's periods (November 20), then in again
    rnd = Round()
    out = event_counters({**event.to_dict(), "at": LATER}, rnd)
    assert out == [
        (
            "roads",
            RATED_AT,
            Counter(ratings=-1, rating_sum=-5, satisfied=-1, resolved=-1, ratings_excluded=1),
        )
    ]
    undone = event_counters({**back.timeline[-1].to_dict()}, rnd)
    assert undone == [
        (
            "roads",
            RATED_AT,
            Counter(ratings=1, rating_sum=5, satisfied=1, resolved=1, ratings_excluded=-1),
        )
    ]
    # One stream record: the day of the rating, its week and month, nothing on the decision's
    old = {"timeline": [e.to_dict() for e in closed.timeline]}
    new = {"timeline": [e.to_dict() for e in excluded.timeline]}
    added = increments(old, new)
    assert set(added) == {
        (p, s) for p in ("2026-11-20", "2026-W47", "2026-11") for s in ("platform", "dept#roads")
    }
    assert added[("2026-11", "dept#roads")]["ratings"] == -1


def test_a_rating_review_is_marked_on_the_day_of_the_decision_for_the_leaders_list() -> None:
    from chalicelib.figures.domain.statistics import RATING_REVIEWS, marks

    rating = {"score": 1, "resolved": False, "at": RATED_AT, "department_id": "roads"}
    closed = _replied_appeal(rating=rating)
    excluded = _apply(closed, "review_rating", {"exclude": True, "reason": "政策"}, "leader")
    old = {"timeline": [e.to_dict() for e in closed.timeline]}
    new = {"timeline": [e.to_dict() for e in excluded.timeline]}
    found = marks(old, new)
    day = LATER[:10]
    assert found == {(day, RATING_REVIEWS): Counter({"excluded": 1})}
    back = _apply(excluded, "review_rating", {"exclude": False, "reason": "复核"}, "leader")
    again = marks(new, {"timeline": [e.to_dict() for e in back.timeline]})
    assert again == {(day, RATING_REVIEWS): Counter({"taken_back": 1})}


def test_a_low_rating_is_marked_on_its_day_for_the_leaders_list() -> None:
    from chalicelib.figures.domain.statistics import LOW_RATINGS, marks

    before = [_event("dispatched", department_id="roads", deadlines=DUE)]
    for score, expected in ((1, 1), (2, 1), (3, 0)):
        rated = _event("rated", score=score, resolved=False, department_id="roads")
        found = marks({"timeline": before}, {"timeline": [*before, rated]})
        assert found.get((AT[:10], LOW_RATINGS), Counter())["low"] == expected, score
    # A rework's rating too, and a call-back's 不满意
    call = {"attempt": 1, "satisfaction": "dissatisfied"}
    redo = _event("rework_requested", score=2, resolved=False, department_id="roads", callback=call)
    found = marks({"timeline": before}, {"timeline": [*before, redo]})
    assert found[(AT[:10], LOW_RATINGS)] == Counter({"low": 1})
