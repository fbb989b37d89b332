"""What timeline events add to the counters: rounds, late stages, periods."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.stats import increments

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
