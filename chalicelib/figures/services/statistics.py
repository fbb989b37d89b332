"""Stream consumers for derived data: counters per department and period, and topic counts.
Each record counts exactly once: its updates and its dedup marker are one atomic write."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.periods import period_end, periods_of_iso
from chalicelib.core.services.activity import AppealChange
from chalicelib.core.services.segmenter import segmenter as _segmenter
from chalicelib.figures.domain.statistics import UNCATEGORISED, accepted_in, increments, marks
from chalicelib.figures.store import statistics as statistics_store

# Per appeal. A record's topic transaction holds its dedup marker and, for each of the
# three periods (day, week, month) and each word, the word's counters and the citizen's
# marker: 1 + 3 x 15 x 2 = 91 items, within DynamoDB's 100.
MAX_TOPIC_WORDS = 15
# How long a citizen's topic marker outlives its period: an appeal counts in the periods of
# its submission once accepted, which may come this much later.
TOPIC_MARKER_GRACE = timedelta(days=60)
_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿几第")


def counted(change: AppealChange) -> statistics_store.Counted:
    """What one stream record adds: the domain's increments (counters per period and
    scope) and marks (the appeal named in a department's weekly lists)."""
    return statistics_store.Counted(
        sequence=change.sequence,
        counters=increments(change.old, change.new),
        marks={
            (period, scope, change.appeal_id): amounts
            for (period, scope), amounts in marks(change.old, change.new).items()
        },
    )


def count_changes(changes: list[AppealChange]) -> list[str]:
    """Add a batch's new events to the counters, each record exactly once (a redelivered
    one adds nothing), the batch's increments summed per counter before they are written.
    Returns the sequence numbers that could not be written."""
    return statistics_store.apply_batch(
        "statistics", [counted(change) for change in changes], clock.iso(clock.now())
    )


def count_change(change: AppealChange) -> None:
    """One record alone (see ``count_changes``)."""
    statistics_store.apply_once("statistics", counted(change), clock.iso(clock.now()))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    text = resources.files("chalicelib.data").joinpath("stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def _compound_surnames() -> dict[str, bool]:
    """Compound surname -> whether it is also an everyday word (see the data file)."""
    text = resources.files("chalicelib.data").joinpath("compound_surnames.txt")
    out: dict[str, bool] = {}
    for line in text.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, flag = line.partition(" ")
            out[name.strip()] = flag.strip() == "*"
    return out


# Parts of speech that can make a topic: nouns (not personal names), verbs, adjectives,
# idioms and abbreviations. Names, numbers, measure words, letters and symbols never can.
_TOPIC_TAGS = ("n", "v", "a", "l", "i", "j")
_NOT_TOPIC_TAGS = ("nr",)


def _is_cjk(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def _is_name(word: str, names: Iterable[str]) -> bool:
    """True for a word that is, starts with or is part of a person's name: a compound
    surname (with or without its given name), or one of ``names`` (two characters or
    more of it)."""
    if any(word.startswith(surname) for surname in _compound_surnames()):
        return True
    return any(len(name) >= 2 and (word in name or name in word) for name in names)


def topic_words(text: str, limit: int = MAX_TOPIC_WORDS, names: Iterable[str] = ()) -> list[str]:
    """The appeal's distinct content words, most frequent first: two or more Chinese
    characters, no stop words, and never a personal name (tagged so, with a compound
    surname, or one of ``names``), number, plate, id or address in Latin letters or digits
    (those could single out a person)."""
    segmenter = _segmenter()
    stop = _stop_words()
    surnames = _compound_surnames()
    known = [name for name in names if name]
    counts: Counter[str] = Counter()
    given_name_next = False
    for word, tag in segmenter.tag(text):  # type: ignore[attr-defined]
        after_surname, given_name_next = given_name_next, surnames.get(word) is False
        if after_surname and len(word) <= 2 and _is_cjk(word):
            continue  # the given name after a compound surname the segmenter split off
        if (
            len(word) >= 2
            and _is_cjk(word)
            and word not in stop
            and not set(word) <= _NUMERALS
            and tag.startswith(_TOPIC_TAGS)
            and not tag.startswith(_NOT_TOPIC_TAGS)
            and not _is_name(word, known)
        ):
            counts[word] += 1
    return [word for word, _ in counts.most_common(limit)]


def citizen_key(period: str, citizen_id: str) -> str:
    """What the topic markers keep of a citizen: a one-way key, different in every period,
    so the derived data neither holds the id nor links one person across periods."""
    digest = hashlib.sha256(f"minsheng-topics\0{period}\0{citizen_id}".encode())
    return digest.hexdigest()[:32]


def _names(appeal: dict[str, Any]) -> list[str]:
    contact = appeal.get("contact") or {}
    return [str(contact["name"])] if isinstance(contact, dict) and contact.get("name") else []


def _vetted(change: AppealChange) -> bool:
    """Rejected, merged or never-handled appeals never feed hot topics."""
    return accepted_in(change.old, change.new)


def _topic_words(change: AppealChange) -> tuple[list[str], str, str] | None:
    """An accepted appeal's words, category and citizen (None: it feeds no topic, as a
    rejected, merged or never-handled one, or the center's own work order, 主动治理)."""
    if change.new is None or not _vetted(change):
        return None
    new = change.new
    if new.get("channel") == "proactive":
        return None  # the center's own work order: no citizen raised it
    text = f"{new.get('title', '')}\n{new.get('content', '')}"
    words = topic_words(text, names=_names(new))
    category = str(new.get("category") or UNCATEGORISED)
    citizen = str(new.get("citizen_id") or f"appeal:{change.appeal_id}")
    return words, category, citizen


def _topic_record(
    change: AppealChange, words: list[str], category: str, citizen: str
) -> statistics_store.TopicRecord:
    created = str((change.new or {})["created_at"])
    mentions = [
        (
            period,
            citizen_key(period, citizen),
            word,
            int((period_end(period) + TOPIC_MARKER_GRACE).timestamp()),
        )
        for period in periods_of_iso(created)
        for word in words
    ]
    return statistics_store.TopicRecord(change.sequence, category, mentions)


def count_topics(change: AppealChange) -> bool:
    """An accepted appeal's words, counted in its category and the periods of its
    submission: once per appeal, and once per citizen who raised the word in the period
    (a topic is shown only when enough different citizens did)."""
    found = _topic_words(change)
    if found is None:
        return True
    words, category, citizen = found
    from chalicelib.figures.services import warnings

    # Early warning's counts by town or street: a write of their own, with their own
    # dedup marker (a record retried after one of the two writes adds only the other).
    placed = warnings.count_places(change, words, citizen)
    record = _topic_record(change, words, category, citizen)
    counted = statistics_store.add_topic_mentions(
        record.sequence, record.category, record.mentions, clock.iso(clock.now())
    )
    return counted and placed


def count_topics_batch(changes: list[AppealChange]) -> list[str]:
    """A stream batch's topics and early warning's counts by town or street, each record
    counted as ``count_topics`` counts it, in stream order, each of the two with the
    batch's markers read together and its counts written a chunk of records a transaction
    (``add_topic_batch``, ``add_place_batch``). Returns the sequence numbers not counted
    (a record whose words could not be worked out, or that either write left out)."""
    from chalicelib.core.observability import logger
    from chalicelib.figures.services import warnings
    from chalicelib.figures.store import warnings as warnings_store

    failed: list[str] = []
    topics: list[statistics_store.TopicRecord] = []
    places: list[warnings_store.PlaceRecord] = []
    for change in changes:
        try:
            found = _topic_words(change)
            if found is None:
                continue
            words, category, citizen = found
            place = warnings.place_record(change, words, citizen)
            topic = _topic_record(change, words, category, citizen)
        except Exception:
            logger.exception("topics not worked out", extra={"appeal_id": change.appeal_id})
            failed.append(change.sequence)
            continue
        if place is not None:
            places.append(place)
        topics.append(topic)
    at = clock.iso(clock.now())
    failed += warnings_store.add_place_batch(places, at)
    failed += statistics_store.add_topic_batch(topics, at)
    order = {change.sequence: index for index, change in enumerate(changes)}
    return sorted(set(failed), key=order.__getitem__)


def count_support(appeal_id: str, citizen_id: str, at: str, sequence: str) -> bool:
    """A citizen's 附议 counts them among the citizens raising the appeal's words, in the
    periods of the day they supported it (never a second appeal: the appeal is counted
    once, when accepted). Withdrawing keeps the count: they did raise it."""
    from chalicelib.core.store import appeals as appeal_store

    appeal = appeal_store.get(appeal_id)
    if appeal is None:
        return True
    contact = {"contact": appeal.contact} if appeal.contact else {}
    words = topic_words(f"{appeal.title}\n{appeal.content}", names=_names(contact))
    mentions = [
        (
            period,
            citizen_key(period, citizen_id),
            word,
            int((period_end(period) + TOPIC_MARKER_GRACE).timestamp()),
        )
        for period in periods_of_iso(at)
        for word in words
    ]
    return statistics_store.add_topic_mentions(
        sequence,
        str(appeal.category or UNCATEGORISED),
        mentions,
        clock.iso(clock.now()),
        count_appeal=False,
        consumer="support-topics",
    )
