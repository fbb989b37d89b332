"""The supports table's stream: each new 附议 counts its citizen in the hot topics."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.core.event_sources import UNBOUND_STREAM_ARN, consumer
from chalicelib.core.observability import flush_metrics

bp = Blueprint(__name__)
_declared = consumer("support_topics")


def count_record(record: Any) -> bool:
    from chalicelib.figures.services import statistics

    ddb = record.dynamodb
    new = ddb.new_image or None
    if record.event_name.name != "INSERT" or not new:
        return True  # a withdrawal keeps what was counted
    return statistics.count_support(
        str(new["appeal_id"]), str(new["citizen_id"]), str(new["at"]), str(ddb.sequence_number)
    )


@bp.on_dynamodb_record(
    stream_arn=UNBOUND_STREAM_ARN,
    batch_size=_declared.batch_size,
    starting_position=_declared.starting_position,
    name=_declared.name,
)
def support_topics(event: DynamoDBEvent) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    try:
        return process_partial_response(  # type: ignore[return-value]
            event=event.to_dict(),
            record_handler=count_record,
            processor=BatchProcessor(event_type=EventType.DynamoDBStreams),
        )
    finally:
        flush_metrics()
