"""How stream records and queue messages reach the app: declared once, read by the handlers'
decorators, by the local stack's pump and by ``infra/`` for the deployed queues and event
source mappings.

A test compares the generated template's mappings with this module, and the pump's
behaviour (retries, bisecting, the on-failure queue) with the same numbers.
"""

from __future__ import annotations

from chalicelib.core.config import DEFAULT_DELIVERY_RETRY_SECONDS
from chalicelib.core.domain.records import frozen

# Chalice wants an ARN at import time; the deployed template binds every mapping to
# ``GetAtt <Table>.StreamArn`` and the local pump looks the stream up by table, so this
# string is never used to reach a stream.
UNBOUND_STREAM_ARN = "arn:aws:dynamodb:::table/unbound/stream/bound-by-infra"
UNBOUND_QUEUE_ARN = "arn:aws:sqs:::bound-by-infra"


@frozen
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


@frozen
class StreamConsumer:
    name: str  # the Chalice handler's name
    table_setting: str  # the Settings field naming the table whose stream it reads
    batch_size: int
    starting_position: str = "TRIM_HORIZON"
    delivery: Delivery = Delivery()


@frozen
class Queue:
    name: str
    retention_seconds: int
    # Depth at which the on-call person is told (dead-letter queues: any message).
    alarm_depth: int
    # How long a received message stays hidden when its consumer neither deletes it nor
    # says otherwise (a crashed function): at least six times the function's timeout.
    visibility_timeout_seconds: int = 30
    # Where a message goes once it has been received ``max_receive_count`` times.
    dead_letter: str | None = None
    max_receive_count: int = 0
    # The Settings field carrying the queue's URL (queues the code itself writes to).
    url_setting: str | None = None
    # The optional part the queue serves (``config.FEATURES``); None: the core.
    feature: str | None = None


# A failed webhook delivery is tried again after these pauses (the message's visibility
# timeout, set by the delivering function), then set aside in the dead-letter queue. Kept
# in the settings module, which reads it on every start (this module's dataclasses are
# not worth a scheduled function's cold start).
DELIVERY_RETRY_SECONDS = DEFAULT_DELIVERY_RETRY_SECONDS
DELIVERY_ATTEMPTS = len(DELIVERY_RETRY_SECONDS) + 1
# The delivering function's Lambda timeout: ten messages, five seconds each at most.
DELIVERY_FUNCTION_TIMEOUT_SECONDS = 60

# A letter that fails this many times (the store unreachable, a bug) waits in the mailbox's
# dead-letter queue; the raw letter stays in the inbox bucket either way.
MAILBOX_ATTEMPTS = 5

# An export (a month of work orders into a file) is built by one function run of at most
# this long; a message is received this many times at most before its export is marked
# failed (a run that died mid-way is taken again by the next receive).
EXPORT_FUNCTION_TIMEOUT_SECONDS = 900
EXPORT_ATTEMPTS = 3

QUEUES = {
    q.name: q
    for q in (
        Queue("stream-failures", retention_seconds=14 * 86400, alarm_depth=1),
        Queue(
            "notifications",
            retention_seconds=4 * 86400,
            alarm_depth=1000,
            visibility_timeout_seconds=6 * DELIVERY_FUNCTION_TIMEOUT_SECONDS,
            dead_letter="notifications-dead-letter",
            max_receive_count=DELIVERY_ATTEMPTS,
            url_setting="notifications_queue",
        ),
        Queue(
            "notifications-dead-letter",
            retention_seconds=14 * 86400,
            alarm_depth=1,
            url_setting="notifications_dead_letter_queue",
        ),
        # The inbox bucket announces each letter SES stored (S3 event notifications).
        Queue(
            "mailbox",
            retention_seconds=4 * 86400,
            alarm_depth=100,
            visibility_timeout_seconds=6 * DELIVERY_FUNCTION_TIMEOUT_SECONDS,
            dead_letter="mailbox-dead-letter",
            max_receive_count=MAILBOX_ATTEMPTS,
            feature="mailbox",
        ),
        Queue(
            "mailbox-dead-letter", retention_seconds=14 * 86400, alarm_depth=1, feature="mailbox"
        ),
        # Requests for export files (POST /exports). No dead-letter queue: the consumer
        # marks an export failed, with its reason, on its last receive.
        Queue(
            "exports",
            retention_seconds=86400,
            alarm_depth=50,
            visibility_timeout_seconds=6 * EXPORT_FUNCTION_TIMEOUT_SECONDS,
            url_setting="exports_queue",
        ),
    )
}


@frozen
class QueueConsumer:
    name: str  # the Chalice handler's name
    queue: str  # a name in QUEUES
    batch_size: int
    # The function reports failed messages (ReportBatchItemFailures): the rest are deleted.
    report_batch_item_failures: bool = True


QUEUE_CONSUMERS = {
    c.name: c
    for c in (
        QueueConsumer("deliver_notifications", "notifications", batch_size=10),
        # One letter a batch: a function that runs out of time fails its whole batch
        # (no partial answer is returned), so a slow letter fails only itself.
        QueueConsumer("receive_mail", "mailbox", batch_size=1),
        # One export a batch: each is a long run of its own.
        QueueConsumer("build_exports", "exports", batch_size=1),
    )
}

STREAM_CONSUMERS = {
    c.name: c
    for c in (
        StreamConsumer("appeal_activity", "appeals_table", batch_size=100),
        StreamConsumer("appeal_routing", "appeals_table", batch_size=25),
        StreamConsumer("appeal_statistics", "appeals_table", batch_size=100),
        StreamConsumer("appeal_topics", "appeals_table", batch_size=50),
        StreamConsumer("appeal_notifications", "appeals_table", batch_size=100),
        StreamConsumer("support_topics", "supports_table", batch_size=100),
    )
}


def consumer(name: str) -> StreamConsumer:
    return STREAM_CONSUMERS[name]


# The handlers (stream, queue, schedule) an optional part brings: with the part off the
# deployed stack has no such function and the local stack neither pumps nor fires them.
HANDLER_FEATURES = {
    "receive_mail": "mailbox",
    "daily_report": "reports",
    "weekly_report": "reports",
    "monthly_report": "reports",
}


def handler_on(name: str) -> bool:
    """Whether this deployment runs the handler ``name`` (its part is on, or it is core)."""
    from chalicelib.core.config import settings

    feature = HANDLER_FEATURES.get(name)
    return feature is None or settings().feature_on(feature)


def queues_on() -> list[Queue]:
    """The queues of the parts this deployment has on."""
    from chalicelib.core.config import settings

    return [q for q in QUEUES.values() if q.feature is None or settings().feature_on(q.feature)]
