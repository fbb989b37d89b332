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


def topic_words(text: str, limit: int = MAX_TOPIC_WORDS) -> list[str]:
    """The appeal's distinct content words, most frequent first: two characters or more,
    no stop words, no numbers or punctuation."""
    segmenter = _segmenter()
    stop = _stop_words()
    counts: Counter[str] = Counter(
        word.strip()
        for word in segmenter.cut(text)  # type: ignore[attr-defined]
        if len(word.strip()) >= 2
        and word.strip() not in stop
        and any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word)
        and not word.strip().isdigit()
        and not set(word.strip()) <= _NUMERALS
    )
    return [word for word, _ in counts.most_common(limit)]


def count_topics(change: AppealChange) -> bool:
    """A new appeal's words, counted once each in its category and periods."""
    if change.old is not None or change.new is None:
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
