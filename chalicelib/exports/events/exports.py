"""The exports queue: each message names one export to build (one a batch: each is a long
run). A message that is not an export's is dropped; a build that fails is marked failed on
its record, so only a run that died (out of time, out of memory) brings its message back."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, SQSEvent

from chalicelib.core.event_sources import QUEUE_CONSUMERS, UNBOUND_QUEUE_ARN
from chalicelib.core.events.queue_batch import partial_batch
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
_declared = QUEUE_CONSUMERS["build_exports"]


def build_record(record: Any) -> str:
    from chalicelib.exports.services import exports

    try:
        message = json.loads(record.body)
    except ValueError:
        logger.error("not an export message", extra={"message_id": record.message_id})
        return "dropped"
    if not isinstance(message, dict):
        return "dropped"
    return exports.build(message, int(record.attributes.approximate_receive_count))


@bp.on_sqs_message(
    queue_arn=UNBOUND_QUEUE_ARN, batch_size=_declared.batch_size, name=_declared.name
)
def build_exports(event: SQSEvent) -> dict[str, Any]:
    return partial_batch(event, build_record)
