"""The SLA sweep emits each warning and each overdue event exactly once per stage, even when
it runs twice in the same minute, two at once, or after missed runs."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.store import appeals as store
from chalicelib.work_orders.services import sla
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def sla_events(appeal_id: str) -> Counter[tuple[str, str]]:
    appeal = store.get(appeal_id)
    assert appeal is not None
    return Counter(
        (e.type, str(e.data.get("stage", e.data.get("level", ""))))
        for e in appeal.timeline
        if e.type.startswith("sla_") or e.actor["role"] == "system"
    )


def test_each_warning_and_overdue_once(people: People) -> None:
    time = Clock(shanghai("2026-11-26T10:00:00"))  # Thursday
    appeal_id = people.submit(kind="consultation")["id"]
    people.act("operator", appeal_id, "dispatch")
    start = time.at

    def sweep_at(**delta: float) -> dict[str, int]:
        time.at = start + timedelta(**delta)
        return sla.sweep()

    assert sweep_at(minutes=9)["due"] == 0  # nothing yet
    assert sweep_at(minutes=10)["warnings"] == 1  # sign warning at 10:10
    assert sweep_at(minutes=10, seconds=30)["due"] == 0  # again in the same minute
    # the deadline instant (10:15) is still on time: overdue only strictly after it
    assert sweep_at(minutes=15)["overdue"] == 0
    assert sweep_at(minutes=15, seconds=1)["overdue"] == 1
    # runs missed from 10:16 to 10:44: the contact deadline (10:30) passed unwarned
    result = sweep_at(minutes=45)
    assert (result["warnings"], result["overdue"]) == (0, 1)
    assert sweep_at(minutes=45, seconds=20)["due"] == 0
    # a consultation: reply due Friday 27 November 10:00, warned 4 hours before
    assert sweep_at(hours=20)["warnings"] == 1
    assert sweep_at(hours=24, minutes=5) == {
        "due": 1,
        "warnings": 0,
        "overdue": 1,
        "escalated": 1,
        "skipped": 0,
    }
    assert sweep_at(days=3)["due"] == 0
    assert sla_events(appeal_id) == Counter(
        {
            ("sla_warning", "sign"): 1,
            ("sla_overdue", "sign"): 1,
            ("sla_overdue", "contact"): 1,
            ("sla_warning", "reply"): 1,
            ("sla_overdue", "reply"): 1,
            ("escalated", "1"): 1,
        }
    )
    # the overdue reply put it on the leaders' supervision list
    supervision = body(people.get("leader", "/supervision"))["items"]
    assert [item["id"] for item in supervision] == [appeal_id]
    assert supervision[0]["overdue"] == ["sign", "contact", "reply"]


def test_two_sweeps_at_once_write_each_event_once(people: People) -> None:
    time = Clock(shanghai("2026-11-26T10:00:00"))
    ids = [people.submit()["id"] for _ in range(6)]
    for appeal_id in ids:
        people.act("operator", appeal_id, "dispatch")
    time.advance(minutes=16)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def run() -> None:
        barrier.wait()
        results.append(sla.sweep())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["overdue"] for r in results) == 6
    for appeal_id in ids:
        assert sla_events(appeal_id) == Counter({("sla_overdue", "sign"): 1})


def test_signing_in_time_stops_the_sign_clock(people: People) -> None:
    time = Clock(shanghai("2026-11-26T10:00:00"))
    appeal_id = people.submit()["id"]
    people.act("operator", appeal_id, "dispatch")
    time.advance(minutes=5)
    people.act(f"department:{DEPARTMENT}", appeal_id, "sign")
    time.advance(minutes=15)  # 10:20: sign would be overdue, contact is warned at 10:20
    result = sla.sweep()
    assert (result["warnings"], result["overdue"]) == (1, 0)
    assert sla_events(appeal_id) == Counter({("sla_warning", "contact"): 1})
