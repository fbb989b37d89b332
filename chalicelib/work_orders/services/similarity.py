"""Duplicate suggestions for the operator: appeals of the last 30 days that look like the
one in view (the same category close by, or many shared topic words)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import State
from chalicelib.core.domain.principal import Principal
from chalicelib.core.errors import NotFound
from chalicelib.core.store import appeals as appeal_store
from chalicelib.work_orders.domain import similarity

WINDOW = timedelta(days=30)
CANDIDATES = 100  # appeals read at most per request (one batch read), newest first
SHOWN = 10


def similar_appeals(principal: Principal, appeal_id: str) -> dict[str, Any]:
    from chalicelib.figures.services.statistics import topic_words

    appeal = appeal_store.get(appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}")
    now = clock.now()
    since = clock.iso(now - WINDOW)
    candidates = [
        other
        for other in appeal_store.submitted_between(since, clock.iso(now), CANDIDATES + 1)
        if other.id != appeal.id and other.state not in (State.MERGED, State.REJECTED)
    ][:CANDIDATES]
    words = topic_words(f"{appeal.title}\n{appeal.content}")
    found: dict[str, tuple[similarity.Match, Any]] = {}
    for other in candidates:
        hit = similarity.match(
            appeal.category,
            appeal.location,
            words,
            other.id,
            other.category,
            other.location,
            topic_words(f"{other.title}\n{other.content}"),
        )
        if hit is not None:
            found[other.id] = (hit, other)
    items = []
    for hit in similarity.rank([m for m, _ in found.values()])[:SHOWN]:
        other = found[hit.appeal_id][1]
        items.append(
            {
                **other.summary(principal),
                "distance_m": (
                    round(hit.distance_m) if hit.nearby and hit.distance_m is not None else None
                ),
                "shared_words": list(hit.shared_words),
                "reasons": hit.reasons(),
            }
        )
    return {"appeal_id": appeal.id, "since": since, "items": items}
