"""The appeals table's stream: one typed function per record, partial batch failures."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.config import settings
from chalicelib.observability import flush_metrics
from chalicelib.services.activity import AppealChange, record_activity

bp = Blueprint(__name__)


def to_change(record: Any) -> AppealChange:
    """A Powertools DynamoDBRecord as the services see it."""
    ddb = record.dynamodb
    keys = ddb.keys or {}
    return AppealChange(
        appeal_id=str(keys.get("id", "")),
        sequence=str(ddb.sequence_number),
        old=ddb.old_image or None,
        new=ddb.new_image or None,
    )


def activity_record(record: Any) -> None:
    record_activity(to_change(record))


@bp.on_dynamodb_record(
    stream_arn=settings().appeals_stream_arn, batch_size=100, starting_position="TRIM_HORIZON"
)
def appeal_activity(event: DynamoDBEvent) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    try:
        return process_partial_response(  # type: ignore[return-value]
            event=event.to_dict(),
            record_handler=lambda record: activity_record(record),
            processor=processor,
        )
    finally:
        flush_metrics()
