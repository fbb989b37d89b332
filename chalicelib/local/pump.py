"""The event pump: what AWS does between the tables and the app's handlers. It discovers the
stream handlers from the Chalice app itself, reads each table's DynamoDB stream and invokes
the handler with Lambda-shaped events, honouring partial batch failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.local.lambda_context import LocalContext

# As the deployed event source mappings will be: retried with growing pauses, the shard
# held meanwhile (order kept), then the records left are set aside (logged as discarded).
MAX_ATTEMPTS = 10
FIRST_PAUSE_SECONDS = 0.5
MAX_PAUSE_SECONDS = 30.0


@dataclass
class StreamSubscription:
    name: str
    table: str
    stream_arn: str
    batch_size: int
    starting_position: str


def table_of(stream_arn: str) -> str:
    """``arn:aws:dynamodb:region:acct:table/NAME/stream/LABEL`` -> NAME."""
    return stream_arn.split(":table/", 1)[1].split("/", 1)[0]


def subscriptions(app: Any) -> list[StreamSubscription]:
    from chalice.app import DynamoDBEventConfig

    return [
        StreamSubscription(
            name=source.name,
            table=table_of(source.stream_arn),
            stream_arn=source.stream_arn,
            batch_size=source.batch_size,
            starting_position=source.starting_position,
        )
        for source in app.event_sources
        if isinstance(source, DynamoDBEventConfig)
    ]


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


class StreamPump:
    def __init__(
        self,
        app: Any,
        streams_client: Any,
        dynamodb_client: Any,
        log: EventLog,
        poll_seconds: float = 0.25,
    ) -> None:
        self._app = app
        self._streams = streams_client
        self._dynamodb = dynamodb_client
        self._log = log
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for sub in subscriptions(self._app):
            arn = self._dynamodb.describe_table(TableName=sub.table)["Table"]["LatestStreamArn"]
            thread = threading.Thread(
                target=self._run, args=(sub, arn), name=f"pump-{sub.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _iterators(self, arn: str, position: str) -> dict[str, str]:
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for shard in shards
        }

    def _run(self, sub: StreamSubscription, arn: str) -> None:
        iterators = self._iterators(arn, sub.starting_position)
        handler: Callable[..., Any] = self._app.handler_map[sub.name]
        while not self._stop.is_set():
            idle = True
            for shard_id, iterator in list(iterators.items()):
                try:
                    page = self._streams.get_records(ShardIterator=iterator, Limit=sub.batch_size)
                except Exception as exc:  # a stopped endpoint at shutdown, or a fault
                    if self._stop.is_set():
                        return
                    self._log.write({"handler": sub.name, "error": repr(exc)})
                    time.sleep(1)
                    continue
                records = [lambda_record(r, arn) for r in page.get("Records", [])]
                if records:
                    idle = False
                    self._deliver(sub, handler, records)
                nxt = page.get("NextShardIterator")
                if nxt:
                    iterators[shard_id] = nxt
                else:
                    iterators.pop(shard_id)
            if idle:
                self._stop.wait(self._poll)

    def _deliver(
        self, sub: StreamSubscription, handler: Callable[..., Any], records: list[dict[str, Any]]
    ) -> None:
        """Like Lambda's event source mapping with ReportBatchItemFailures: retry from the
        first failed record, pausing longer each time; after MAX_ATTEMPTS the rest is logged
        as discarded (the on-failure destination)."""
        pending = records
        pause = FIRST_PAUSE_SECONDS
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if attempt > 1:
                if self._stop.wait(pause):
                    return
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
            keys = [r["dynamodb"].get("Keys", {}) for r in pending]
            try:
                result = handler({"Records": pending}, LocalContext(sub.name))
                failures = [
                    f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])
                ]
                error = None
            except Exception as exc:
                failures = [pending[0]["dynamodb"]["SequenceNumber"]]
                error = repr(exc)
            self._log.write(
                {
                    "kind": "stream",
                    "handler": sub.name,
                    "attempt": attempt,
                    "records": len(pending),
                    "keys": keys,
                    "sequence_numbers": [r["dynamodb"]["SequenceNumber"] for r in pending],
                    "failures": failures,
                    "error": error,
                }
            )
            if not failures:
                return
            first = next(
                (
                    i
                    for i, r in enumerate(pending)
                    if r["dynamodb"]["SequenceNumber"] in set(failures)
                ),
                0,
            )
            pending = pending[first:]
        self._log.write({"kind": "stream", "handler": sub.name, "discarded": len(pending)})
