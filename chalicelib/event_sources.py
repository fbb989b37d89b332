"""How stream records reach the app: declared once, read by the stream handlers' decorators,
by the local stack's pump and by ``infra/`` for the deployed event source mappings.

A test compares the generated template's mappings with this module, and the pump's
behaviour (retries, bisecting, the on-failure queue) with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

# Chalice wants an ARN at import time; the deployed template binds every mapping to
# ``GetAtt <Table>.StreamArn`` and the local pump looks the stream up by table, so this
# string is never used to reach a stream.
UNBOUND_STREAM_ARN = "arn:aws:dynamodb:::table/unbound/stream/bound-by-infra"


@dataclass(frozen=True)
class Delivery:
    """Lambda's event source mapping settings for a stream consumer."""

    # Retries after the first attempt (MaximumRetryAttempts).
    maximum_retry_attempts: int = 5
    # On an error (the function raised), split the batch in two and retry each half apart,
    # so one poison record ends alone (BisectBatchOnFunctionError).
    bisect_on_error: bool = True
    # The function reports failed records (FunctionResponseTypes ReportBatchItemFailures):
    # retries start from the first failed record.
    report_batch_item_failures: bool = True
    # Records older than this are set aside without being tried again.
    maximum_record_age_seconds: int = 6 * 3600
    # Where a record that used up its retries is described (an SQS queue below).
    on_failure_queue: str = "stream-failures"


@dataclass(frozen=True)
class StreamConsumer:
    name: str  # the Chalice handler's name
    table_setting: str  # the Settings field naming the table whose stream it reads
    batch_size: int
    starting_position: str = "TRIM_HORIZON"
    delivery: Delivery = Delivery()


@dataclass(frozen=True)
class Queue:
    name: str
    retention_seconds: int
    # Depth at which the on-call person is told (dead-letter queues: any message).
    alarm_depth: int


QUEUES = {
    "stream-failures": Queue("stream-failures", retention_seconds=14 * 86400, alarm_depth=1),
}

STREAM_CONSUMERS = {
    c.name: c
    for c in (
        StreamConsumer("appeal_activity", "appeals_table", batch_size=100),
        StreamConsumer("appeal_routing", "appeals_table", batch_size=25),
        StreamConsumer("appeal_statistics", "appeals_table", batch_size=100),
        StreamConsumer("appeal_topics", "appeals_table", batch_size=50),
    )
}


def consumer(name: str) -> StreamConsumer:
    return STREAM_CONSUMERS[name]
