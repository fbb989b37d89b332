"""What timeline events add to the counters: rounds, late stages, periods."""

from __future__ import annotations

from typing import Any

from chalicelib.figures.domain.statistics import increments

DUE = {
    "sign_due": "2026-11-26T09:15:00.000+08:00",
    "contact_due": "2026-11-26T09:30:00.000+08:00",
    "reply_due": "2026-11-27T09:00:00.000+08:00",
}
LATER = {
    "sign_due": "2026-11-28T10:15:00.000+08:00",
    "contact_due": "2026-11-28T10:30:00.000+08:00",
    "reply_due": "2026-12-01T10:00:00.000+08:00",
}


def ev(kind: str, at: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "at": f"2026-11-{at}:00.000+08:00", "data": data}


def totals(events: list[dict[str, Any]], period: str = "2026-11") -> dict[str, int]:
    """Counters for the department after feeding the events one write at a time."""
    summed: dict[str, int] = {}
    for n in range(1, len(events) + 1):
        old = {"timeline": events[: n - 1]}
        new = {"timeline": events[:n], "department_id": "d"}
        for (p, scope), amounts in increments(old, new).items():
            if p == period and scope == "dept#d":
                for key, value in amounts.items():
                    summed[key] = summed.get(key, 0) + value
    return summed


def test_a_rework_is_a_new_round_so_rates_stay_within_one() -> None:
    c = totals(
        [
            ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
            ev("signed", "26T09:05"),
            ev("contacted", "26T09:10"),
            ev("replied", "26T12:00"),
            ev(
                "rework_requested",
                "28T10:00",
                department_id="d",
                score=1,
                resolved=False,
                deadlines=LATER,
            ),
            ev("signed", "28T10:05"),
        ]
    )
    assert c["dispatched"] == 2 and c["reworked"] == 1
    assert c["signed_on_time"] <= c["dispatched"]


def test_late_completion_between_sweeps_is_overdue_once_in_its_deadline_period() -> None:
    c = totals(
        [
            ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
            ev("signed", "26T09:16"),  # one minute late, no sweep in between
            ev(
                "sla_overdue",
                "26T09:31",
                stage="contact",
                due=DUE["contact_due"],
                department_id="d",
            ),
            ev("contacted", "26T09:40"),  # already marked: not again
        ],
        period="2026-11-26",
    )
    assert (c["overdue_sign"], c["overdue_contact"], c["overdue_orders"]) == (1, 1, 1)
    assert c.get("signed_on_time", 0) == 0


def test_extension_after_an_overdue_reply_keeps_one_overdue_order() -> None:
    c = totals(
        [
            ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
            ev("sla_overdue", "27T09:01", stage="reply", due=DUE["reply_due"], department_id="d"),
            ev(
                "extension_decided",
                "27T10:00",
                approve=True,
                reply_due={"from": DUE["reply_due"], "to": "2026-11-30T09:00:00.000+08:00"},
            ),
            ev(
                "sla_overdue",
                "30T09:01",
                stage="reply",
                due="2026-11-30T09:00:00.000+08:00",
                department_id="d",
            ),
        ]
    )
    assert (c["overdue_reply"], c["overdue_orders"]) == (1, 1)


def test_redelivery_of_an_earlier_write_adds_only_its_own_events() -> None:
    events = [
        ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
        ev("signed", "26T09:05"),
    ]
    first = increments({"timeline": []}, {"timeline": events[:1], "department_id": "d"})
    assert first[("2026-11", "dept#d")] == {"dispatched": 1}


def test_a_stage_past_its_deadline_when_the_order_is_returned_is_overdue() -> None:
    # Given a work order signed on time whose contact deadline (09:30) passes unswept
    c = totals(
        [
            ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
            ev("signed", "26T09:05"),
            # When the department returns it at 09:40, before any sweep
            ev("returned", "26T09:40", department_id="d", reason="不属于本单位职责"),
        ],
        period="2026-11-26",
    )
    # Then the contact stage is overdue once (the reply deadline had not passed)
    assert (c.get("overdue_contact"), c.get("overdue_orders")) == (1, 1)
    assert c.get("overdue_reply", 0) == 0 and c.get("overdue_sign", 0) == 0


def test_a_returned_round_counts_the_same_whether_or_not_the_sweep_came_first() -> None:
    dispatched = ev("dispatched", "26T09:00", department_id="d", deadlines=DUE)
    returned = ev("returned", "26T09:40", department_id="d", reason="x")
    redispatched = ev("dispatched", "26T10:00", department_id="e", deadlines=LATER)
    swept = ev("sla_overdue", "26T09:20", stage="sign", due=DUE["sign_due"], department_id="d")
    merged = ev("merged", "26T10:00", into="20261126-AAAAAAAA")
    for ending in ([redispatched], [merged]):
        unswept = totals([dispatched, returned, *ending], period="2026-11-26")
        caught = totals([dispatched, swept, returned, *ending], period="2026-11-26")
        assert unswept == caught
        assert (unswept["overdue_sign"], unswept["overdue_contact"]) == (1, 1)
        assert unswept["overdue_orders"] == 1


def test_an_extension_decided_after_the_old_deadline_passed_unswept_keeps_it_overdue() -> None:
    new_due = "2026-11-30T09:00:00.000+08:00"
    c = totals(
        [
            ev("dispatched", "26T09:00", department_id="d", deadlines=DUE),
            ev("signed", "26T09:05"),
            ev("contacted", "26T09:10"),
            ev("extension_decided", "27T09:30", approve=True, reply_due={"to": new_due}),
            ev("replied", "28T09:00"),  # within the new deadline
        ],
        period="2026-11-27",
    )
    assert (c.get("overdue_reply"), c.get("overdue_orders")) == (1, 1)


def test_the_deadline_instant_itself_is_on_time_everywhere() -> None:
    at_deadline = {"type": "signed", "at": DUE["sign_due"], "data": {}}
    mark = {
        "type": "sla_overdue",
        "at": DUE["contact_due"],
        "data": {"stage": "contact", "due": DUE["contact_due"], "department_id": "d"},
    }
    c = totals(
        [ev("dispatched", "26T09:00", department_id="d", deadlines=DUE), at_deadline, mark],
        period="2026-11-26",
    )
    assert c["signed_on_time"] == 1
    assert c.get("overdue_orders", 0) == 0 and c.get("overdue_contact", 0) == 0
