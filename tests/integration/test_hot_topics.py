"""Hot topics from the stream: a word is public only once three different citizens raised
it, each counted once however often they file and however often a record is redelivered;
no person's name is ever shown, and no citizen id is stored in the clear."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import Clock, People, shanghai
from tests.integration.test_events import stream_records


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def file(people: People, citizen: str, content: str, category: str = "heating") -> str:
    """An appeal by ``citizen`` (a name for a separate signed-in user), accepted."""
    if citizen not in people.tokens:
        people.tokens[citizen] = people.stack.token("citizen")
    appeal = people.submit(citizen, title="反映问题", content=content, category=category)
    assert people.act("operator", appeal["id"], "accept").status_code == 200
    return str(appeal["id"])


def count_topics(people: People, times: int = 2) -> None:
    records = stream_records()
    for _ in range(times):  # redelivered: still once
        result = people.client.lambda_.invoke("appeal_topics", {"Records": records}).payload
        assert result == {"batchItemFailures": []}


def hot(people: People, query: str = "") -> dict[str, Any]:
    return dict(body(people.client.http.get(f"/public/hot-topics?period=2026-11-26{query}")))


def words(topics: dict[str, Any]) -> dict[str, int]:
    return {t["word"]: t["citizens"] for t in topics["topics"]}


def test_one_citizen_filing_three_times_makes_no_topic(people: People) -> None:
    for _ in range(3):
        file(people, "citizen:a", "家里暖气温度太低")
    count_topics(people)
    assert "暖气" not in json.dumps(hot(people), ensure_ascii=False)


def test_three_citizens_make_a_topic_each_counted_once(people: People) -> None:
    # Given citizen a files three times, b twice (once in another category), c once
    for _ in range(3):
        file(people, "citizen:a", "家里暖气温度太低")
    file(people, "citizen:b", "暖气温度太低")
    file(people, "citizen:b", "楼道暖气管道漏水", category="water-supply")
    count_topics(people)
    # Then two citizens are no topic yet
    assert "暖气" not in words(hot(people))
    # When a third citizen raises it
    file(people, "citizen:c", "暖气不热")
    count_topics(people)
    topics = hot(people)
    # Then it is a topic of three citizens overall and in heating, of six and five appeals
    assert {"word": "暖气", "citizens": 3, "appeals": 6} in topics["topics"]
    assert {"word": "暖气", "citizens": 3, "appeals": 5} in topics["by_category"]["heating"]
    assert "water-supply" not in topics["by_category"]  # one citizen there
    assert words(hot(people, "&category=heating"))["暖气"] == 3
    assert "温度" not in words(topics)  # a, b only


def test_names_with_compound_surnames_never_appear(people: People) -> None:
    for citizen in ("a", "b", "c"):
        file(people, f"citizen:{citizen}", "欧阳娜娜反映小区暖气不热，长孙无忌也反映")
    count_topics(people)
    topics = hot(people)
    assert words(topics)["暖气"] == 3
    shown = json.dumps(topics, ensure_ascii=False)
    for name in ("欧阳", "娜娜", "长孙", "无忌"):
        assert name not in shown


def test_no_citizen_id_is_stored_in_the_clear(people: People, stack: Stack) -> None:
    ids = [file(people, f"citizen:{c}", "家里暖气温度太低") for c in "abc"]
    count_topics(people)
    citizens = {
        item["citizen_id"]["S"]
        for item in stack.items(settings().appeals_table)
        if item.get("id", {}).get("S") in ids
    }
    assert len(citizens) == 3
    stored = json.dumps(stack.items(settings().stats_table), ensure_ascii=False)
    assert "暖气" in stored
    for citizen_id in citizens:
        assert citizen_id not in stored
