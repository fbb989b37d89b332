"""After a simulated month, every board equals what an oracle computes independently from
the appeals' timelines (not from the stream, not from the counters)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pytest

from chalicelib.dal import appeals as store
from chalicelib.dal import reference
from chalicelib.dal import stats as stats_store
from chalicelib.dal.models import AppealModel
from chalicelib.domain import clock
from chalicelib.domain.clock import TZ
from chalicelib.local.simulate import simulate
from chalicelib.services import rankings
from tests.integration.conftest import Stack
from tests.integration.test_events import stream_records

END = datetime(2026, 11, 26, 18, 0, tzinfo=TZ)


def periods(at: str) -> list[str]:
    moment = datetime.fromisoformat(at)
    year, week, _ = moment.isocalendar()
    return [moment.strftime("%Y-%m-%d"), f"{year}-W{week:02d}", moment.strftime("%Y-%m")]


def oracle() -> dict[str, dict[str, Counter[str]]]:
    """period -> department -> counters, replaying each appeal's timeline by hand. A stage
    is overdue once per dispatch round (the sweep's mark, or done after its deadline), in
    the periods of its deadline; a rework is a new round, dispatched again."""
    out: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))

    def add(department: str | None, at: str, **counts: int) -> None:
        if department:
            for period in periods(at):
                out[period][department].update(counts)

    for item in AppealModel.scan():
        appeal = store.get(item.id)
        assert appeal is not None
        department: str | None = None
        due: dict[str, str] = {}
        late: set[str] = set()

        def overdue(late: set[str], stage: str, when: str, who: str | None) -> None:
            if stage not in late:
                add(who, when, **{f"overdue_{stage}": 1, "overdue_orders": int(not late)})
                late.add(stage)

        for event in appeal.timeline:
            data, kind, at = event.data, event.type, event.at
            if kind in ("dispatched", "rework_requested"):
                due = {k.removesuffix("_due"): v for k, v in data["deadlines"].items()}
                late = set()
            if kind == "dispatched":
                department = data["department_id"]
                add(department, at, dispatched=1)
            elif kind in ("signed", "contacted", "replied"):
                stage = {"signed": "sign", "contacted": "contact", "replied": "reply"}[kind]
                in_time = at <= due[stage]
                add(department, at, **{kind: 1, f"{kind}_on_time": int(in_time)})
                if not in_time:
                    overdue(late, stage, due[stage], department)
            elif kind == "extension_decided" and data.get("approve"):
                due["reply"] = data["reply_due"]["to"]
            elif kind == "returned":
                add(data["department_id"], at, returned=1)
                department = None
            elif kind in ("rated", "rework_requested"):
                score = data["score"]
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
            elif kind == "sla_overdue":
                overdue(late, data["stage"], data["due"], data["department_id"])
    return out


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


@pytest.mark.usefixtures("client")
def test_boards_after_a_simulated_month_match_the_timelines(stack: Stack) -> None:
    summary = simulate(END, days=30, per_day=6, seed=7, sweep_minutes=60)
    assert summary.appeals == 180
    assert summary.actions is not None
    for action in ("dispatch", "sign", "reply", "rate", "return", "rework", "sla_sweep"):
        assert summary.actions[action] > 0, action
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

    truth = oracle()
    departments = sorted(d.id for d in reference.list_departments())
    checked = 0
    for period in ("2026-11-26", "2026-W48", "2026-11", "2026-11-25", "2026-W47", "2026-10"):
        boards = stats_store.snapshots(period)
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
