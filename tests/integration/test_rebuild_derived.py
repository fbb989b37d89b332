"""Rebuilding the derived data: after a simulated week counted by the stream consumers, the
stats table emptied and rebuilt from the appeals, supports and helpful answers gives the
same public boards, statistics, hot topics, daily volume and supporter counts, equal to
the oracle's boards too; stopped halfway it resumes from its checkpoint and counts each
appeal once; run again it changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from chalicelib.core.domain.periods import periods_of_iso
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import DomainError
from chalicelib.core.integrations.aws import client as aws
from chalicelib.core.store import reference
from chalicelib.core.store.models import AppealModel
from chalicelib.figures.services import feed, rankings, rebuild, statistics
from chalicelib.figures.store import statistics as statistics_store
from chalicelib.knowledge.store import knowledge as knowledge_store
from chalicelib.local.simulate import simulate
from chalicelib.work_orders.services import sla
from tests.integration.conftest import Stack, body
from tests.integration.test_events import stream_records
from tests.integration.test_simulated_month import expected_board, oracle

END = datetime(2026, 11, 26, 18, 0, tzinfo=TZ)
DAYS = [f"2026-11-{d}" for d in range(20, 27)]
PERIODS = [*DAYS, "2026-W47", "2026-W48", "2026-11"]


def invoke(client: Any, handler: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), 100):
        result = client.lambda_.invoke(handler, {"Records": records[start : start + 100]})
        assert result.payload == {"batchItemFailures": []}, handler


def week(client: Any) -> list[str]:
    """A simulated week, some 附议 and helpful answers, all counted as deployed: the stream
    consumers on every record, then the rankings refresh. Returns the supported appeals."""
    summary = simulate(END, days=7, per_day=8, seed=5, sweep_minutes=180)
    assert summary.appeals == 56
    sla.sweep(END)
    clock.set_clock(lambda: END)
    supported: list[str] = []
    for item in AppealModel.scan():
        try:
            feed.support(Principal("citizen-supporter-0", Role.CITIZEN), item.id)
        except DomainError:
            continue  # not public
        for n in range(1, len(supported) % 3 + 1):  # 1, 2 or 3 supporters
            feed.support(Principal(f"citizen-supporter-{n}", Role.CITIZEN), item.id)
        supported.append(item.id)
    assert len(supported) >= 3
    for n, day in enumerate(DAYS[:3]):
        at = f"{day}T10:00:00+08:00"
        knowledge_store.mark_helpful("kb-1", f"citizen-key-{n}", periods_of_iso(at), at)
    invoke(client, "appeal_statistics", stream_records())
    invoke(client, "appeal_topics", stream_records())
    invoke(client, "support_topics", stream_records(settings().supports_table))
    rankings.refresh()
    return supported


def boards(client: Any, supported: list[str]) -> dict[str, Any]:
    """What the public sees of the derived data, without the time a board was made."""
    rankings.clear_cache()
    seen: dict[str, Any] = {}
    paths = [f"/public/rankings?period={p}" for p in PERIODS]
    paths += [f"/public/stats?period={p}" for p in PERIODS]
    paths += [f"/public/hot-topics?period={p}" for p in PERIODS]
    paths += ["/public/daily-volume?month=2026-11", "/public/trends?from=2026-10&to=2026-11"]
    paths += [f"/public/appeals/{appeal_id}" for appeal_id in supported]
    # Early warning's distinct citizens per week, town or street and word or category.
    from chalicelib.figures.store import warnings

    for place, _name in reference.places():
        for period in ("2026-W47", "2026-W48"):
            counts = warnings.week_counts(period, place)
            seen[f"places {period} {place}"] = sorted(f"{k}={n}" for k, n in counts.items())
    for path in paths:
        response = client.http.get(path)
        assert response.status_code == 200, path
        shown = body(response)
        for board in shown.get("boards", []):
            board.pop("generated_at")
        seen[path] = shown
    return seen


def empty_stats_table() -> int:
    """Every item of the stats table deleted (25 to a BatchWriteItem); how many there were."""
    table, ddb = settings().stats_table, aws("dynamodb")
    keys = [
        {"pk": item["pk"], "sk": item["sk"]}
        for page in ddb.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]
    for start in range(0, len(keys), 25):
        batch = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        request: Any = {table: batch}
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")
    assert not ddb.scan(TableName=table, Select="COUNT")["Count"]
    return len(keys)


def check_against_the_oracle() -> None:
    truth, _ = oracle()
    departments = sorted(d.id for d in reference.list_departments())
    for period in ("2026-11-26", "2026-W48", "2026-W47", "2026-11"):
        for name, snapshot in statistics_store.snapshots(period).items():
            got = sorted((e["department_id"], e["value"], e["ranked"]) for e in snapshot["entries"])
            assert got == expected_board(name, truth[period], departments, snapshot["min_cases"])


@pytest.mark.long(60)
def test_boards_rebuilt_from_the_appeals_equal_the_boards_before(
    client: Any, stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a week counted by the stream consumers
    supported = week(client)
    before = boards(client, supported)
    text = json.dumps(before, ensure_ascii=False)
    assert '"deflected": 3' in text or '"deflected": 1' in text
    hot = before["/public/hot-topics?period=2026-11"]["topics"]
    assert hot, "the week has hot topics"
    assert sum(len(v) for k, v in before.items() if k.startswith("places ")) > 20
    assert any(body["supporters"] for k, body in before.items() if k.startswith("/public/appeals"))
    month = before["/public/stats?period=2026-11"]["counters"]
    assert month["submitted"] == 56 and month["replied"] > 0 and month["overdue_orders"] > 0
    check_against_the_oracle()

    # When the stats table is emptied (a restored appeals table comes without it)
    assert empty_stats_table() > 0
    emptied = boards(client, supported)
    assert emptied["/public/stats?period=2026-11"]["counters"] == {}

    # and the rebuild stops halfway through the appeals (the 20th topic count fails)
    checkpoint = tmp_path / "rebuild.json"
    real, calls = statistics.count_topics, []

    def failing(change: Any) -> bool:
        calls.append(change.appeal_id)
        if len(calls) == 20:
            raise RuntimeError("the rebuild's machine stopped")
        return real(change)

    monkeypatch.setattr(statistics, "count_topics", failing)
    with pytest.raises(RuntimeError):
        rebuild.rebuild(checkpoint, segments=3)
    stopped = json.loads(checkpoint.read_text("utf-8"))
    assert not stopped["finished"] and sorted(stopped["done"]["clear"]) == [0, 1, 2]
    assert len(stopped["done"].get("appeals", [])) < 3
    monkeypatch.setattr(statistics, "count_topics", real)

    # Then started again with its checkpoint it finishes the same run
    done = rebuild.rebuild(checkpoint, segments=3)
    assert done.run == stopped["run"] and done.finished
    assert done.counts["appeals"] == 56
    assert done.counts["supports"] == sum(n % 3 + 1 for n in range(len(supported)))
    assert done.counts["helpful_answers"] == 3
    # and the public sees what it saw before, which the oracle computes from the timelines
    assert boards(client, supported) == before
    check_against_the_oracle()

    # When it runs again (a new run: the checkpoint is finished), nothing changes
    again = rebuild.rebuild(checkpoint, segments=2)
    assert again.run != done.run and again.counts["derived_items_deleted"] > 0
    assert boards(client, supported) == before
    clock.set_clock(None)


def test_the_local_command_needs_a_running_stack(tmp_path: Path, capsys: Any) -> None:
    from chalicelib.local.rebuild import main

    assert main(["--state-dir", str(tmp_path)]) == 1
    assert "No running local stack" in capsys.readouterr().out


def test_the_stack_command_reads_the_tables_parts_and_settings_from_the_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from chalicelib.core.config import FEATURE_FIELDS, deployed_fields, env_name
    from infra.stack_settings import stack_environment
    from infra.template import output_name

    # Given a stack with the mailbox and the knowledge base off, its own ranking minimum
    fields = [f for f in deployed_fields() if f not in FEATURE_FIELDS["mailbox"]]
    stack = {
        "Outputs": [{"OutputKey": output_name(f), "OutputValue": f"district-{f}"} for f in fields],
        "Parameters": [
            {"ParameterKey": "KnowledgeSearch", "ParameterValue": "off"},
            {"ParameterKey": "Mailbox", "ParameterValue": "off"},
            {"ParameterKey": "RankingMinCases", "ParameterValue": "7"},
            {"ParameterKey": "ReportSender", "ParameterValue": "reports@district.example"},
            {"ParameterKey": "MailboxAddress", "ParameterValue": "mayor@district.example"},
            {"ParameterKey": "ReplyDays", "ParameterValue": ""},
        ],
    }
    for name in [env_name(f) for f in deployed_fields()] + [
        "MINSHENG_STAGE",
        "MINSHENG_FEATURES",
        "MINSHENG_RANKING_MIN_CASES",
        "MINSHENG_REPLY_DAYS",
        "MINSHENG_REPORT_SENDER",
        "MINSHENG_MAILBOX_ADDRESS",
    ]:
        monkeypatch.setenv(name, os.environ.get(name, ""))  # put back after the test
        if name in ("MINSHENG_FEATURES", "MINSHENG_REPLY_DAYS", "MINSHENG_RANKING_MIN_CASES"):
            monkeypatch.delenv(name)
    try:
        # When the command reads it
        stack_environment(stack, "district-a")
        # Then the rebuild works on that stack's tables, with its parts and settings
        cfg = settings()
        assert cfg.stage == "district-a"
        assert cfg.appeals_table == "district-appeals_table"
        assert cfg.stats_table == "district-stats_table"
        assert not cfg.feature_on("knowledge") and not cfg.feature_on("mailbox")
        assert cfg.feature_on("wechat")  # no parameter: as the stack's default, on
        assert cfg.ranking_min_cases == 7
        assert cfg.report_sender == "reports@district.example"
        assert "MINSHENG_REPLY_DAYS" not in os.environ  # empty: the app's default
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_a_restored_table_is_copied_back_into_the_stack_table(stack: Stack) -> None:
    from infra.copy_table import copy_table

    ddb = aws("dynamodb")
    table = settings().departments_table
    # Given a restored copy of the departments table, and the stack's table with one
    # department changed and one gone since
    described = ddb.describe_table(TableName=table)["Table"]
    ddb.create_table(
        TableName=f"{table}-restored",
        KeySchema=described["KeySchema"],
        AttributeDefinitions=described["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )
    items = ddb.scan(TableName=table)["Items"]
    assert len(items) > 2
    for item in items:
        ddb.put_item(TableName=f"{table}-restored", Item=item)
    ddb.delete_item(TableName=table, Key={"id": items[0]["id"]})
    ddb.put_item(TableName=table, Item={**items[1], "name": {"S": "wrong"}})
    # When it is copied back (in more segments than it has items, as well)
    assert copy_table(ddb, f"{table}-restored", table, segments=3) == len(items)
    # Then the stack's table holds the restored items again
    key = lambda i: i["id"]["S"]  # noqa: E731
    assert sorted(ddb.scan(TableName=table)["Items"], key=key) == sorted(items, key=key)
    # and tables with other keys are refused before anything is written
    with pytest.raises(ValueError):
        copy_table(ddb, settings().stats_table, table)
