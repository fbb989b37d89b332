"""The monthly bulletin (月度通报): every department and every town or street on the month's
counters next to the month before, ranked on the three rates; the platform's figures; the
four public boards; the month's hot topics; a year's trend. Gathered from the counters,
snapshots, topic counts and the knowledge base's articles, never from a scan of appeals;
the platform's figures and the boards come from the functions behind ``GET /public/stats``
and ``GET /public/rankings``, so the bulletin and the public figures of the month agree.
No appeal, no person is named in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.store import reference
from chalicelib.figures.domain import bulletin as b
from chalicelib.figures.domain.reports import bar_width
from chalicelib.figures.domain.statistics import department_scope
from chalicelib.figures.domain.trends import chart, shift
from chalicelib.figures.services import rankings, trends
from chalicelib.figures.services.report_figures import TOPICS_SHOWN, shown_rankings
from chalicelib.figures.store import statistics as statistics_store

TREND_MONTHS = 12


def _knowledge(month: str, now: datetime) -> dict[str, dict[str, int]]:
    """Owner -> the knowledge base's upkeep in ``month`` (nothing when it is off)."""
    if not settings().feature_on("knowledge") or not settings().knowledge_table:
        return {}
    from chalicelib.knowledge.services import knowledge

    first, following = b.month_days(month)
    today = now.astimezone(clock.TZ).date().isoformat()
    return knowledge.upkeep(first.isoformat(), following.isoformat(), today)


def _month(
    month: str, units: dict[str, tuple[str, str]], now: datetime
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """(the platform's figures, each unit's, the public statistics) of one month."""
    stats = rankings.public_stats(month)
    counters = statistics_store.period_counters(month, [department_scope(u) for u in units])
    upkeep = _knowledge(month, now)
    per_unit = {
        unit: b.figures(counters.get(department_scope(unit), {}), upkeep.get(unit, {}))
        for unit in units
    }
    platform_extra = {
        **stats["knowledge"],
        # Every excluded rating and every article belongs to a unit (or the center).
        "ratings_excluded": sum(int(f.get("ratings_excluded", 0)) for f in per_unit.values()),
        "knowledge_updated": sum(c["knowledge_updated"] for c in upkeep.values()),
        "knowledge_review_due": sum(c["knowledge_review_due"] for c in upkeep.values()),
    }
    platform = b.figures(stats["counters"], platform_extra)
    return platform, per_unit, stats


def _topics(month: str, before: str) -> list[dict[str, Any]]:
    """The month's hot topics next to last month's counts of the same words."""
    shown = rankings.hot_topics(month, None, TOPICS_SHOWN)["topics"]
    earlier = statistics_store.topic_counts(before)
    rows = []
    for topic in shown:
        then = earlier.get(topic["word"], {}).get("citizens", 0)
        rows.append({**topic, "before": then, "change": topic["citizens"] - then})
    largest = max([r["citizens"] for r in rows] + [0])
    for row in rows:
        row["width"] = bar_width(row["citizens"], largest)
    return rows


def monthly(month: str, now: datetime) -> dict[str, Any]:
    """The bulletin of ``month`` (as the public figures of the month show it now)."""
    before = b.previous_month(month)
    units = {d.id: (d.name, d.kind) for d in reference.active_departments()}
    platform, per_unit, stats = _month(month, units, now)
    platform_before, per_unit_before, stats_before = _month(before, units, now)
    min_cases = settings().ranking_min_cases
    towns = {u: v for u, v in units.items() if b.is_town(v[1])}
    departments = {u: v for u, v in units.items() if not b.is_town(v[1])}
    trend = trends.trends(shift(month, -(TREND_MONTHS - 1)), month)
    return {
        "kind": b.MONTHLY,
        "month": month,
        "month_label": b.month_label(month),
        "before": before,
        "before_label": b.month_label(before),
        "generated_at": clock.iso(now)[:16].replace("T", " "),
        "min_cases": min_cases,
        "weights": b.WEIGHTS,
        "stats": stats,
        "stats_before": stats_before,
        "platform": b.platform_rows(platform, platform_before),
        "columns": [{"key": k, "label": label} for k, label, _kind in b.UNIT_COLUMNS],
        "groups": [
            {
                "title": "部门",
                "rows": b.unit_rows(departments, per_unit, per_unit_before, min_cases),
            },
            {
                "title": "镇街",
                "rows": b.unit_rows(towns, per_unit, per_unit_before, min_cases),
            },
        ],
        "rankings": shown_rankings(month),
        "topics": _topics(month, before),
        "trend": trend,
        "chart": chart(trend["months"]),
    }
