"""The statistics consumer's own decisions, with the store replaced by a recorder: what one
stream record hands the store (counters, marks, the consumer's name, the time), which
writes feed hot topics, with which words, citizen keys and marker expiries, and what a
附议 adds. The integration tests (tests/integration/test_statistics.py) check the store's
side; these pin ``chalicelib/figures/services/statistics.py`` call by call, which is what its
mutants change (``make mutants``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.services.activity import AppealChange
from chalicelib.core.store import reference
from chalicelib.figures.services import statistics
from chalicelib.figures.store import statistics as statistics_store

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=clock.TZ)
NOW_ISO = "2026-11-27T08:00:00.000+08:00"
CREATED = "2026-11-26T10:00:00.000+08:00"
PERIODS = ("2026-11-26", "2026-W48", "2026-11")
# When each period's citizen markers expire: 60 days after the period ends.
EXPIRES = {"2026-11-26": 1800892800, "2026-W48": 1801152000, "2026-11": 1801238400}
DUE = {
    "sign_due": "2026-11-26T09:15:00.000+08:00",
    "contact_due": "2026-11-26T09:30:00.000+08:00",
    "reply_due": "2026-11-27T09:00:00.000+08:00",
}


@pytest.fixture
def store(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[list[tuple[str, tuple[Any, ...], dict[str, Any]]]]:
    """Every call the consumer makes to the statistics store, answered as a healthy one."""
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def recorder(name: str, answer: Any) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args, kwargs))
            return answer

        return record

    monkeypatch.setattr(statistics_store, "apply_batch", recorder("apply_batch", []))
    monkeypatch.setattr(statistics_store, "apply_once", recorder("apply_once", None))
    monkeypatch.setattr(
        statistics_store, "add_topic_mentions", recorder("add_topic_mentions", True)
    )
    # No town or street in the reference data: early warning's place counts (their own
    # tests: tests/unit/test_early_warning.py) write nothing here.
    monkeypatch.setattr(reference, "places", lambda: [])
    clock.set_clock(lambda: NOW)
    yield calls
    clock.set_clock(None)


def ev(kind: str, at: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "at": at, "data": data}


OLD = [
    ev("submitted", "2026-11-26T09:00:00.000+08:00"),
    ev("dispatched", "2026-11-26T09:01:00.000+08:00", department_id="d1", deadlines=DUE),
    ev("signed", "2026-11-26T09:20:00.000+08:00"),  # late: a mark of the earlier record
]
RETURNED = ev("returned", "2026-11-26T09:25:00.000+08:00")
CHANGE = AppealChange(
    appeal_id="20261126-AAAAAAAA",
    sequence="101",
    old={"timeline": OLD},
    new={"timeline": [*OLD, RETURNED]},
)


def test_a_record_adds_its_new_events_and_marks_only(store: list[Any]) -> None:
    counted = statistics.counted(CHANGE)
    # A return is a dispute until the center decides it; the week's list names it returned
    one = Counter(disputed=1)
    assert counted == statistics_store.Counted(
        sequence="101",
        counters={(period, scope): one for period in PERIODS for scope in ("platform", "dept#d1")},
        marks={("2026-W48", "dept#d1", "20261126-AAAAAAAA"): Counter(returned=1)},
    )


def test_one_record_alone_goes_to_the_store_as_the_statistics_consumer(store: list[Any]) -> None:
    statistics.count_change(CHANGE)
    assert store == [("apply_once", ("statistics", statistics.counted(CHANGE), NOW_ISO), {})]


def test_a_batch_goes_to_the_store_at_once(store: list[Any]) -> None:
    assert statistics.count_changes([CHANGE, CHANGE]) == []
    counted = statistics.counted(CHANGE)
    assert store == [("apply_batch", ("statistics", [counted, counted], NOW_ISO), {})]


def test_chinese_characters_are_the_unified_block_ends_included() -> None:
    assert statistics._is_cjk("一\u9fff")
    assert not statistics._is_cjk("ab")
    assert not statistics._is_cjk("路a")


def test_a_two_character_name_is_a_name() -> None:
    assert statistics._is_name("王五", ["王五"])
    assert statistics._is_name("建国", ["王建国"])
    assert not statistics._is_name("暖气", ["王五", "李"])


def test_topic_words_most_frequent_first_and_at_most_the_limit() -> None:
    text = "小区积水，路灯不亮，路灯闪烁，路灯坏了"
    assert statistics.topic_words(text) == ["路灯", "小区", "积水", "灯不亮", "闪烁"]
    assert statistics.topic_words(text, limit=2) == ["路灯", "小区"]


def test_after_a_compound_surname_only_a_short_word_is_taken_for_the_given_name() -> None:
    assert statistics.topic_words("欧阳停车场收费太贵") == ["停车场", "收费"]


def test_the_citizen_key_is_a_fixed_one_way_digest() -> None:
    key = statistics.citizen_key("2026-11-26", "c-1")
    assert key == "50b0dbc9f8d3094dd0717a73661439da"
    assert statistics.citizen_key("2026-11-27", "c-1") != key


@pytest.mark.parametrize(
    ("appeal", "names"),
    [
        ({"contact": {"name": "王建国"}}, ["王建国"]),
        ({"contact": {"name": ""}}, []),
        ({"contact": "王建国"}, []),
        ({"contact": None}, []),
        ({}, []),
    ],
)
def test_the_names_an_appeal_records(appeal: dict[str, Any], names: list[str]) -> None:
    assert statistics._names(appeal) == names


def change(old: list[dict[str, Any]], new: list[dict[str, Any]], **appeal: Any) -> AppealChange:
    body = {"created_at": CREATED, "title": "", "content": "", **appeal}
    return AppealChange(
        "20261126-BBBBBBBB", "202", {**body, "timeline": old}, {**body, "timeline": new}
    )


SUBMITTED = [ev("submitted", CREATED)]


@pytest.mark.parametrize(
    ("added", "vetted"),
    [
        (ev("accepted", CREATED), True),
        (ev("dispatched", CREATED, accepted=True), True),  # accepted and dispatched at once
        (ev("replied", CREATED, accepted=True), True),  # the center's answer, accepting
        (ev("dispatched", CREATED), False),  # a re-dispatch: accepted long before
        (ev("escalated", CREATED, accepted=True), False),
        (ev("rejected", CREATED), False),
    ],
)
def test_only_the_write_that_accepts_the_appeal_feeds_hot_topics(
    added: dict[str, Any], vetted: bool
) -> None:
    assert statistics._vetted(change(SUBMITTED, [*SUBMITTED, added])) is vetted


def test_an_acceptance_written_earlier_is_not_counted_again() -> None:
    accepted = [*SUBMITTED, ev("accepted", CREATED)]
    assert not statistics._vetted(change(accepted, [*accepted, ev("escalated", CREATED)]))


def test_an_accepted_appeal_s_words_count_for_its_citizen_in_each_period(store: list[Any]) -> None:
    accepted = change(
        SUBMITTED,
        [*SUBMITTED, ev("accepted", CREATED)],
        title="路灯不亮",
        content="建国反映小区暖气不热",
        contact={"name": "王建国"},  # his given name is no topic
        category="roads",
        citizen_id="c-1",
    )
    assert statistics.count_topics(accepted) is True
    words = ["灯不亮", "小区", "暖气", "不热"]
    mentions = [
        (period, statistics.citizen_key(period, "c-1"), word, EXPIRES[period])
        for period in PERIODS
        for word in words
    ]
    assert store == [("add_topic_mentions", ("202", "roads", mentions, NOW_ISO), {})]


def test_an_appeal_without_a_citizen_or_category_counts_as_itself_uncategorised(
    store: list[Any],
) -> None:
    accepted = change(SUBMITTED, [*SUBMITTED, ev("accepted", CREATED)], content="路灯不亮")
    assert statistics.count_topics(accepted) is True
    (name, (sequence, category, mentions, at), kwargs) = store[0]
    assert (name, sequence, category, at, kwargs) == (
        "add_topic_mentions",
        "202",
        "uncategorised",
        NOW_ISO,
        {},
    )
    assert {m[1] for m in mentions} == {
        statistics.citizen_key(p, "appeal:20261126-BBBBBBBB") for p in PERIODS
    }


@pytest.mark.parametrize(
    "record",
    [
        AppealChange("20261126-BBBBBBBB", "203", {"timeline": SUBMITTED}, None),  # removed
        change(SUBMITTED, [*SUBMITTED, ev("escalated", CREATED)], content="路灯不亮"),
    ],
)
def test_other_writes_count_no_topic_and_are_done(store: list[Any], record: AppealChange) -> None:
    assert statistics.count_topics(record) is True
    assert store == []


def test_a_support_counts_its_citizen_among_those_raising_the_words(
    store: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.store import appeals as appeal_store

    supported = SimpleNamespace(
        title="路灯不亮",
        content="建国反映小区暖气不热",
        contact={"name": "王建国"},
        category="roads",
    )
    asked: list[str] = []
    monkeypatch.setattr(appeal_store, "get", lambda i: asked.append(i) or supported)
    assert statistics.count_support("20261126-CCCCCCCC", "c-2", CREATED, "301") is True
    assert asked == ["20261126-CCCCCCCC"]
    words = ["灯不亮", "小区", "暖气", "不热"]
    mentions = [
        (period, statistics.citizen_key(period, "c-2"), word, EXPIRES[period])
        for period in PERIODS
        for word in words
    ]
    assert store == [
        (
            "add_topic_mentions",
            ("301", "roads", mentions, NOW_ISO),
            {"count_appeal": False, "consumer": "support-topics"},
        )
    ]


def test_a_support_of_an_appeal_without_contact_or_category(
    store: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.store import appeals as appeal_store

    supported = SimpleNamespace(title="建国", content="反映暖气", contact=None, category=None)
    monkeypatch.setattr(appeal_store, "get", lambda _i: supported)
    assert statistics.count_support("20261126-CCCCCCCC", "c-2", CREATED, "302") is True
    (_, (_, category, mentions, _), _) = store[0]
    assert category == "uncategorised"
    assert {m[2] for m in mentions} == {"建国", "暖气"}  # no contact: no name to leave out


def test_a_support_of_an_appeal_gone_counts_nothing(
    store: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.store import appeals as appeal_store

    monkeypatch.setattr(appeal_store, "get", lambda _i: None)
    assert statistics.count_support("20261126-CCCCCCCC", "c-2", CREATED, "303") is True
    assert store == []
