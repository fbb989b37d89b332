"""Counters from the stream, exactly once: a redelivered batch changes nothing, and a batch
with one failing record reports that record alone while the rest count once."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.figures.store import statistics as statistics_store
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def walk(people: People) -> None:
    """Two appeals through the loop on Thursday 26 November 2026, one of them late."""
    time = Clock(shanghai("2026-11-26T09:00:00"))
    staff = f"department:{DEPARTMENT}"
    quick, slow = people.submit()["id"], people.submit(kind="consultation")["id"]
    for appeal_id in (quick, slow):
        people.act("operator", appeal_id, "dispatch")
    time.advance(minutes=5)
    people.act(staff, quick, "sign")
    people.act(staff, quick, "contact")
    time.advance(minutes=20)  # 09:25: slow signs late
    people.act(staff, slow, "sign")
    time.advance(minutes=30)
    people.act(staff, quick, "reply")
    people.act("citizen", quick, "rating", {"score": 5, "resolved": True})
    people.act(staff, slow, "return")


EXPECTED_DEPARTMENT = {
    "dispatched": 2,
    "signed": 2,
    "signed_on_time": 1,
    "contacted": 1,
    "contacted_on_time": 1,
    "replied": 1,
    "replied_on_time": 1,
    # a return the center has not decided yet: a dispute, not (yet) a return against it
    "disputed": 1,
    "ratings": 1,
    "rating_sum": 5,
    "satisfied": 1,
    "resolved": 1,
    # slow signed at 09:25 for a 09:15 deadline, between two sweeps: still overdue; then
    # returned at 09:55, its 09:30 contact deadline passed unswept: overdue too; one order
    "overdue_orders": 1,
    "overdue_sign": 1,
    "overdue_contact": 1,
}


def counters(period: str = "2026-11-26") -> dict[str, dict[str, int]]:
    return {
        scope: {k: v for k, v in values.items() if k != "expires_at"}
        for scope, values in statistics_store.period_counters(
            period, ["platform", "intake", f"dept#{DEPARTMENT}"]
        ).items()
    }


def invoke(client: Any, records: list[dict[str, Any]]) -> Any:
    return client.lambda_.invoke("appeal_statistics", {"Records": records}).payload


def test_counters_per_department_platform_and_period(people: People) -> None:
    walk(people)
    assert invoke(people.client, stream_records()) == {"batchItemFailures": []}
    day = counters()
    assert day[f"dept#{DEPARTMENT}"] == EXPECTED_DEPARTMENT
    assert day["platform"] == {**EXPECTED_DEPARTMENT, "submitted": 2}
    assert counters("2026-W48") == day
    assert counters("2026-11") == day


def test_redelivered_batch_changes_nothing(people: People) -> None:
    # Given the stream of two appeals through the loop, counted once
    walk(people)
    records = stream_records()
    assert invoke(people.client, records) == {"batchItemFailures": []}
    once = counters()
    assert once.get(f"dept#{DEPARTMENT}") == EXPECTED_DEPARTMENT
    assert once.get("platform") == {**EXPECTED_DEPARTMENT, "submitted": 2}
    # When Lambda delivers the same batch again
    assert invoke(people.client, records) == {"batchItemFailures": []}
    # Then every counter is as the first delivery left it
    assert counters() == once


def test_one_failing_record_is_reported_alone_and_the_rest_count_once(
    people: People,
) -> None:
    walk(people)
    records = stream_records()
    broken = copy.deepcopy(records)
    failing = next(i for i, r in enumerate(records) if r["eventName"] == "MODIFY")
    broken[failing]["dynamodb"]["NewImage"]["timeline"] = {"L": [{"M": {"at": {"Q": "x"}}}]}
    result = invoke(people.client, broken)
    assert result == {
        "batchItemFailures": [{"itemIdentifier": records[failing]["dynamodb"]["SequenceNumber"]}]
    }
    partial = counters()
    assert partial[f"dept#{DEPARTMENT}"] != EXPECTED_DEPARTMENT
    # Lambda redelivers from the failed record on: this time it is whole
    assert invoke(people.client, records[failing:]) == {"batchItemFailures": []}
    assert counters()[f"dept#{DEPARTMENT}"] == EXPECTED_DEPARTMENT


def test_topics_count_accepted_appeals_once_and_never_names_or_numbers(
    people: People,
) -> None:
    Clock(shanghai("2026-11-26T09:00:00"))
    texts = [
        ("暖气不热", "家里暖气温度只有十五度，李秀英反映身份证37030319800101123X"),
        ("暖气温度太低", "家里暖气温度太低，李秀英车牌鲁C12345"),
        ("小区暖气不热", "家里暖气温度只有十五度，李秀英"),
    ]
    for n, (title, content) in enumerate(texts):  # three citizens, one appeal each
        who = f"citizen:{n}"
        people.tokens[who] = people.stack.token("citizen")
        appeal = people.submit(who, title=title, content=content, category="heating")
        people.act("operator", appeal["id"], "accept")
    people.submit(title="暖气问题", content="暖气温度低", category="heating")  # not accepted
    spam = people.submit(title="广告", content="暖气暖气暖气")["id"]
    people.act("operator", spam, "reject")
    records = stream_records()
    for _ in range(2):  # redelivered: still once
        result = people.client.lambda_.invoke("appeal_topics", {"Records": records}).payload
        assert result == {"batchItemFailures": []}
    topics = body(people.client.http.get("/public/hot-topics?period=2026-11-26"))
    top = {t["word"]: t["citizens"] for t in topics["topics"]}
    assert top["暖气"] == 3 and top["温度"] == 3
    assert "李秀英" not in top and "十五" not in top
    shown = json.dumps(topics, ensure_ascii=False)
    assert "37030319800101123X" not in shown and "C12345" not in shown
    assert {"word": "暖气", "citizens": 3, "appeals": 3} in topics["by_category"]["heating"]


def test_a_batch_is_summed_per_counter_and_shards_add_up_on_read(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the two appeals' records
    walk(people)
    records = stream_records()
    writes: list[int] = []
    original = statistics_store.client

    def counting(service: str) -> Any:
        real = original(service)

        class Counting:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def transact_write_items(self, **kwargs: Any) -> Any:
                writes.append(len(kwargs["TransactItems"]))
                return real.transact_write_items(**kwargs)

        return Counting()

    monkeypatch.setattr(statistics_store, "client", counting)
    # When half of them come one by one (each its own batch) and the rest in one batch
    half = len(records) // 2
    for record in records[:half]:
        assert invoke(people.client, [record]) == {"batchItemFailures": []}
    alone = len(writes)
    assert invoke(people.client, records[half:]) == {"batchItemFailures": []}
    # Then the batch took one transaction for all its records (their markers and the summed
    # counters), and the counters, written on several shards, read back exact
    assert len(writes) == alone + 1
    assert writes[-1] < len(records[half:]) * 4
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().stats_table)
    shards = {
        item["pk"]
        for item in table.scan()["Items"]
        if str(item["pk"]).startswith("stats#2026-11-26#platform#")
    }
    assert len(shards) > 1
    assert counters()[f"dept#{DEPARTMENT}"] == EXPECTED_DEPARTMENT


def test_counters_and_markers_written_before_the_shards_still_count(people: People) -> None:
    # Given a stack upgraded with counters, a mark and a marker in the unsharded layout
    walk(people)
    records = stream_records()
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().stats_table)
    table.put_item(Item={"pk": "stats#2026-11-26", "sk": "platform", "submitted": 5})
    table.put_item(Item={"pk": "marks#2026-W48#dept#old", "sk": "A-1", "returned": 1})
    table.put_item(Item={"pk": "dedup#statistics", "sk": records[0]["dynamodb"]["SequenceNumber"]})
    # When the stream's records arrive (the first one applied before the upgrade)
    assert invoke(people.client, records) == {"batchItemFailures": []}
    # Then the old counts add to the new ones, the old mark is listed and the first record
    # is not counted twice (it was a submission: 2 in all, 5 before)
    assert counters()["platform"]["submitted"] == 5 + 1
    assert statistics_store.marked("2026-W48", "dept#old") == {"A-1": {"returned": 1}}


def test_two_consumers_on_the_same_records_at_once_count_them_once(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda may run a batch it retries after a timeout beside the invocation still
    working on it: both read the records as not yet counted, both write, one wins."""
    import threading

    from chalicelib.local.lambda_context import LocalContext

    # Given the stream of two appeals through the loop, not yet counted
    walk(people)
    records = stream_records()
    handler = people.client._app.handler_map["appeal_statistics"]
    # (each consumer, once it has read which records were counted, waits for the other:
    # both go on to write knowing the same)
    real_applied = statistics_store._applied
    both_read = threading.Barrier(2, timeout=30)
    reads: list[set[str]] = []
    waited = threading.local()

    def applied(consumer: str, sequences: list[str]) -> set[str]:
        found = real_applied(consumer, sequences)
        reads.append(found)
        if not getattr(waited, "done", False):
            waited.done = True
            both_read.wait()
        return found

    monkeypatch.setattr(statistics_store, "_applied", applied)
    results: list[Any] = []
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            results.append(handler({"Records": records}, LocalContext("appeal_statistics")))
        except BaseException as exc:  # reported below
            errors.append(exc)

    # When two consumers run the same batch at the same moment
    threads = [threading.Thread(target=consume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results == [{"batchItemFailures": []}] * 2
    # Then every record counted once
    day = counters()
    assert day.get(f"dept#{DEPARTMENT}") == EXPECTED_DEPARTMENT
    assert day.get("platform") == {**EXPECTED_DEPARTMENT, "submitted": 2}
    # (both had read nothing counted; one transaction lost its markers' condition and read
    # again)
    assert reads[:2] == [set(), set()]
    assert len(reads) >= 3
