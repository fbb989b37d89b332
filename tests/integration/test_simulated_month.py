"""After a simulated month, every board equals what an oracle computes independently from
the appeals' timelines (not from the stream, not from the counters).

The suite's month is 30 days x 6 appeals; ``make month`` runs the README's (30 x 60,
``MINSHENG_MONTH=30x60``) and prints its figures."""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from chalicelib.core.store import appeals as store
from chalicelib.core.store import reference
from chalicelib.core.store.models import AppealModel
from chalicelib.figures.services import rankings
from chalicelib.figures.store import statistics as statistics_store
from chalicelib.local.simulate import simulate
from chalicelib.work_orders.services import sla
from tests.integration.conftest import Stack
from tests.integration.test_events import stream_records

END = datetime(2026, 11, 26, 18, 0, tzinfo=TZ)
DAYS, PER_DAY = (int(n) for n in os.environ.get("MINSHENG_MONTH", "30x6").split("x"))


def periods(at: str) -> list[str]:
    moment = datetime.fromisoformat(at)
    year, week, _ = moment.isocalendar()
    return [moment.strftime("%Y-%m-%d"), f"{year}-W{week:02d}", moment.strftime("%Y-%m")]


STAGES = {"signed": "sign", "contacted": "contact", "replied": "reply"}
# The center's steps that decide a department's return (派单异议).
CENTER_STEPS = ("dispatched", "transferred", "rejected", "merged")
PLATFORM = "(platform)"
ROUND_ENDS = ("returned", "merged", "rejected", "closed")
# 回访: what the citizen said on the phone, as the score the rules give it.
CALLBACK_SCORES = {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}


def oracle() -> tuple[dict[str, dict[str, Counter[str]]], int]:
    """period -> department -> counters, replaying each appeal's timeline by hand, and the
    number of rounds in which a stage's deadline passed unswept before the round ended
    otherwise than by doing the stage (the case the sweep once missed).

    The overdue rule, stated without the sweep (its marks are ignored here): in each
    dispatch round (a rework starts a new one), a stage is overdue when the deadline in
    force passed strictly before the stage was done, or before the round ended (returned,
    merged, re-dispatched, still open at the end); an extension decided after the reply
    deadline had passed does not undo it. It counts once, in the periods of that deadline;
    the work order counts once per round, in the periods of its earliest overdue deadline.

    Dispatch disputes (派单异议), from the timeline alone (not from the ``dispute`` the
    workflow records): a return is decided by the center's next step; a dispatch to the
    department that returned it rejects the dispute: the return counts in that
    department's ``returned``, in the periods of the re-dispatch, and the round goes on
    (its deadlines as the re-dispatch sets them, a stage already late counted once); any
    other step upholds it: ``disputes_upheld`` for the platform, in the periods of that
    step, and nothing against the department.

    Call-backs (回访): each ``called_back`` event and each rating the operator recorded is a
    call for the platform, the latter reached; its score is the one the rules give the
    citizen's answer. A rating review (差评审核) concerns the latest rating before it on the
    timeline: an exclusion takes that rating out of its department's counts in the
    rating's periods, taking it back puts it in again."""
    out: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    unswept_round_ends = 0

    def add(department: str | None, at: str, **counts: int) -> None:
        if department:
            for period in periods(at):
                out[period][department].update(counts)

    def before(a: str, b: str) -> bool:
        return datetime.fromisoformat(a) < datetime.fromisoformat(b)

    def platform(at: str, **counts: int) -> None:
        for period in periods(at):
            out[period][PLATFORM].update(counts)

    for item in AppealModel.scan():
        appeal = store.get(item.id)
        assert appeal is not None
        rounds: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        marked: set[str] = set()
        pending: tuple[str, dict[str, Any] | None] | None = None  # (department, its round)
        last_rating: tuple[str | None, str, int, bool] | None = (
            None  # department, at, score, solved
        )

        def end_round(at: str) -> None:
            nonlocal current
            if current is not None:
                current["end"] = at
                current = None

        for event in appeal.timeline:
            data, kind, at = event.data, event.type, event.at
            decided = pending is not None and kind in CENTER_STEPS
            if decided and kind == "dispatched" and data["department_id"] == pending[0]:
                # The dispute rejected: the same round goes on
                previous = pending[1]
                pending = None
                add(data["department_id"], at, returned=1, dispatched=1)
                if previous is not None:
                    previous["due"] = {
                        k.removesuffix("_due"): v for k, v in data["deadlines"].items()
                    }
                    previous["done"] = {}
                    previous["end"] = None
                    current = previous
                    marked = set()
                continue
            if decided:
                pending = None
                platform(at, disputes_upheld=1)
            if kind in ("dispatched", "rework_requested"):
                end_round(at)
                current = {
                    "department": data["department_id"],
                    "due": {k.removesuffix("_due"): v for k, v in data["deadlines"].items()},
                    "done": {},
                    "passed": {},  # stage -> a deadline that passed while it was open
                    "end": None,
                }
                rounds.append(current)
                marked = set()
            if kind == "dispatched":
                add(data["department_id"], at, dispatched=1)
            elif kind in STAGES:
                assert current is not None
                stage = STAGES[kind]
                current["done"][stage] = at
                in_time = not before(current["due"][stage], at)
                add(current["department"], at, **{kind: 1, f"{kind}_on_time": int(in_time)})
            elif kind == "extension_decided" and data.get("approve"):
                assert current is not None
                old = current["due"]["reply"]
                if "reply" not in current["done"] and before(old, at):
                    current["passed"].setdefault("reply", old)
                current["due"]["reply"] = data["reply_due"]["to"]
            elif kind == "returned":
                pending = (data["department_id"], current)
                if current is not None:
                    open_late = [
                        s
                        for s, due in current["due"].items()
                        if s not in current["done"] and before(due, at) and s not in marked
                    ]
                    unswept_round_ends += bool(open_late)
                    for stage, due in current["due"].items():
                        if stage not in current["done"] and before(due, at):
                            current["passed"].setdefault(stage, due)
                end_round(at)
            elif kind in ROUND_ENDS:
                end_round(at)
            elif kind == "sla_overdue":
                marked.add(data["stage"])
            if kind == "called_back":
                platform(at, callbacks=1)
            if kind == "rating_reviewed":
                assert last_rating is not None
                department, rated_at, score, solved = last_rating
                sign = -1 if data["excluded"] else 1
                add(
                    department,
                    rated_at,
                    ratings=sign,
                    rating_sum=sign * score,
                    satisfied=sign * int(score >= 4),
                    resolved=sign * int(solved),
                    ratings_excluded=-sign,
                )
            if kind in ("rated", "rework_requested"):
                by_call = event.actor.get("role") == "operator"
                if by_call:
                    score = CALLBACK_SCORES[data["callback"]["satisfaction"]]
                    platform(at, callbacks=1, callbacks_reached=1)
                else:
                    score = data["score"]
                last_rating = (data["department_id"], at, score, bool(data["resolved"]))
                add(
                    data["department_id"],
                    at,
                    ratings=1,
                    rating_sum=score,
                    satisfied=int(score >= 4),
                    resolved=int(data["resolved"]),
                )
                if kind == "rework_requested":
                    add(data["department_id"], at, reworked=1, dispatched=1)
        for rnd in rounds:
            finished = rnd["end"] or clock.iso(END)
            late: dict[str, str] = dict(rnd["passed"])
            for stage, due in rnd["due"].items():
                if stage not in late and before(due, rnd["done"].get(stage, finished)):
                    late[stage] = due
            for stage, due in late.items():
                add(rnd["department"], due, **{f"overdue_{stage}": 1})
            if late:
                add(rnd["department"], min(late.values()), overdue_orders=1)
    return out, unswept_round_ends


def expected_board(
    name: str, counters: dict[str, Counter[str]], departments: list[str], min_cases: int
) -> list[tuple[str, Any, bool]]:
    rows = []
    for department in departments:
        c = counters.get(department, Counter())
        if name == "volume":
            rows.append((department, c["replied"], True))
            continue
        top, base = {
            "overdue_rate": ("overdue_orders", "dispatched"),
            "return_rate": ("returned", "dispatched"),
            "satisfaction": ("satisfied", "ratings"),
        }[name]
        value = round(c[top] / c[base], 4) if c[base] else None
        rows.append((department, value, c[base] >= min_cases))
    return sorted(rows)


@pytest.mark.long(70)
@pytest.mark.usefixtures("client")
def test_boards_after_a_simulated_month_match_the_timelines(stack: Stack) -> None:
    began = time.monotonic()
    summary = simulate(END, days=DAYS, per_day=PER_DAY, seed=7, sweep_minutes=180)
    seeded = time.monotonic() - began
    assert summary.appeals == DAYS * PER_DAY
    assert summary.actions is not None
    for action in (
        "dispatch",
        "sign",
        "reply",
        "rate",
        "return",
        "rework",
        "sla_sweep",
        "transfer",
        "callback",
        "callback_missed",
        "review",
        "review_taken_back",
    ):
        assert summary.actions[action] > 0, action
    # The sweep at the end of the month marks what is overdue in rounds still open, so
    # the oracle's "still open at the end" has a witness on the timeline.
    sla.sweep(END)
    from chalice.test import Client

    from app import app

    records = stream_records()
    with Client(app) as client:
        for start in range(0, len(records), 100):
            result = client.lambda_.invoke(
                "appeal_statistics", {"Records": records[start : start + 100]}
            ).payload
            assert result == {"batchItemFailures": []}
    clock.set_clock(lambda: END)
    try:
        rankings.refresh()
    finally:
        clock.set_clock(None)

    digested = time.monotonic() - began - seeded
    truth, unswept_round_ends = oracle()
    assert unswept_round_ends > 0  # the month holds returns past an unswept deadline
    departments = sorted(d.id for d in reference.list_departments())
    checked = 0
    for period in ("2026-11-26", "2026-W48", "2026-11", "2026-11-25", "2026-W47", "2026-10"):
        boards = statistics_store.snapshots(period)
        assert set(boards) == {"volume", "overdue_rate", "return_rate", "satisfaction"}
        for name, snapshot in boards.items():
            got = sorted((e["department_id"], e["value"], e["ranked"]) for e in snapshot["entries"])
            assert got == expected_board(name, truth[period], departments, snapshot["min_cases"]), (
                period,
                name,
            )
            ranked = [e for e in snapshot["entries"] if e["ranked"]]
            values = [e["value"] for e in ranked]
            highest_first = name in ("volume", "satisfaction")
            assert values == sorted(values, reverse=highest_first), (period, name)
            assert [e["rank"] for e in ranked][:1] in ([], [1])
            checked += 1
    assert checked == 24
    # The platform's dispatch accuracy (派单准确率) counts what the oracle upheld, and the
    # month holds disputes both upheld and rejected
    rejected_disputes = sum(truth["2026-11"][d]["returned"] for d in departments)
    assert rejected_disputes > 0
    for period in ("2026-11-26", "2026-W48", "2026-11", "2026-W47"):
        stats = rankings.public_stats(period)
        upheld = truth[period][PLATFORM]["disputes_upheld"]
        assert stats["counters"].get("disputes_upheld", 0) == upheld, period
        dispatched = stats["counters"]["dispatched"]
        expected = round((dispatched - upheld) / dispatched, 4)
        assert stats["rates"]["dispatch_accuracy"] == expected, period
    assert truth["2026-11"][PLATFORM]["disputes_upheld"] > 0
    # Call-backs and excluded ratings, per period, as the oracle counts them; the boards
    # above already hold the satisfaction the exclusions changed
    excluded = 0
    for period in ("2026-11-26", "2026-W48", "2026-11", "2026-W47", "2026-10"):
        stats = rankings.public_stats(period)
        platform = truth[period][PLATFORM]
        assert stats["callbacks"] == {
            "made": platform["callbacks"],
            "reached": platform["callbacks_reached"],
        }, period
        own = sum(truth[period][d]["ratings_excluded"] for d in departments)
        assert stats["ratings_excluded"] == own, period
        for department in departments:
            got = statistics_store.counters_of([(period, f"dept#{department}")])
            counted = got[(period, f"dept#{department}")]
            for name in ("ratings", "satisfied", "resolved", "rating_sum", "ratings_excluded"):
                assert counted.get(name, 0) == truth[period][department][name], (
                    period,
                    department,
                    name,
                )
        excluded += own
    assert truth["2026-11"][PLATFORM]["callbacks_reached"] > 0 and excluded > 0
    _print_figures(summary, len(records), seeded, digested, time.monotonic() - began)


def _print_figures(
    summary: Any, records: int, seeded: float, digested: float, total: float
) -> None:
    """What ``make month`` shows (``pytest -s``): the month's size, its steps, the time of
    each part and the month's public figures as the boards give them."""
    stats = rankings.public_stats("2026-11")
    print(
        f"\nSimulated month {DAYS} x {PER_DAY}: {summary.appeals} appeals, {records} stream"
        f" records; seeded {seeded:.0f} s, digested and refreshed {digested:.0f} s,"
        f" {total:.0f} s with the oracle (wall)"
    )
    print("  steps: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.actions.items())))
    print("  2026-11 rates: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["rates"].items())))
    for name, snapshot in sorted(statistics_store.snapshots("2026-11").items()):
        ranked = [e for e in snapshot["entries"] if e["ranked"]][:3]
        print(f"  {name}: " + "; ".join(f"{e['department_id']} {e['value']}" for e in ranked))
