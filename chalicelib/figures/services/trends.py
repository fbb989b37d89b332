"""Trends over months: the platform's (or one department's) month counters side by side:
at most 48 counter items, each summed from its write shards (24 months of the platform: 432
keys, five BatchGetItem requests), never a scan of appeals."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.periods import month_of
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.store import reference
from chalicelib.figures.domain.statistics import (
    INTAKE,
    PLATFORM,
    UNCATEGORISED,
    department_scope,
)
from chalicelib.figures.domain.trends import month_figures, month_range
from chalicelib.figures.store import statistics as statistics_store


def trends(first: str | None, last: str | None, department_id: str | None = None) -> dict[str, Any]:
    """Per month from ``first`` to ``last``: volumes, the on-time rate and the three rates,
    and (for the platform) accepted appeals per category."""
    months = month_range(first, last, month_of(clock.now()))
    if department_id is not None:
        department = next(
            (d for d in reference.active_departments() if d.id == department_id), None
        )
        if department is None:
            raise ValidationFailed.one("department_id", "is not an active department")
        scope = department_scope(department_id)
        found = statistics_store.counters_of([(m, scope) for m in months])
        rows = [{"month": m, **month_figures(found[(m, scope)], {})} for m in months]
    else:
        keys = [(m, PLATFORM) for m in months] + [(m, INTAKE) for m in months]
        found = statistics_store.counters_of(keys)
        rows = [
            {"month": m, **month_figures(found[(m, PLATFORM)], found[(m, INTAKE)])} for m in months
        ]
    totals: dict[str, int] = {}
    for row in rows:
        for code, n in row["categories"].items():
            totals[code] = totals.get(code, 0) + n
    names = {c.code: c.name for c in reference.active_categories()}
    names[UNCATEGORISED] = "未分类"
    return {
        "from": months[0],
        "to": months[-1],
        "department_id": department_id,
        "months": rows,
        # The categories that had appeals in the range, the most first.
        "categories": [
            {"code": code, "name": names.get(code, code), "total": total}
            for code, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
