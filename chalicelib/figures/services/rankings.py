"""Rankings refresh (every 15 minutes) and the public figures: boards, statistics and hot
topics, all from the derived data, never from a scan of appeals."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import REJECT_REASONS, TRANSFER_TARGETS, Channel, Kind
from chalicelib.core.domain.periods import current_and_previous, granularity, parse_period
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.observability import logger
from chalicelib.core.store import reference
from chalicelib.figures.domain.rankings import BOARDS, board, rates, ratio
from chalicelib.figures.domain.statistics import INTAKE, KNOWLEDGE, PLATFORM, department_scope
from chalicelib.figures.store import statistics as statistics_store

# A word must come from this many different citizens (in accepted appeals) before it is
# shown: one or two people are no topic, and could be recognised; one person filing again
# and again makes no topic either.
HOT_TOPIC_MIN_CITIZENS = 3

# Public boards are kept in the process this long (the same as the responses'
# Cache-Control max-age), for this many periods at most: repeated anonymous calls cost no
# DynamoDB request, and a flood of distinct periods cannot grow memory.
PUBLIC_CACHE_SECONDS = 60
PUBLIC_CACHE_PERIODS = 64
_boards: OrderedDict[str, tuple[float, dict[str, dict[str, Any]]]] = OrderedDict()
_boards_lock = threading.Lock()


def clear_cache() -> None:
    with _boards_lock:
        _boards.clear()


def build_boards(period: str, departments: dict[str, str]) -> dict[str, dict[str, Any]]:
    counters = statistics_store.period_counters(
        period, [PLATFORM, *(department_scope(d) for d in departments)]
    )
    by_department = {d: counters.get(department_scope(d), {}) for d in departments}
    at = clock.iso(clock.now())
    platform = counters.get(PLATFORM, {})
    return {
        name: {
            "period": period,
            "granularity": granularity(period).value,
            "board": name,
            "generated_at": at,
            "min_cases": settings().ranking_min_cases,
            "platform": {**platform, **rates(platform)},
            "entries": board(name, departments, by_department, settings().ranking_min_cases),
        }
        for name in BOARDS
    }


def _departments() -> dict[str, str]:
    return {d.id: d.name for d in reference.list_departments() if d.active}


def _public_boards(period: str) -> dict[str, dict[str, Any]]:
    """The four boards of ``period``: the stored snapshots, or for a period no refresh has
    covered (older than the previous month, or a day long past) computed from its counters
    (still never from appeals). Either way kept for ``PUBLIC_CACHE_SECONDS``."""
    now = time.monotonic()
    with _boards_lock:
        hit = _boards.get(period)
        if hit is not None and now - hit[0] < PUBLIC_CACHE_SECONDS:
            _boards.move_to_end(period)
            return hit[1]
    stored = statistics_store.snapshots(period)
    if not stored:
        stored = build_boards(period, reference.active_department_names())
    with _boards_lock:
        _boards[period] = (now, stored)
        _boards.move_to_end(period)
        while len(_boards) > PUBLIC_CACHE_PERIODS:
            _boards.popitem(last=False)
    return stored


def refresh(at: datetime | None = None) -> dict[str, int]:
    """Snapshots of the four boards for the current and previous day, week and month."""
    moment = at or clock.now()
    departments = _departments()
    periods = current_and_previous(moment)
    written = 0
    for period in periods:
        for name, snapshot in build_boards(period, departments).items():
            statistics_store.put_snapshot(period, name, snapshot, clock.iso(moment))
            written += 1
    clear_cache()  # this process serves the new snapshots at once (the local stack)
    logger.info("rankings refreshed", extra={"periods": periods, "snapshots": written})
    return {"periods": len(periods), "snapshots": written}


def public_rankings(period_text: str | None, board_name: str | None) -> dict[str, Any]:
    period = parse_period(period_text)
    if board_name is not None and board_name not in BOARDS:
        raise ValidationFailed.one("board", "must be one of: " + ", ".join(BOARDS))
    stored = _public_boards(period)
    names = [board_name] if board_name else list(BOARDS)
    return {"period": period, "boards": [stored[name] for name in names if name in stored]}


def public_stats(period_text: str | None) -> dict[str, Any]:
    period = parse_period(period_text)
    found = statistics_store.counters_of(
        [(period, PLATFORM), (period, INTAKE), (period, KNOWLEDGE)]
    )
    counters, intake = found[(period, PLATFORM)], found[(period, INTAKE)]
    return {
        # The knowledge base's share: consultations the center answered itself (直办), and
        # answers citizens said made an appeal unnecessary.
        "knowledge": {
            "center_replied": counters.get("center_replied", 0),
            "deflected": found[(period, KNOWLEDGE)].get("deflected", 0),
        },
        "period": period,
        "granularity": granularity(period).value,
        "counters": counters,
        "rates": {
            **rates(counters),
            # 派单准确率: dispatches not upheld as disputes / dispatches (the platform's).
            "dispatch_accuracy": ratio(
                counters.get("dispatched", 0) - counters.get("disputes_upheld", 0),
                counters.get("dispatched", 0),
            ),
        },
        # Submissions by the channel they came in on and by kind (as submitted).
        "channels": {c.value: intake.get(f"channel:{c.value}", 0) for c in Channel},
        "kinds": {k.value: intake.get(f"kind:{k.value}", 0) for k in Kind},
        # 即时转办 per target and 不予受理 per reason code (the center's other outcomes).
        "transfers": {t: counters.get(f"transferred:{t}", 0) for t in TRANSFER_TARGETS},
        "rejections": {r: counters.get(f"rejected:{r}", 0) for r in REJECT_REASONS},
        # 回访 and 差评审核: the calls after replies, and the ratings taken out of the rates.
        "callbacks": {
            "made": counters.get("callbacks", 0),
            "reached": counters.get("callbacks_reached", 0),
        },
        "ratings_excluded": counters.get("ratings_excluded", 0),
    }


def _ranked(rows: list[tuple[str, int, int]], limit: int) -> list[dict[str, Any]]:
    """(word, citizens, appeals) shown when enough citizens raised them, most citizens
    first, then most appeals."""
    shown = sorted(
        (row for row in rows if row[1] >= HOT_TOPIC_MIN_CITIZENS),
        key=lambda row: (-row[1], -row[2], row[0]),
    )[:limit]
    return [{"word": w, "citizens": c, "appeals": a} for w, c, a in shown]


def hot_topics(period_text: str | None, category: str | None, limit: int) -> dict[str, Any]:
    period = parse_period(period_text)
    counts = statistics_store.topic_counts(period)
    by_category: dict[str, list[tuple[str, int, int]]] = {}
    for word, c in counts.items():
        for name in c:
            if name.startswith("citizens@"):
                code = name.removeprefix("citizens@")
                by_category.setdefault(code, []).append(
                    (word, c[name], c.get(f"appeals@{code}", 0))
                )
    if category is not None:
        overall = by_category.get(category, [])
        by_category = {category: overall}
    else:
        overall = [(w, c.get("citizens", 0), c.get("appeals", 0)) for w, c in counts.items()]
    return {
        "period": period,
        "topics": _ranked(overall, limit),
        "by_category": {
            code: words for code, rows in sorted(by_category.items()) if (words := _ranked(rows, 5))
        },
    }


def daily_volume(month_text: str | None) -> dict[str, Any]:
    """Appeals received and replied on each day of a month so far (the dashboard's chart):
    the platform's day counters, one BatchGetItem."""
    from datetime import date, timedelta

    today = clock.now().date()
    month = month_text or today.strftime("%Y-%m")
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise ValidationFailed.one("month", "must be YYYY-MM") from exc
    days = []
    day = first
    while day.month == first.month and day <= today:
        days.append(day.isoformat())
        day += timedelta(days=1)
    counters = statistics_store.platform_counters_of(days)
    return {
        "month": month,
        "days": [
            {
                "date": d,
                "submitted": counters[d].get("submitted", 0),
                "replied": counters[d].get("replied", 0),
            }
            for d in days
        ],
    }
