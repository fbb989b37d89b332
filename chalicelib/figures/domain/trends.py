"""Trends over months (``GET /public/trends``): the range asked for, and what each month
shows, computed from the month counters alone. Pure: also the chart's geometry, so the
bulletin's inline SVG and the pages' charts draw the same thing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain.rankings import rates

MAX_MONTHS = 24
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"\A(\d{4})-(\d{2})\Z", re.ASCII)
# The rates a trend follows (the on-time rate and the three rates), in the order shown.
TREND_RATES = (
    "on_time_completion_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
)
RATE_NAMES = {
    "on_time_completion_rate": "按期办结率",
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
}
# The volumes a trend follows.
VOLUMES = ("submitted", "dispatched", "replied")
CATEGORY_PREFIX = "category:"


def _index(text: str, field: str) -> int:
    """Months since year 0 of a YYYY-MM (a month number 1–12), or ValidationFailed."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValidationFailed.one(field, "must be a month YYYY-MM")
    return int(match[1]) * 12 + int(match[2]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift(month: str, months: int) -> str:
    """The month ``months`` after (negative: before) a valid YYYY-MM."""
    return _month(_index(month, "month") + months)


def month_range(first: str | None, last: str | None, current: str) -> list[str]:
    """The months from ``first`` to ``last``, both included, oldest first: ``last``
    defaults to ``current``, ``first`` to the 12 months ending at ``last``; at most 24."""
    errors: list[dict[str, str]] = []
    end = start = 0
    try:
        end = _index(last, "to") if last else _index(current, "to")
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        start = _index(first, "from") if first else end - DEFAULT_MONTHS + 1
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    if end < start:
        raise ValidationFailed.one("to", "must not be before from")
    if end - start + 1 > MAX_MONTHS:
        raise ValidationFailed.one("to", f"must be at most {MAX_MONTHS} months after from")
    return [_month(i) for i in range(start, end + 1)]


def month_figures(counters: Mapping[str, int], intake: Mapping[str, int]) -> dict[str, Any]:
    """One month of a trend: its volumes, its rates and its accepted appeals per category."""
    all_rates = rates(counters)
    return {
        **{name: int(counters.get(name, 0)) for name in VOLUMES},
        "rates": {name: all_rates[name] for name in TREND_RATES},
        "categories": {
            name.removeprefix(CATEGORY_PREFIX): int(n)
            for name, n in sorted(intake.items())
            if name.startswith(CATEGORY_PREFIX) and n
        },
    }


# -- the chart ---------------------------------------------------------------------------

WIDTH, HEIGHT = 400, 200
LEFT, RIGHT, TOP, BOTTOM = 30, 34, 12, 22
LINE_COLOURS = {
    "on_time_completion_rate": "#2563eb",
    "response_rate": "#059669",
    "resolution_rate": "#7c3aed",
    "satisfaction_rate": "#b91c1c",
}
BAR_COLOUR = "#f59e0b"


def chart(months: list[dict[str, Any]], volume: str = "submitted") -> dict[str, Any]:
    """Bars for a volume (left axis, 0 to the largest month) and one line per rate (right
    axis, 0–100 %) for each month, in a WIDTH x HEIGHT box: what an inline SVG draws. A
    month without a rate (nothing to divide by) breaks its line."""
    slot = (WIDTH - LEFT - RIGHT) / max(len(months), 1)
    plot = HEIGHT - TOP - BOTTOM
    largest = max([int(m.get(volume, 0)) for m in months] + [1])
    bars, labels = [], []
    for i, m in enumerate(months):
        h = plot * int(m.get(volume, 0)) / largest
        x = LEFT + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(TOP + plot - h, 1),
                "width": round(slot * 0.7, 1),
                "height": round(h, 1),
                "month": m["month"],
                "value": int(m.get(volume, 0)),
            }
        )
        labels.append({"x": round(x + slot / 2, 1), "text": m["month"][2:].replace("-", ".")})
    lines = []
    for name in TREND_RATES:
        segments: list[list[tuple[float, float]]] = [[]]
        for i, m in enumerate(months):
            value = m["rates"].get(name)
            if value is None:
                segments.append([])
                continue
            point = (round(LEFT + (i + 0.5) * slot, 1), round(TOP + plot * (1 - value), 1))
            segments[-1].append(point)
        lines.append(
            {
                "rate": name,
                "label": RATE_NAMES[name],
                "colour": LINE_COLOURS[name],
                "points": [
                    " ".join(f"{x},{y}" for x, y in segment) for segment in segments if segment
                ],
                # A dot on each month (a month alone between gaps has no line to show it).
                "dots": [{"x": x, "y": y} for segment in segments for x, y in segment],
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "bar_colour": BAR_COLOUR,
        "lines": lines,
        "labels": labels,
        "label_every": max(1, -(-len(months) // 6)),
        "largest": largest,
        "baseline": TOP + plot,
        "right": WIDTH - RIGHT,
        "left": LEFT,
        "top": TOP,
    }
