"""The appeals stream's notifications consumer: each change's notices onto the
notifications queue, a batch's messages together."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.core.events.appeal_stream import on_stream, process_together
from chalicelib.notifications.services import fan_out

bp = Blueprint(__name__)


@on_stream(bp, "appeal_notifications")
def appeal_notifications(event: DynamoDBEvent) -> dict[str, Any]:
    return process_together(event, fan_out.notify_changes)
