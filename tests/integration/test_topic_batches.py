"""The topics consumer writes a stream batch at once: what it counts is what counting each
record in turn counts (appeals, citizens overall and per category, each citizen once per
word and period; early warning's citizens per town or street and week), a redelivered
batch adds nothing, and a citizen marker written meanwhile by the supports' consumer is
read again rather than counted twice."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import botocore.client
import pytest

from chalicelib.figures.store import statistics as store
from chalicelib.figures.store import warnings as warnings_store
from chalicelib.figures.store.statistics import TopicRecord
from chalicelib.figures.store.warnings import PlaceRecord
from tests.integration.conftest import Stack

AT = "2026-11-27T08:00:00.000+08:00"
EXPIRES = 1801238400
WORDS = ["路灯", "暖气", "噪音", "停车", "垃圾", "积水", "漏水", "电梯"]
CATEGORIES = ["roads", "heating", "environment"]


def month(period: str, seed: int = 7, records: int = 60) -> list[TopicRecord]:
    """Records of a few citizens raising a few words in a few categories, in ``period``
    (the same draws for every period: two periods count the same month two ways)."""
    draw = random.Random(seed)
    out = []
    for index in range(records):
        citizen = f"citizen-{draw.randrange(6)}"
        words = draw.sample(WORDS, draw.randint(1, 6))
        out.append(
            TopicRecord(
                sequence=f"{period}-{index:04d}",
                category=draw.choice(CATEGORIES),
                mentions=[(period, citizen, word, EXPIRES) for word in words],
                count_appeal=draw.random() > 0.2,
            )
        )
    return out


def one_at_a_time(records: list[TopicRecord]) -> None:
    for record in records:
        store.add_topic_mentions(
            record.sequence,
            record.category,
            record.mentions,
            AT,
            count_appeal=record.count_appeal,
            consumer="topics-alone",
        )


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of items of each TransactWriteItems made meanwhile."""
    seen: list[int] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            seen.append(len(params["TransactItems"]))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return seen


def test_a_batch_counts_what_its_records_count_one_at_a_time(
    stack: Stack, transactions: list[int]
) -> None:
    one_at_a_time(month("2026-11-01"))
    alone = len(transactions)
    transactions.clear()
    batch = month("2026-11-02")
    for start in range(0, len(batch), 50):  # the consumer's batch size
        assert store.add_topic_batch(batch[start : start + 50], AT) == []
    assert store.topic_counts("2026-11-02") == store.topic_counts("2026-11-01")
    counts = store.topic_counts("2026-11-02")
    assert counts and all(c["citizens"] <= 6 for c in counts.values())
    # In a few transactions of at most 100 items, rather than one a record
    assert alone == 60 and 2 <= len(transactions) <= 10
    assert max(transactions) <= store.MAX_TRANSACTION_ITEMS
    # Delivered again, whole or in part: nothing counts twice
    assert store.add_topic_batch(batch[:50], AT) == []
    assert store.add_topic_batch(batch[10:30], AT) == []
    assert store.topic_counts("2026-11-02") == counts


def test_a_marker_written_meanwhile_is_read_again_and_its_citizen_counted_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, transactions: list[int]
) -> None:
    # What the supports' consumer writes: the citizen raised the word (no appeal counted)
    def support(period: str) -> None:
        store.add_topic_mentions(
            f"{period}-support",
            "roads",
            [(period, "citizen-0", word, EXPIRES) for word in WORDS],
            AT,
            count_appeal=False,
            consumer="support-topics",
        )

    support("2026-11-03")
    one_at_a_time(month("2026-11-03", records=20))
    # The batch reads the markers, then the support comes in before its transaction
    real = store._seen_categories
    raced: list[bool] = []

    def read_then_race(keys: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
        found = real(keys)
        if not raced:
            raced.append(True)
            support("2026-11-04")
        return found

    monkeypatch.setattr(store, "_seen_categories", read_then_race)
    transactions.clear()
    assert store.add_topic_batch(month("2026-11-04", records=20), AT) == []
    assert raced and len(transactions) >= 3  # the support's, the cancelled one, again
    assert store.topic_counts("2026-11-04") == store.topic_counts("2026-11-03")
    citizens = Counter({w: c["citizens"] for w, c in store.topic_counts("2026-11-04").items()})
    assert citizens and max(citizens.values()) <= 6


def places_month(week: str, seed: int = 11, records: int = 60) -> list[PlaceRecord]:
    draw = random.Random(seed)
    out = []
    for index in range(records):
        counts = [("word", w) for w in draw.sample(WORDS, draw.randint(1, 6))]
        if draw.random() > 0.3:
            counts.append(("category", draw.choice(CATEGORIES)))
        out.append(
            PlaceRecord(
                sequence=f"{week}-{index:04d}",
                week=week,
                place=draw.choice(["town-1", "street-2"]),
                citizen=f"citizen-{draw.randrange(6)}",
                counts=counts,
                expires=EXPIRES,
            )
        )
    return out


def place_counts(week: str) -> dict[str, dict[tuple[str, str], int]]:
    return {place: warnings_store.week_counts(week, place) for place in ("town-1", "street-2")}


def test_a_batch_counts_each_places_citizens_as_its_records_one_at_a_time(
    stack: Stack, transactions: list[int]
) -> None:
    for record in places_month("2026-W46"):
        warnings_store.add_place_mentions(
            record.sequence,
            record.week,
            record.place,
            record.citizen,
            record.counts,
            record.expires,
            AT,
            consumer="places-alone",
        )
    alone = len(transactions)
    transactions.clear()
    batch = places_month("2026-W47")
    for start in range(0, len(batch), 50):
        assert warnings_store.add_place_batch(batch[start : start + 50], AT) == []
    counts = place_counts("2026-W47")
    assert counts == place_counts("2026-W46") and all(counts.values())
    assert all(n <= 6 for found in counts.values() for n in found.values())
    assert alone == 60 and len(transactions) <= 6
    assert max(transactions) <= store.MAX_TRANSACTION_ITEMS
    # Delivered again: nothing counts twice
    assert warnings_store.add_place_batch(batch[5:40], AT) == []
    assert place_counts("2026-W47") == counts
