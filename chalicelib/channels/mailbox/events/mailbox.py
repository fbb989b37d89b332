"""The mailbox queue: S3 tells it of each letter SES stored in the inbox bucket; each
message's letters become appeals, notes or flagged letters. Failed messages are reported so
only they come back (and go to the dead-letter queue after the declared receives)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from chalice.app import Blueprint, SQSEvent

from chalicelib.core.event_sources import QUEUE_CONSUMERS, UNBOUND_QUEUE_ARN
from chalicelib.core.events.queue_batch import partial_batch
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
_declared = QUEUE_CONSUMERS["receive_mail"]


def stored_letters(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(bucket, key) of each object an S3 notification announces as created. The test
    event S3 sends when the notification is set up announces nothing."""
    if body.get("Event") == "s3:TestEvent":
        return []
    found = []
    for record in body.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3", {})
        # Keys arrive URL-encoded (a space as "+").
        found.append((str(s3["bucket"]["name"]), unquote_plus(str(s3["object"]["key"]))))
    return found


def receive_record(record: Any) -> list[str]:
    from chalicelib.channels.mailbox.services import mailbox

    try:
        body = json.loads(record.body)
        letters = stored_letters(body if isinstance(body, dict) else {})
    except (ValueError, KeyError, TypeError):
        logger.error("not an S3 notification", extra={"message_id": record.message_id})
        return []  # nothing a retry could cure
    try:
        return [mailbox.receive(bucket, key) for bucket, key in letters]
    except Exception:
        logger.exception("letter not handled", extra={"message_id": record.message_id})
        raise


@bp.on_sqs_message(
    queue_arn=UNBOUND_QUEUE_ARN, batch_size=_declared.batch_size, name=_declared.name
)
def receive_mail(event: SQSEvent) -> dict[str, Any]:
    return partial_batch(event, receive_record)
