"""The event pump: what AWS does between the tables, the queues and the app's handlers. It
discovers the stream and queue handlers from the Chalice app itself, reads each table's
DynamoDB stream and polls each queue, and invokes the handler with Lambda-shaped events,
honouring partial batch failures. For queues, what happens to a message that is not
deleted (visibility timeout, redrive to the dead-letter queue after ``maxReceiveCount``)
is SQS's own behaviour, which moto imitates."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.core.event_sources import QUEUE_CONSUMERS, STREAM_CONSUMERS, Delivery, handler_on
from chalicelib.local.lambda_context import LocalContext
from chalicelib.local.provision import queue_name

# How long the pump waits between retries of a failed batch (AWS picks its own pace; the
# number of retries, bisecting and the on-failure queue come from chalicelib/core/event_sources.py).
FIRST_PAUSE_SECONDS = 0.5
MAX_PAUSE_SECONDS = 30.0


@dataclass
class StreamSubscription:
    name: str
    table: str
    batch_size: int
    starting_position: str
    delivery: Delivery


def subscriptions(app: Any) -> list[StreamSubscription]:
    """The app's stream handlers, each with the settings ``event_sources`` declares for it
    (the same ones ``infra/`` writes into the deployed event source mappings)."""
    from chalice.app import DynamoDBEventConfig

    from chalicelib.core.config import settings

    found = []
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig) and handler_on(source.name):
            declared = STREAM_CONSUMERS[source.name]
            found.append(
                StreamSubscription(
                    name=source.name,
                    table=getattr(settings(), declared.table_setting),
                    batch_size=declared.batch_size,
                    starting_position=declared.starting_position,
                    delivery=declared.delivery,
                )
            )
    return found


@dataclass
class QueueSubscription:
    name: str
    queue: str  # the declared queue name
    batch_size: int
    report_batch_item_failures: bool


def queue_subscriptions(app: Any) -> list[QueueSubscription]:
    """The app's SQS handlers, with the settings ``event_sources`` declares for them."""
    from chalice.app import SQSEventConfig

    found = []
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig) and handler_on(source.name):
            declared = QUEUE_CONSUMERS[source.name]
            found.append(
                QueueSubscription(
                    source.name,
                    declared.queue,
                    declared.batch_size,
                    declared.report_batch_item_failures,
                )
            )
    return found


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda hands it to a function."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": str(attributes.get("ApproximateReceiveCount", "1")),
            "SentTimestamp": str(attributes.get("SentTimestamp", "0")),
            "SenderId": str(attributes.get("SenderId", "local")),
            "ApproximateFirstReceiveTimestamp": str(
                attributes.get("ApproximateFirstReceiveTimestamp", "0")
            ),
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def settled(records: list[dict[str, Any]], result: Any, report_failures: bool) -> list[str]:
    """Receipt handles Lambda deletes after an invocation: every record when the function
    returned without reported failures, none when it raised (``result`` is an exception),
    else all but the reported ones."""
    if isinstance(result, BaseException):
        return []
    failed: set[str] = set()
    if report_failures:
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
    return [r["receiptHandle"] for r in records if r["messageId"] not in failed]


def table_of(stream_arn: str) -> str:
    """``arn:aws:dynamodb:region:acct:table/NAME/stream/LABEL`` -> NAME."""
    return stream_arn.split(":table/", 1)[1].split("/", 1)[0]


def first_failure(records: list[dict[str, Any]], failures: list[str]) -> int:
    """Index of the first record whose sequence number the function reported as failed."""
    failed = set(failures)
    for index, record in enumerate(records):
        if record["dynamodb"]["SequenceNumber"] in failed:
            return index
    return 0  # an identifier not in the batch: Lambda retries the whole batch


def deliver(
    invoke: Callable[[list[dict[str, Any]]], Any],
    records: list[dict[str, Any]],
    delivery: Delivery,
    wait: Callable[[float], bool],
    set_aside: Callable[[list[dict[str, Any]], int], None],
    log: Callable[[dict[str, Any]], None] = lambda entry: None,
) -> None:
    """What Lambda's event source mapping does with one batch under ``delivery``:
    reported failures are retried from the first failed record; an error (the function
    raised) splits the batch in two when bisecting is on; a part that has used up its
    retries goes to the on-failure destination (``set_aside``), and the shard moves on.
    ``wait`` pauses between retries and returns True when the pump is stopping."""
    work: list[tuple[list[dict[str, Any]], int]] = [(records, 0)]
    pause = FIRST_PAUSE_SECONDS
    while work:
        batch, retries = work.pop(0)
        try:
            result = invoke(batch)
            failures = [f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])]
            error = None
        except Exception as exc:
            failures, error = [], repr(exc)
        log(
            {
                "records": len(batch),
                "retry": retries,
                "keys": [r["dynamodb"].get("Keys", {}) for r in batch],
                "sequence_numbers": [r["dynamodb"]["SequenceNumber"] for r in batch],
                "failures": failures,
                "error": error,
            }
        )
        if error is None and not failures:
            continue
        if error is not None and delivery.bisect_on_error and len(batch) > 1:
            half = len(batch) // 2
            work[0:0] = [(batch[:half], retries), (batch[half:], retries)]
            continue
        rest = batch if error is not None else batch[first_failure(batch, failures) :]
        if retries >= delivery.maximum_retry_attempts:
            set_aside(rest, retries + 1)
            continue
        if wait(pause):
            return
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
        work.insert(0, (rest, retries + 1))


def failure_message(
    name: str, stream_arn: str, records: list[dict[str, Any]], attempts: int
) -> dict[str, Any]:
    """What Lambda sends to an on-failure destination for a stream batch: where the
    records are, not the records themselves."""
    return {
        "requestContext": {
            "functionArn": name,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "DDBStreamBatchInfo": {
            "streamArn": stream_arn,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": len(records),
        },
    }


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A ``get_records`` record as Lambda delivers it: with the source ARN and epoch seconds."""
    record: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    created = raw.get("dynamodb", {}).get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        record["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
    record["eventSourceARN"] = stream_arn
    return record


class EventLog:
    """``events.jsonl``: one line per invocation the local stack made, for people and tests."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps({"at": time.time(), **entry}, ensure_ascii=False, default=str)
        with self._lock, self._path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


# Records fetched from a stream in one call (DynamoDB Streams' own maximum).
READ_LIMIT = 1000
# Lambda polls a standard queue with five batches at once to begin with, and more as the
# queue grows (no maximum concurrency is declared on the mappings): the pump polls each
# queue with this many threads (a stream shard, by contrast, is one batch at a time).
QUEUE_POLLERS = 5
# Lambda's queue pollers long-poll (a receive waits up to 20 s for a message, and returns
# as soon as one is there). Short polls of an empty queue, 5 pollers x 3 queues four times
# a second, were a fifth of moto's process while the stack did nothing else.
LONG_POLL_SECONDS = 20


class Inbox:
    """Records read from a stream and not yet handed to one consumer, in stream order."""

    def __init__(self) -> None:
        self._records: deque[dict[str, Any]] = deque()
        self._ready = threading.Condition()
        self._busy = False

    def put(self, records: list[dict[str, Any]]) -> None:
        with self._ready:
            self._records.extend(records)
            self._ready.notify()

    def take(self, most: int, wait_seconds: float) -> list[dict[str, Any]]:
        """Up to ``most`` records, waiting up to ``wait_seconds`` for the first; the inbox
        counts as busy until ``done``."""
        with self._ready:
            if not self._records:
                self._ready.wait(wait_seconds)
            taken = [self._records.popleft() for _ in range(min(most, len(self._records)))]
            self._busy = bool(taken)
            return taken

    def done(self) -> None:
        with self._ready:
            self._busy = False

    def __len__(self) -> int:
        with self._ready:
            return len(self._records)

    def empty(self) -> bool:
        with self._ready:
            return not self._records and not self._busy


class StreamPump:
    def __init__(
        self,
        app: Any,
        streams_client: Any,
        dynamodb_client: Any,
        log: EventLog,
        poll_seconds: float = 0.25,
        sqs_client: Any = None,
    ) -> None:
        self._app = app
        self._streams = streams_client
        self._dynamodb = dynamodb_client
        self._sqs = sqs_client
        self._log = log
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._inboxes: list[Inbox] = []
        self._named: dict[str, Inbox] = {}
        self._queue_urls: dict[str, str] = {}
        self._readers_idle: dict[str, bool] = {}
        # Queue pollers, and those of them inside a handler (the only ones worth waiting
        # for at a stop: the others are in a receive, which the stop abandons).
        self._pollers: set[threading.Thread] = set()
        self._handling: set[threading.Thread] = set()
        self._handling_lock = threading.Lock()

    def waiting(self) -> dict[str, int]:
        """Records each consumer has still to take: read from its stream and not yet
        handed over, or (a queue's) messages on its queue."""
        out = {name: len(inbox) for name, inbox in self._named.items()}
        for name, url in list(self._queue_urls.items()):
            try:
                attributes = self._sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                out[name] = int(attributes["ApproximateNumberOfMessages"])
            except Exception:  # a stopped endpoint at shutdown: nothing to show
                out[name] = 0
        return out

    def drained(self) -> bool:
        """True when every stream reader found nothing new on its last pass and every
        consumer has handled what it was given."""
        return (
            bool(self._readers_idle)
            and all(self._readers_idle.values())
            and all(inbox.empty() for inbox in self._inboxes)
        )

    def wait_drained(self, settle_seconds: float = 1.0, timeout: float | None = None) -> bool:
        """Block until the streams are drained (and stay so for ``settle_seconds``);
        False when the pump stopped first, or ``timeout`` seconds passed."""
        limit = None if timeout is None else time.monotonic() + timeout
        while not self._stop.is_set():
            if self.drained() and not self._stop.wait(settle_seconds) and self.drained():
                return True
            if limit is not None and time.monotonic() >= limit:
                return False
            self._stop.wait(self._poll)
        return False

    def start(self) -> None:
        """One reader per table's stream and one thread per consumer. The reader fetches
        each record once and hands it to every consumer of the table (locally, a record
        is serialised once, not once per consumer); each consumer takes what is waiting,
        up to its batch size, as Lambda's poller would."""
        by_table: dict[str, list[StreamSubscription]] = {}
        for sub in subscriptions(self._app):
            by_table.setdefault(sub.table, []).append(sub)
        for table, subs in by_table.items():
            arn = self._dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            for position in sorted({sub.starting_position for sub in subs}):
                inboxes = []
                for sub in [s for s in subs if s.starting_position == position]:
                    inbox = Inbox()
                    inboxes.append(inbox)
                    self._inboxes.append(inbox)
                    self._named[sub.name] = inbox
                    self._spawn(f"pump-{sub.name}", self._consume, sub, arn, inbox)
                self._spawn(f"pump-read-{table}", self._read, arn, position, inboxes)
        if self._sqs is None:
            return
        for queue_sub in queue_subscriptions(self._app):
            for poller in range(QUEUE_POLLERS):
                thread = threading.Thread(
                    target=self._poll_queue,
                    args=(queue_sub,),
                    name=f"pump-{queue_sub.name}-{poller}",
                    daemon=True,
                )
                self._pollers.add(thread)
                thread.start()
                self._threads.append(thread)

    def _poll_queue(self, sub: QueueSubscription) -> None:
        url = self._sqs.get_queue_url(QueueName=queue_name(sub.queue))["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        region = arn.split(":")[3]
        self._queue_urls[sub.name] = url
        handler: Callable[..., Any] = self._app.handler_map[sub.name]
        while not self._stop.is_set():
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=sub.batch_size,
                    AttributeNames=["All"],
                    WaitTimeSeconds=LONG_POLL_SECONDS,
                ).get("Messages", [])
            except Exception as exc:  # a stopped endpoint at shutdown, or a fault
                if self._stop.is_set():
                    return
                self._log.write({"kind": "queue", "handler": sub.name, "error": repr(exc)})
                self._stop.wait(1)
                continue
            if not messages:
                continue
            current = threading.current_thread()
            with self._handling_lock:
                if self._stop.is_set():
                    return  # received as the stack stops: back on the queue when hidden
                self._handling.add(current)
            try:
                self.invoke_queue_handler(sub, handler, url, arn, region, messages)
            finally:
                with self._handling_lock:
                    self._handling.discard(current)

    def invoke_queue_handler(
        self,
        sub: QueueSubscription,
        handler: Callable[..., Any],
        url: str,
        arn: str,
        region: str,
        messages: list[dict[str, Any]],
    ) -> None:
        records = [sqs_record(m, arn, region) for m in messages]
        result: Any
        try:
            result = handler({"Records": records}, LocalContext(sub.name))
        except Exception as exc:
            result = exc
        done = settled(records, result, sub.report_batch_item_failures)
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(done)],
            )
        self._log.write(
            {
                "kind": "queue",
                "handler": sub.name,
                "records": len(records),
                "deleted": len(done),
                "receive_counts": [r["attributes"]["ApproximateReceiveCount"] for r in records],
                "error": repr(result) if isinstance(result, BaseException) else None,
            }
        )

    def stop(self, deadline: float | None = None) -> None:
        """Every thread told at once, then 5 s for all of them together (they are daemons:
        one still inside a handler does not hold the process, nor the others, 5 s each),
        or until ``deadline`` (``time.monotonic()``) when the stack shares one. A queue
        poller waiting in a receive is not waited for (its long poll would last up to
        ``LONG_POLL_SECONDS``): it hands nothing over once told."""
        with self._handling_lock:
            self._stop.set()
            handling = set(self._handling)
        deadline = time.monotonic() + 5 if deadline is None else deadline
        for thread in self._threads:
            if thread in self._pollers and thread not in handling:
                continue
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _iterators(self, arn: str, position: str) -> dict[str, str]:
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for shard in shards
        }

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _read(self, arn: str, position: str, inboxes: list[Inbox]) -> None:
        iterators = self._iterators(arn, position)
        name = f"{arn}@{position}"
        self._readers_idle[name] = False
        while not self._stop.is_set():
            idle = True
            for shard_id, iterator in list(iterators.items()):
                try:
                    page = self._streams.get_records(ShardIterator=iterator, Limit=READ_LIMIT)
                except Exception as exc:  # a stopped endpoint at shutdown, or a fault
                    if self._stop.is_set():
                        return
                    self._log.write({"stream": arn, "error": repr(exc)})
                    time.sleep(1)
                    continue
                records = [lambda_record(r, arn) for r in page.get("Records", [])]
                if records:
                    idle = False
                    for inbox in inboxes:
                        inbox.put(records)
                nxt = page.get("NextShardIterator")
                if nxt:
                    iterators[shard_id] = nxt
                else:
                    iterators.pop(shard_id)
            self._readers_idle[name] = idle
            if idle:
                self._stop.wait(self._poll)

    def _consume(self, sub: StreamSubscription, arn: str, inbox: Inbox) -> None:
        handler: Callable[..., Any] = self._app.handler_map[sub.name]
        while not self._stop.is_set():
            records = inbox.take(sub.batch_size, self._poll)
            try:
                if records:
                    self._deliver(sub, arn, handler, records)
            finally:
                inbox.done()

    def _deliver(
        self,
        sub: StreamSubscription,
        arn: str,
        handler: Callable[..., Any],
        records: list[dict[str, Any]],
    ) -> None:
        def invoke(batch: list[dict[str, Any]]) -> Any:
            return handler({"Records": batch}, LocalContext(sub.name))

        def set_aside(rest: list[dict[str, Any]], attempts: int) -> None:
            message = failure_message(sub.name, arn, rest, attempts)
            self._log.write({"kind": "stream", "handler": sub.name, "set_aside": message})
            if self._sqs is not None:
                url = self._sqs.get_queue_url(QueueName=queue_name(sub.delivery.on_failure_queue))[
                    "QueueUrl"
                ]
                self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))

        deliver(
            invoke,
            records,
            sub.delivery,
            self._stop.wait,
            set_aside,
            lambda entry: self._log.write({"kind": "stream", "handler": sub.name, **entry}),
        )
