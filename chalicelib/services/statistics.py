"""Stream consumers for derived data: counters per department and period, and topic counts.
Each record counts exactly once: its updates and its dedup marker are one atomic write."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from importlib import resources

from chalicelib.dal import stats as stats_store
from chalicelib.domain import clock
from chalicelib.domain.periods import periods_of_iso
from chalicelib.domain.stats import increments
from chalicelib.services.activity import AppealChange

MAX_TOPIC_WORDS = 15  # per appeal: keeps a record's topic updates within one transaction
UNCATEGORISED = "uncategorised"
_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿几第")
WORD_FREQ = 2000  # high enough for district words to win over the general dictionary


def count_change(change: AppealChange) -> bool:
    """Add the change's new events to the counters. False when the record was counted
    before (a redelivery)."""
    updates = [
        (f"stats#{period}", scope, amounts)
        for (period, scope), amounts in sorted(increments(change.old, change.new).items())
    ]
    return stats_store.apply_once("statistics", change.sequence, updates, clock.iso(clock.now()))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    text = resources.files("chalicelib.data").joinpath("stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def _segmenter() -> object:
    """rjieba, taught the district's own place names and category keywords (imported here:
    only the topics consumer pays for it)."""
    import rjieba

    from chalicelib.data import district

    data = district()
    for unit in data["towns_and_streets"]:
        rjieba.add_word(unit["name"], WORD_FREQ, None)
        rjieba.add_word(unit["name"].removesuffix("街道").removesuffix("镇"), WORD_FREQ, None)
    for category in data["categories"]:
        for keyword in category.get("keywords", []):
            rjieba.add_word(keyword, WORD_FREQ, None)
    return rjieba


# Parts of speech that can make a topic: nouns (not personal names), verbs, adjectives,
# idioms and abbreviations. Names, numbers, measure words, letters and symbols never can.
_TOPIC_TAGS = ("n", "v", "a", "l", "i", "j")
_NOT_TOPIC_TAGS = ("nr",)


def _is_cjk(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def topic_words(text: str, limit: int = MAX_TOPIC_WORDS) -> list[str]:
    """The appeal's distinct content words, most frequent first: two or more Chinese
    characters, no stop words, and never a personal name, number, plate, id or address
    in Latin letters or digits (those could single out a person)."""
    segmenter = _segmenter()
    stop = _stop_words()
    counts: Counter[str] = Counter(
        word
        for word, tag in segmenter.tag(text)  # type: ignore[attr-defined]
        if len(word) >= 2
        and _is_cjk(word)
        and word not in stop
        and not set(word) <= _NUMERALS
        and tag.startswith(_TOPIC_TAGS)
        and not tag.startswith(_NOT_TOPIC_TAGS)
    )
    return [word for word, _ in counts.most_common(limit)]


def _vetted(change: AppealChange) -> bool:
    """True for the one write in which the center (or auto-dispatch) first accepts the
    appeal: rejected, merged or never-handled appeals never feed hot topics."""
    old = list((change.old or {}).get("timeline") or [])
    new = list((change.new or {}).get("timeline") or [])
    return any(
        e.get("type") == "accepted"
        or (e.get("type") == "dispatched" and (e.get("data") or {}).get("accepted"))
        for e in new[len(old) :]
    )


def count_topics(change: AppealChange) -> bool:
    """An accepted appeal's words, counted once each in its category and the periods of its
    submission."""
    if change.new is None or not _vetted(change):
        return True
    new = change.new
    words = topic_words(f"{new.get('title', '')}\n{new.get('content', '')}")
    category = str(new.get("category") or UNCATEGORISED)
    updates = [
        (f"topics#{period}", f"{category}#{word}", Counter(appeals=1))
        for period in periods_of_iso(str(new["created_at"]))
        for word in words
    ]
    return stats_store.apply_once("topics", change.sequence, updates, clock.iso(clock.now()))
