"""The public boards, computed from period counters alone (never from appeals).

volume (办件量): replied, highest first; overdue_rate (超期率): work orders with any overdue
stage / dispatched, lowest first; return_rate (退回率): returned / dispatched, lowest first;
satisfaction (满意度): satisfied ratings / ratings, highest first, with the mean score. A
department below the minimum number of cases is listed on a rate board but not ranked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.core.domain.records import frozen

BOARDS = ("volume", "overdue_rate", "return_rate", "satisfaction")


@frozen
class Board:
    value: str  # counter (volume) or numerator
    base: str | None  # denominator; None for a count
    highest_first: bool


DEFINITIONS = {
    "volume": Board("replied", None, True),
    "overdue_rate": Board("overdue_orders", "dispatched", False),
    "return_rate": Board("returned", "dispatched", False),
    "satisfaction": Board("satisfied", "ratings", True),
}


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def rates(c: Mapping[str, int]) -> dict[str, float | None]:
    """The platform's headline rates for a set of counters."""
    return {
        "on_time_completion_rate": ratio(c.get("replied_on_time", 0), c.get("replied", 0)),
        "response_rate": ratio(c.get("signed_on_time", 0), c.get("dispatched", 0)),
        "resolution_rate": ratio(c.get("resolved", 0), c.get("ratings", 0)),
        "satisfaction_rate": ratio(c.get("satisfied", 0), c.get("ratings", 0)),
        "overdue_rate": ratio(c.get("overdue_orders", 0), c.get("dispatched", 0)),
        "return_rate": ratio(c.get("returned", 0), c.get("dispatched", 0)),
        "mean_score": ratio(c.get("rating_sum", 0), c.get("ratings", 0)),
    }


def board(
    name: str,
    departments: Mapping[str, str],
    counters: Mapping[str, Mapping[str, int]],
    min_cases: int,
) -> list[dict[str, Any]]:
    """Entries, ranked (competition ranking: 1, 2, 2, 4), then the unranked by name.
    ``departments``: id -> name; ``counters``: id -> that department's counters."""
    definition = DEFINITIONS[name]
    entries: list[dict[str, Any]] = []
    for department_id, department_name in departments.items():
        c = counters.get(department_id, {})
        value = c.get(definition.value, 0)
        entry: dict[str, Any] = {
            "department_id": department_id,
            "name": department_name,
            "count": value,
        }
        if definition.base is None:
            entry["value"] = value
            entry["ranked"] = True
        else:
            base = c.get(definition.base, 0)
            entry["cases"] = base
            entry["value"] = ratio(value, base)
            entry["ranked"] = base >= min_cases
        if name == "satisfaction":
            entry["mean_score"] = ratio(c.get("rating_sum", 0), c.get("ratings", 0))
        entry["on_time_completion_rate"] = ratio(c.get("replied_on_time", 0), c.get("replied", 0))
        entries.append(entry)
    ranked = [e for e in entries if e["ranked"]]
    ranked.sort(
        key=lambda e: (-e["value"] if definition.highest_first else e["value"], e["department_id"])
    )
    for position, entry in enumerate(ranked, start=1):
        tied = position > 1 and entry["value"] == ranked[position - 2]["value"]
        entry["rank"] = ranked[position - 2]["rank"] if tied else position
    unranked = sorted((e for e in entries if not e["ranked"]), key=lambda e: e["department_id"])
    for entry in unranked:
        entry["rank"] = None
    return ranked + unranked
