"""The appeals table's stream: each consumer is a loop over one typed per-record function,
with partial batch failures reported to the event source mapping. The consumers live with
their capability (work_orders/events/routing.py, figures/events/statistics.py,
notifications/events/fan_out.py); this module holds their loop and the activity metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, DynamoDBEvent

from chalicelib.core.event_sources import UNBOUND_STREAM_ARN, consumer
from chalicelib.core.observability import flush_metrics, logger
from chalicelib.core.services.activity import AppealChange, record_activity

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


def process(event: DynamoDBEvent, per_record: Callable[[AppealChange], Any]) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    try:
        return process_partial_response(  # type: ignore[return-value]
            event=event.to_dict(),
            record_handler=lambda record: per_record(to_change(record)),
            processor=processor,
        )
    finally:
        flush_metrics()


def on_stream(bp: Blueprint, name: str) -> Callable[[Callable[..., Any]], Any]:
    """The stream subscription of consumer ``name`` on ``bp``, as
    ``chalicelib/core/event_sources.py`` declares it."""
    declared = consumer(name)
    return bp.on_dynamodb_record(
        stream_arn=UNBOUND_STREAM_ARN,
        batch_size=declared.batch_size,
        starting_position=declared.starting_position,
        name=name,
    )


def _on_stream(name: str) -> Callable[[Callable[..., Any]], Any]:
    return on_stream(bp, name)


@_on_stream("appeal_activity")
def appeal_activity(event: DynamoDBEvent) -> dict[str, Any]:
    return process(event, record_activity)


def process_together(
    event: DynamoDBEvent, per_batch: Callable[[list[AppealChange]], list[str]]
) -> dict[str, Any]:
    """A consumer that writes a batch at once: each record is read on its own (one that
    cannot be read is reported alone), the readable ones go to ``per_batch``, which
    returns the sequence numbers it could not write; all are reported as partial failures.
    When every record failed the function raises, as Powertools' processor does."""
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBStreamEvent,
    )

    try:
        failed: list[str] = []
        changes: list[AppealChange] = []
        records = list(DynamoDBStreamEvent(event.to_dict()).records)
        for record in records:
            try:
                changes.append(to_change(record))
            except Exception:
                logger.exception("stream record not readable")
                failed.append(str(record.raw_event["dynamodb"]["SequenceNumber"]))
        if changes:
            failed += per_batch(changes)
        if records and len(failed) == len(records):
            raise RuntimeError(f"all {len(records)} records of the batch failed")
        order = {str(r.raw_event["dynamodb"]["SequenceNumber"]): i for i, r in enumerate(records)}
        return {
            "batchItemFailures": [
                {"itemIdentifier": s} for s in sorted(set(failed), key=order.__getitem__)
            ]
        }
    finally:
        flush_metrics()
