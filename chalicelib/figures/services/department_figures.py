"""Each department's figures for a period, and the platform's: the counters the public
rankings are computed from, with the same rates (``figures/domain/rankings.py``). What the
bulletin export lists; never read from appeals."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain.periods import parse_period
from chalicelib.core.store import reference
from chalicelib.figures.domain.rankings import rates
from chalicelib.figures.domain.statistics import PLATFORM, department_scope
from chalicelib.figures.store import statistics as statistics_store


def department_figures(period_text: str, department_id: str | None = None) -> dict[str, Any]:
    """``{period, min_cases, platform: {counters, rates}, departments: [{department_id,
    name, counters, rates}]}``, the departments as the rankings list them (the active ones,
    by id), or only ``department_id``."""
    period = parse_period(period_text)
    departments = reference.active_department_names()
    if department_id is not None:
        departments = {k: v for k, v in departments.items() if k == department_id}
    counters = statistics_store.period_counters(
        period, [PLATFORM, *(department_scope(d) for d in departments)]
    )
    platform = counters.get(PLATFORM, {})
    return {
        "period": period,
        "min_cases": settings().ranking_min_cases,
        "platform": {"counters": platform, "rates": rates(platform)},
        "departments": [
            {
                "department_id": d,
                "name": name,
                "counters": counters.get(department_scope(d), {}),
                "rates": rates(counters.get(department_scope(d), {})),
            }
            for d, name in sorted(departments.items())
        ],
    }
