"""The monthly bulletin (月度通报): each unit's month next to the month before, the units
ranked on the three rates with the minimum-cases rule, and how each figure is shown.
Pure: the counters come in, rows come out.

Ranking: a unit's score (综合得分) weighs the three rates as 接诉即办 assessments commonly
do (Beijing's weights): response rate 10 %, resolution rate 45 %, satisfaction rate 45 %
(0–100 points); ``WEIGHTS`` is the one place to change them. A
unit is ranked only with at least ``min_cases`` work orders dispatched and ``min_cases``
ratings in the month (the public boards' rule for each rate's base); the rest are listed
after the ranked ones, by name, without a rank. Ties share a rank (1, 2, 2, 4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain.rankings import rates, ratio
from chalicelib.figures.domain.reports import percent

MONTHLY = "monthly"
FIRST_YEAR = 2000  # no bulletin before (its month before must be a calendar date)
WEIGHTS = {"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45}
TOWN_KINDS = frozenset({"town", "street"})
_MONTH = re.compile(r"\A(\d{4})-(\d{2})\Z", re.ASCII)

# (key, label, kind): a count, a rate (0–1, shown in percent, its change in points) or
# the score (0–100 points). The units' columns, in the order shown.
UNIT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("score", "综合得分", "score"),
    ("dispatched", "派单", "count"),
    ("replied", "答复", "count"),
    ("on_time_completion_rate", "按期办结率", "rate"),
    ("response_rate", "响应率", "rate"),
    ("resolution_rate", "解决率", "rate"),
    ("satisfaction_rate", "满意率", "rate"),
    ("overdue_orders", "超期", "count"),
    ("returned", "退回", "count"),
    ("disputed", "派单异议", "count"),
    ("urged", "催办", "count"),
    ("ratings_excluded", "剔除评价", "count"),
    ("knowledge_updated", "知识库更新", "count"),
    ("knowledge_review_due", "逾期未复核", "count"),
)
# The platform's figures, in the order shown (the same counters and rates as
# ``GET /public/stats`` of the month).
PLATFORM_ROWS: tuple[tuple[str, str, str], ...] = (
    ("submitted", "受理诉求", "count"),
    ("dispatched", "派单", "count"),
    ("replied", "答复", "count"),
    ("on_time_completion_rate", "按期办结率", "rate"),
    ("response_rate", "响应率", "rate"),
    ("resolution_rate", "解决率", "rate"),
    ("satisfaction_rate", "满意率", "rate"),
    ("overdue_orders", "超期工单", "count"),
    ("returned", "退回（异议被驳回）", "count"),
    ("disputed", "派单异议", "count"),
    ("disputes_upheld", "异议成立", "count"),
    ("dispatch_accuracy", "派单准确率", "rate"),
    ("urged", "催办", "count"),
    ("ratings_excluded", "剔除评价", "count"),
    ("center_replied", "中心直办", "count"),
    ("deflected", "自助解答", "count"),
    ("knowledge_updated", "知识库更新", "count"),
    ("knowledge_review_due", "逾期未复核", "count"),
)


def parse_month(text: str | None, now: datetime, field: str = "month") -> str:
    """A month no later than this one (Asia/Shanghai); last month when none is given."""
    local = now.astimezone(clock.TZ)
    this_month = (local.year, local.month)
    if not text:
        return month_before(now)
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < FIRST_YEAR:
        raise ValidationFailed.one(field, f"must be a month YYYY-MM from {FIRST_YEAR}")
    if (int(match[1]), int(match[2])) > this_month:
        raise ValidationFailed.one(field, "must not be in the future")
    return text


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def month_before(moment: datetime) -> str:
    """The month before the one ``moment`` is in (Asia/Shanghai): what the 1st sends."""
    return previous_month(moment.astimezone(clock.TZ).strftime("%Y-%m"))


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def month_days(month: str) -> tuple[date, date]:
    """The first day of ``month`` and the first day of the next."""
    year, number = (int(part) for part in month.split("-"))
    following = date(year + number // 12, number % 12 + 1, 1)
    return date(year, number, 1), following


def figures(counters: Mapping[str, int], extra: Mapping[str, int]) -> dict[str, Any]:
    """A unit's (or the platform's) figures of one month: its counters, its rates and
    score, and the ``extra`` counts kept elsewhere (the knowledge base)."""
    shown: dict[str, Any] = {name: int(n) for name, n in counters.items()}
    shown.update({name: int(n) for name, n in extra.items()})
    shown.update(rates(counters))
    shown["dispatch_accuracy"] = ratio(
        counters.get("dispatched", 0) - counters.get("disputes_upheld", 0),
        counters.get("dispatched", 0),
    )
    shown["score"] = score(shown)
    return shown


def score(shown: Mapping[str, Any]) -> float | None:
    """The weighted three rates in points (0–100, one decimal); None without all three."""
    values = [shown.get(name) for name in WEIGHTS]
    if any(v is None for v in values):
        return None
    return round(100 * sum(WEIGHTS[n] * float(shown[n]) for n in WEIGHTS), 1)


def is_ranked(shown: Mapping[str, Any], min_cases: int) -> bool:
    return (
        shown.get("score") is not None
        and int(shown.get("dispatched", 0)) >= min_cases
        and int(shown.get("ratings", 0)) >= min_cases
    )


def cell(kind: str, value: Any, before: Any) -> dict[str, Any]:
    """A figure as shown, with its change from last month: counts and points as numbers
    (+3, −2), rates in percentage points (+1.2 个百分点); no change when either is missing."""
    if kind == "count":
        value, before = int(value or 0), int(before or 0)
        shown, change = str(value), value - before
        delta = f"{change:+d}" if change else "±0"
    elif value is None:
        shown, change, delta = "—", None, ""
    elif kind == "rate":
        shown = percent(value)
        change = None if before is None else round((value - before) * 100, 1)
        delta = "" if change is None else (f"{change:+.1f}" if change else "±0")
    else:  # score: points
        shown = f"{value:.1f}"
        change = None if before is None else round(value - before, 1)
        delta = "" if change is None else (f"{change:+.1f}" if change else "±0")
    return {
        "value": value,
        "shown": shown,
        "text": f"{shown}（{delta}）" if delta else shown,
        "before": before,
        "change": change,
        "delta": delta,
        "up": bool(change and change > 0),
    }


def unit_rows(
    units: Mapping[str, tuple[str, str]],
    month: Mapping[str, Mapping[str, Any]],
    before: Mapping[str, Mapping[str, Any]],
    min_cases: int,
) -> list[dict[str, Any]]:
    """``units``: id -> (name, kind); ``month`` and ``before``: id -> ``figures``. Rows
    ranked by score (competition ranking), then the unranked by name; each row its cells
    in ``UNIT_COLUMNS`` order, with last month's rank."""
    rows: list[dict[str, Any]] = []
    previous_rank = _ranks(units, before, min_cases)
    for unit_id, (name, kind) in units.items():
        now, earlier = month.get(unit_id, {}), before.get(unit_id, {})
        rows.append(
            {
                "id": unit_id,
                "name": name,
                "kind": kind,
                "ranked": is_ranked(now, min_cases),
                "score": now.get("score"),
                "previous_rank": previous_rank.get(unit_id),
                "figures": dict(now),
                "cells": [
                    {"key": key, "label": label, **cell(k, now.get(key), earlier.get(key))}
                    for key, label, k in UNIT_COLUMNS
                ],
            }
        )
    for row in rows:
        row["line"] = "；".join(f"{c['label']} {c['text']}" for c in row["cells"])
    ranked = sorted((r for r in rows if r["ranked"]), key=lambda r: (-r["score"], r["id"]))
    for position, row in enumerate(ranked, start=1):
        tied = position > 1 and row["score"] == ranked[position - 2]["score"]
        row["rank"] = ranked[position - 2]["rank"] if tied else position
    unranked = sorted((r for r in rows if not r["ranked"]), key=lambda r: r["id"])
    for row in unranked:
        row["rank"] = None
    return ranked + unranked


def _ranks(
    units: Mapping[str, tuple[str, str]], month: Mapping[str, Mapping[str, Any]], min_cases: int
) -> dict[str, int]:
    ranked = sorted(
        (
            (float(month[u]["score"]), u)
            for u in units
            if u in month and is_ranked(month[u], min_cases)
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    out: dict[str, int] = {}
    for position, (value, unit) in enumerate(ranked, start=1):
        tied = position > 1 and value == ranked[position - 2][0]
        out[unit] = out[ranked[position - 2][1]] if tied else position
    return out


def platform_rows(now: Mapping[str, Any], before: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": label, **cell(kind, now.get(key), before.get(key))}
        for key, label, kind in PLATFORM_ROWS
    ]


def is_town(kind: str) -> bool:
    return kind in TOWN_KINDS
