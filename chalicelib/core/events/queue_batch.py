"""An SQS batch handled record by record with Powertools: the records that raise are
reported as failures (only they come back), never the whole batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import SQSEvent

from chalicelib.core.observability import flush_metrics


def partial_batch(event: SQSEvent, record_handler: Callable[[Any], Any]) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    # Every record failing is reported, not raised: the function did its work, and the
    # queue brings each message back on its own schedule.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        return process_partial_response(  # type: ignore[return-value]
            event=event.to_dict(), record_handler=record_handler, processor=processor
        )
    finally:
        flush_metrics()
