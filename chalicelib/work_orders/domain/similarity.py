"""Possible duplicates of an appeal: the same category close by, or many shared topic
words. Pure: the service hands in the candidates and their words."""

from __future__ import annotations

import math
from typing import Any

from chalicelib.core.domain.records import frozen

NEARBY_METRES = 500.0
SHARED_WORDS = 3
EARTH_RADIUS_METRES = 6_371_000.0


@frozen
class Match:
    appeal_id: str
    distance_m: float | None
    shared_words: tuple[str, ...]

    @property
    def nearby(self) -> bool:
        return self.distance_m is not None and self.distance_m <= NEARBY_METRES

    def reasons(self) -> list[str]:
        found = []
        if self.nearby and self.distance_m is not None:
            found.append(f"同类别，相距约 {round(self.distance_m)} 米")
        if len(self.shared_words) >= SHARED_WORDS:
            found.append("共同词：" + "、".join(self.shared_words))
        return found


def distance_m(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    """Great-circle distance between two locations (``lat``, ``lng``), or None."""
    if not a or not b:
        return None
    try:
        lat1, lng1, lat2, lng2 = (
            math.radians(float(v)) for v in (a["lat"], a["lng"], b["lat"], b["lng"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(min(1.0, h)))


def match(
    category: str | None,
    location: dict[str, Any] | None,
    words: list[str],
    other_id: str,
    other_category: str | None,
    other_location: dict[str, Any] | None,
    other_words: list[str],
) -> Match | None:
    """The match between an appeal and another, or None when they look unrelated: the same
    category within ``NEARBY_METRES``, or at least ``SHARED_WORDS`` topic words in common
    (in the order of the first appeal's words, most frequent first)."""
    distance = (
        distance_m(location, other_location) if category and category == other_category else None
    )
    others = set(other_words)
    shared = tuple(w for w in words if w in others)
    found = Match(other_id, distance, shared)
    if found.nearby or len(shared) >= SHARED_WORDS:
        return found
    return None


def rank(matches: list[Match]) -> list[Match]:
    """Nearby ones first (closest first), then by the number of shared words."""
    return sorted(
        matches,
        key=lambda m: (
            not m.nearby,
            m.distance_m if m.nearby and m.distance_m is not None else 0.0,
            -len(m.shared_words),
        ),
    )
