"""The notifications queue: each message delivered (a department's webhook) or kept for
the app (a person's), with failed messages reported so only they come back."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, SQSEvent

from chalicelib.core.event_sources import QUEUE_CONSUMERS, UNBOUND_QUEUE_ARN
from chalicelib.core.events.queue_batch import partial_batch
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
_declared = QUEUE_CONSUMERS["deliver_notifications"]


def deliver_record(record: Any, known: Any = None) -> str:
    from chalicelib.notifications.services import delivery

    receive_count = int(record.attributes.approximate_receive_count)
    try:
        return delivery.handle(json.loads(record.body), receive_count, record.receipt_handle, known)
    except delivery.DeliveryFailed:
        raise  # logged where it failed; the queue brings it back on the retry schedule
    except Exception:
        logger.exception("notification not handled", extra={"message_id": record.message_id})
        raise


@bp.on_sqs_message(
    queue_arn=UNBOUND_QUEUE_ARN, batch_size=_declared.batch_size, name=_declared.name
)
def deliver_notifications(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.notifications.services import delivery

    known = delivery.Known()
    try:
        known = delivery.read_ahead(_bodies(event))
    except Exception:  # each message reads what it needs itself, and fails alone
        logger.exception("the batch's reads ahead failed")
    return partial_batch(event, lambda record: deliver_record(record, known))


def _bodies(event: SQSEvent) -> list[dict[str, Any]]:
    """The batch's messages that can be read (the others fail on their own)."""
    out = []
    for record in event.to_dict().get("Records", []):
        try:
            body = json.loads(record["body"])
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(body, dict):
            out.append(body)
    return out
