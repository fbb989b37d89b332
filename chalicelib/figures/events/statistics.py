"""The appeals stream's statistics consumers: counters per department and period, and topic
counts (each a batch written at once)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.core.events.appeal_stream import on_stream, process_together
from chalicelib.figures.services import statistics

bp = Blueprint(__name__)


@on_stream(bp, "appeal_statistics")
def appeal_statistics(event: DynamoDBEvent) -> dict[str, Any]:
    return process_together(event, statistics.count_changes)


@on_stream(bp, "appeal_topics")
def appeal_topics(event: DynamoDBEvent) -> dict[str, Any]:
    return process_together(event, statistics.count_topics_batch)
