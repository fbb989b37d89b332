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
    """period -> department -> counters, replaying each appeal's timeline by hand."""
    out: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for item in AppealModel.scan():
        appeal = store.get(item.id)
        assert appeal is not None
        department = None
        due: dict[str, str] = {}
        overdue_in_round = False
        for event in appeal.timeline:
            data, kind, at = event.data, event.type, event.at
            counts: Counter[str] = Counter()
            who = department
            if kind in ("dispatched", "rework_requested"):
                due = dict(data.get("deadlines", {}))
                overdue_in_round = False
            if kind == "dispatched":
                department = who = data["department_id"]
                counts["dispatched"] = 1
            elif kind == "signed":
                counts.update(signed=1, signed_on_time=int(at <= due["sign_due"]))
            elif kind == "contacted":
                counts.update(contacted=1, contacted_on_time=int(at <= due["contact_due"]))
            elif kind == "extension_decided" and data.get("approve"):
                due["reply_due"] = data["reply_due"]["to"]
            elif kind == "replied":
                counts.update(replied=1, replied_on_time=int(at <= due["reply_due"]))
            elif kind == "returned":
                who, department = data["department_id"], None
                counts["returned"] = 1
            elif kind in ("rated", "rework_requested"):
                who = data["department_id"]
                counts.update(
                    ratings=1,
                    rating_sum=data["score"],
                    satisfied=int(data["score"] >= 4),
                    resolved=int(data["resolved"]),
                )
                if kind == "rework_requested":
                    counts["reworked"] = 1
            elif kind == "sla_overdue":
                who = data["department_id"]
                counts[f"overdue_{data['stage']}"] = 1
                if not overdue_in_round:
                    counts["overdue_orders"] = 1
                    overdue_in_round = True
            if counts and who:
                for period in periods(at):
                    out[period][who].update(counts)
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
