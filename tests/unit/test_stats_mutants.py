"""What each kind of timeline event adds to the counters, event by event, with exactly the
department and the time it counts for, and how it moves the round; and what a stream
record adds to the intake scope and a department's weekly marks. test_stats_domain.py
checks whole timelines; these pin each branch of ``chalicelib/figures/domain/statistics.py``, which
is what its mutants change (``make mutants``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib.figures.domain.statistics import Round, event_counters, increments, intake, marks

DUE = {
    "sign_due": "2026-11-26T09:15:00.000+08:00",
    "contact_due": "2026-11-26T09:30:00.000+08:00",
    "reply_due": "2026-11-27T09:00:00.000+08:00",
}


def at(hhmm: str, day: int = 26) -> str:
    return f"2026-11-{day}T{hhmm}:00.000+08:00"


def ev(kind: str, when: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "at": when, "data": data}


def dispatched(department: str = "d1", done: bool = False) -> Round:
    """A round dispatched at 09:00 on the 26th; ``done``: its three stages done in time
    (so no later event finds one late)."""
    rnd = Round()
    event_counters(ev("dispatched", at("09:00"), department_id=department, deadlines=DUE), rnd)
    if done:
        rnd.done |= {"sign", "contact", "reply"}
    return rnd


def test_a_submission_counts_for_no_department() -> None:
    rnd = Round()
    assert event_counters(ev("submitted", at("08:00")), rnd) == [
        (None, at("08:00"), Counter(submitted=1))
    ]
    assert rnd.department is None


def test_a_dispatch_starts_the_round_with_its_deadlines() -> None:
    rnd = Round()
    out = event_counters(ev("dispatched", at("09:00"), department_id="d1", deadlines=DUE), rnd)
    assert out == [("d1", at("09:00"), Counter(dispatched=1))]
    assert rnd.department == "d1"
    assert rnd.due == {
        "sign": DUE["sign_due"],
        "contact": DUE["contact_due"],
        "reply": DUE["reply_due"],
    }
    assert rnd.done == set() and rnd.overdue == set()


def test_a_round_without_a_department_named_keeps_the_one_it_had() -> None:
    rnd = dispatched("d1")
    rnd.start(None, DUE)
    assert rnd.department == "d1"


def test_stages_on_time_count_once_each_for_the_department() -> None:
    rnd = dispatched()
    assert event_counters(ev("signed", at("09:15")), rnd) == [  # the deadline itself: on time
        ("d1", at("09:15"), Counter(signed=1, signed_on_time=1))
    ]
    assert event_counters(ev("contacted", at("09:20")), rnd) == [
        ("d1", at("09:20"), Counter(contacted=1, contacted_on_time=1))
    ]
    assert event_counters(ev("replied", at("12:00")), rnd) == [
        ("d1", at("12:00"), Counter(replied=1, replied_on_time=1))
    ]
    assert rnd.done == {"sign", "contact", "reply"}


def test_a_late_stage_is_overdue_in_the_deadline_s_period_then_done_late() -> None:
    rnd = dispatched()
    out = event_counters(ev("signed", at("09:40")), rnd)
    assert out == [
        ("d1", DUE["sign_due"], Counter(overdue_sign=1, overdue_orders=1)),
        ("d1", DUE["contact_due"], Counter(overdue_contact=1)),  # the order is overdue once
        ("d1", at("09:40"), Counter(signed=1)),
    ]
    assert rnd.overdue == {"sign", "contact"}


def test_a_stage_outside_any_round_counts_and_is_never_on_time() -> None:
    rnd = Round()
    assert event_counters(ev("signed", at("09:00")), rnd) == [
        (None, at("09:00"), Counter(signed=1))
    ]
    assert rnd.done == {"sign"}


def test_the_center_s_own_reply_counts_for_the_platform_alone() -> None:
    rnd = dispatched(done=True)
    out = event_counters(ev("replied", at("10:00"), by="center"), rnd)
    assert out == [(None, at("10:00"), Counter(center_replied=1))]
    assert rnd.done == {"sign", "contact", "reply"}


def test_rework_of_a_center_reply_is_a_rating_and_no_round() -> None:
    rnd = dispatched(done=True)
    out = event_counters(ev("rework_requested", at("10:00"), by="center", score=2), rnd)
    assert out == [(None, at("10:00"), Counter(ratings=1, rating_sum=2))]
    assert rnd.department == "d1" and rnd.due["reply"] == DUE["reply_due"]


@pytest.mark.parametrize(("data", "department"), [({"department_id": "d2"}, "d2"), ({}, "d1")])
def test_rework_is_a_new_round_for_the_department(data: dict[str, Any], department: str) -> None:
    rnd = dispatched("d1", done=True)
    later = {
        "sign_due": at("10:15", 28),
        "contact_due": at("10:30", 28),
        "reply_due": at("10:00", 30),
    }
    rework = ev(
        "rework_requested", at("10:00", 28), score=5, resolved=True, deadlines=later, **data
    )
    assert event_counters(rework, rnd) == [
        (
            department,
            at("10:00", 28),
            Counter(dispatched=1, reworked=1, ratings=1, rating_sum=5, satisfied=1, resolved=1),
        )
    ]
    assert rnd.department == department
    assert rnd.due == {
        "sign": at("10:15", 28),
        "contact": at("10:30", 28),
        "reply": at("10:00", 30),
    }


def test_an_approved_extension_moves_the_reply_deadline_of_the_round() -> None:
    rnd = dispatched(done=True)
    rnd.done.discard("reply")
    moved = {"from": DUE["reply_due"], "to": at("09:00", 30)}
    approved = ev("extension_decided", at("10:00"), approve=True, reply_due=moved)
    assert event_counters(approved, rnd) == []
    assert rnd.due["reply"] == at("09:00", 30)
    # the reply two days after the old deadline is on time by the new one
    assert event_counters(ev("replied", at("09:00", 29)), rnd) == [
        ("d1", at("09:00", 29), Counter(replied=1, replied_on_time=1))
    ]


@pytest.mark.parametrize(
    "data",
    [{"approve": False}, {"approve": False, "reply_due": {"to": "2026-12-30"}}, {"approve": True}],
)
def test_an_extension_refused_or_without_a_new_deadline_moves_nothing(data: dict[str, Any]) -> None:
    rnd = dispatched(done=True)
    assert event_counters(ev("extension_decided", at("10:00"), **data), rnd) == []
    assert rnd.due["reply"] == DUE["reply_due"]


@pytest.mark.parametrize(("data", "department"), [({"department_id": "d2"}, "d2"), ({}, "d1")])
def test_a_return_counts_for_the_department_and_ends_the_round(
    data: dict[str, Any], department: str
) -> None:
    rnd = dispatched("d1")
    out = event_counters(ev("returned", at("09:10"), **data), rnd)
    # a dispute (派单异议) until the center decides it: not yet a return against it
    assert out == [(department, at("09:10"), Counter(disputed=1))]
    assert rnd.department is None and rnd.due == {}


@pytest.mark.parametrize("kind", ["merged", "rejected", "closed", "transferred"])
def test_the_round_ends_and_nothing_is_late_after(kind: str) -> None:
    rnd = dispatched()
    # The center's outcomes (不予受理, 即时转办) count for the platform, no department
    counted = (
        [(None, at("09:10"), Counter({kind: 1}))] if kind in ("rejected", "transferred") else []
    )
    assert event_counters(ev(kind, at("09:10")), rnd) == counted
    assert rnd.due == {}
    assert event_counters(ev("escalated", at("18:00")), rnd) == []


@pytest.mark.parametrize(
    ("data", "amounts"),
    [
        ({"score": 4, "resolved": True}, Counter(ratings=1, rating_sum=4, satisfied=1, resolved=1)),
        ({"score": 3, "resolved": False}, Counter(ratings=1, rating_sum=3)),
        ({}, Counter(ratings=1)),  # no score: counted as 0
    ],
)
def test_a_rating_counts_its_score_satisfaction_and_resolution(
    data: dict[str, Any], amounts: Counter[str]
) -> None:
    rnd = dispatched("d1", done=True)
    out = event_counters(ev("rated", at("10:00"), **data), rnd)
    assert out == [("d1", at("10:00"), amounts)]


def test_a_rating_counts_for_the_department_it_names() -> None:
    out = event_counters(ev("rated", at("10:00"), score=5, department_id="d2"), Round())
    assert out == [("d2", at("10:00"), Counter(ratings=1, rating_sum=5, satisfied=1))]
    assert event_counters(ev("rated", at("10:00"), score=1), Round()) == [
        (None, at("10:00"), Counter(ratings=1, rating_sum=1))
    ]


def test_the_intake_counts_the_channel_of_the_submission_or_of_the_appeal() -> None:
    hotline = {"type": "submitted", "data": {"channel": "hotline"}}
    assert intake(hotline, {"channel": "app", "kind": "help"}) == Counter(
        {"channel:hotline": 1, "kind:help": 1}
    )
    assert intake({"type": "submitted", "data": None}, {"channel": "web", "kind": "complaint"}) == (
        Counter({"channel:web": 1, "kind:complaint": 1})
    )


def test_a_record_s_increments_by_period_and_scope() -> None:
    submitted = {**ev("submitted", at("08:00")), "data": {"channel": "wechat"}}
    new = {"kind": "help", "channel": "app", "timeline": [submitted]}
    out = increments(None, new)
    one = Counter(submitted=1)
    intake_counts = Counter({"channel:wechat": 1, "kind:help": 1})
    assert out == {
        ("2026-11-26", "platform"): one,
        ("2026-W48", "platform"): one,
        ("2026-11", "platform"): one,
        ("2026-11-26", "intake"): intake_counts,
        ("2026-W48", "intake"): intake_counts,
        ("2026-11", "intake"): intake_counts,
    }


def test_marks_name_no_department_for_the_center_s_own_work() -> None:
    timeline = [ev("submitted", at("08:00")), ev("replied", at("08:30"), by="center")]
    rework = {**ev("rework_requested", at("09:00"), by="center", score=1), "note": "没解决"}
    old = {"channel": "deputy", "timeline": timeline}
    assert marks(old, {**old, "timeline": [*timeline, rework]}) == {}


def test_marks_list_a_rated_work_order_with_its_comment_and_a_deputy_s_appeal() -> None:
    timeline = [
        ev("submitted", at("08:00")),
        ev("dispatched", at("09:00"), department_id="d1", deadlines=DUE),
        ev("signed", at("09:05")),
        ev("contacted", at("09:06")),
        ev("replied", at("10:00")),
        {**ev("rated", at("11:00"), score=5), "note": "谢谢"},
    ]
    new = {"channel": "deputy", "timeline": timeline}
    assert marks(None, new) == {
        ("2026-11-26", "deputy"): Counter(submitted=1),
        ("2026-W48", "dept#d1"): Counter(ratings=1, commented=1),
    }
