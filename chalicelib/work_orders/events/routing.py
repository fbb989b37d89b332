"""The appeals stream's routing consumer: a new appeal in a category that routes itself is
dispatched at once."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.core.events.appeal_stream import on_stream, process
from chalicelib.core.services.activity import AppealChange
from chalicelib.work_orders.services import dispatch

bp = Blueprint(__name__)


def route_new_appeal(change: AppealChange) -> None:
    """A new appeal in a category that routes itself is dispatched at once."""
    if change.old is None and change.new and change.new.get("state") == "submitted":
        dispatch.auto_dispatch(change.appeal_id, change.new.get("category"))


@on_stream(bp, "appeal_routing")
def appeal_routing(event: DynamoDBEvent) -> dict[str, Any]:
    return process(event, route_new_appeal)
