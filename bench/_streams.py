"""Shared by the stream benchmarks: the app on in-process moto with every table, queue and
bucket the local stack creates, and a synchronous pump that hands each table's stream to
the app's consumers in their declared batch sizes, timing each consumer."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REGION = "us-east-1"
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # figures, not metric lines


def start_stack() -> Any:
    """Tables, queues, buckets and reference data on the active moto mock; the Chalice app."""
    import boto3
    from botocore.config import Config

    from chalicelib.core.config import settings
    from chalicelib.core.integrations.aws import reset_clients
    from chalicelib.local import demo, moto_patches, provision

    moto_patches.apply_all()
    cfg = Config(account_id_endpoint_mode="disabled")
    identity = provision.create_user_pool(boto3.client("cognito-idp", region_name=REGION), "bench")
    os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
    os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
    settings.cache_clear()
    reset_clients()
    provision.create_tables(boto3.client("dynamodb", region_name=REGION, config=cfg))
    provision.create_owner_key_secret(
        boto3.client("secretsmanager", region_name=REGION), settings().owner_key_secret
    )
    provision.create_queues(boto3.client("sqs", region_name=REGION))
    provision.create_media_bucket(
        boto3.client("s3", region_name=REGION), settings().media_bucket, REGION
    )
    provision.create_email_identity(
        boto3.client("sesv2", region_name=REGION), settings().report_sender
    )
    reset_clients()
    demo.load_reference_data("2026-10-01T09:00:00.000+08:00")
    from app import app

    return app


class Pump:
    """Each stream consumer of the app reads its table's stream from where it stopped and
    gets the records in its declared batch size, through the local pump's delivery rules
    (retries, bisecting). ``seconds`` and ``records`` add up each consumer's time and
    records; ``reads`` the time spent reading the streams. Times are the process's CPU
    time (moto runs in this process too): on a machine shared with other work, what the
    digest would take on an idle core."""

    def __init__(
        self,
        app: Any,
        only: set[str] | None = None,
        endpoint: str | None = None,
        clock: Callable[[], float] = time.process_time,
    ) -> None:
        import boto3
        from botocore.config import Config

        from chalicelib.local.pump import subscriptions

        cfg = Config(account_id_endpoint_mode="disabled")
        self.endpoint = endpoint
        self.clock = clock  # CPU seconds (of moto's process too, when it has its own)
        self.ddb = boto3.client("dynamodb", region_name=REGION, config=cfg, endpoint_url=endpoint)
        self.streams = boto3.client(
            "dynamodbstreams", region_name=REGION, config=cfg, endpoint_url=endpoint
        )
        self.app = app
        self.subs = [s for s in subscriptions(app) if only is None or s.name in only]
        self.seconds: Counter[str] = Counter()
        self.records: Counter[str] = Counter()
        self.reads = 0.0
        self.failures: list[dict[str, Any]] = []
        self.errors: Counter[str] = Counter()  # failed invocations (retried) per consumer
        self.last_error: dict[str, str] = {}
        self._iterators: dict[str, dict[str, str]] = {}
        self._arns: dict[str, str] = {}
        for table in sorted({sub.table for sub in self.subs}):
            arn = self.ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            self._arns[table] = arn
            shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
            self._iterators[table] = {
                s["ShardId"]: self.streams.get_shard_iterator(
                    StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
                for s in shards
            }

    def _read(self, table: str) -> list[dict[str, Any]]:
        """What the table's stream holds now, read once for all its consumers (as the
        local stack's pump does)."""
        from chalicelib.local.pump import lambda_record

        arn = self._arns[table]
        out: list[dict[str, Any]] = []
        began = self.clock()
        iterators = self._iterators[table]
        for shard, iterator in list(iterators.items()):
            while iterator:
                page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                out += [lambda_record(r, arn) for r in page["Records"]]
                iterators[shard] = page.get("NextShardIterator") or iterator
                if not page["Records"]:
                    break
                iterator = iterators[shard]
        self.reads += self.clock() - began
        return out

    def drain(self, before: Callable[[str], None] = lambda name: None) -> int:
        """Deliver every record on the streams now, each consumer in its declared batch
        size; the number of records read. ``before(name)`` is called before each
        consumer's batches (to tag its writes)."""
        from chalicelib.local.lambda_context import LocalContext
        from chalicelib.local.pump import deliver

        total = 0
        for table in self._arns:
            records = self._read(table)
            total += len(records)
            for sub in [s for s in self.subs if s.table == table]:
                handler = self.app.handler_map[sub.name]
                before(sub.name)
                began = self.clock()
                for start in range(0, len(records), sub.batch_size):
                    deliver(
                        lambda batch, h=handler, n=sub.name: h({"Records": batch}, LocalContext(n)),
                        records[start : start + sub.batch_size],
                        sub.delivery,
                        lambda _pause: False,
                        lambda rest, attempts, n=sub.name: self.failures.append(
                            {"consumer": n, "set_aside": len(rest)}
                        ),
                        lambda entry, n=sub.name: self._log(n, entry),
                    )
                self.seconds[sub.name] += self.clock() - began
                self.records[sub.name] += len(records)
        return total

    def _log(self, name: str, entry: dict[str, Any]) -> None:
        if entry.get("error") or entry.get("failures"):
            self.errors[name] += 1
            self.last_error[name] = str(entry.get("error") or entry.get("failures"))[:300]

    def drain_queues(self) -> int:
        """Deliver what the notifications queue holds to its consumer (once each)."""
        import boto3

        from chalicelib.local.lambda_context import LocalContext
        from chalicelib.local.provision import queue_name
        from chalicelib.local.pump import queue_subscriptions, sqs_record

        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=self.endpoint)
        total = 0
        for sub in queue_subscriptions(self.app):
            url = sqs.get_queue_url(QueueName=queue_name(sub.queue))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            while True:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=sub.batch_size, AttributeNames=["All"]
                ).get("Messages", [])
                if not messages:
                    break
                records = [sqs_record(m, arn, REGION) for m in messages]
                began = self.clock()
                try:
                    self.app.handler_map[sub.name]({"Records": records}, LocalContext(sub.name))
                except Exception as exc:  # counted, not fatal: the figures are about writes
                    self.failures.append({"consumer": sub.name, "error": repr(exc)})
                self.seconds[sub.name] += self.clock() - began
                self.records[sub.name] += len(records)
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )
                total += len(records)
        return total


def write_json(path: str | None, rows: list[dict[str, Any]]) -> None:
    """The bench table's rows (figure, value, unit, baseline, ratio, target, holds)."""
    if path:
        Path(path).write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")


def row(
    figure: str,
    value: float,
    unit: str,
    target: str,
    holds: bool | None,
    baseline: float | None = None,
) -> dict[str, Any]:
    ratio = round(value / baseline, 3) if baseline else None
    return {
        "figure": figure,
        "value": round(value, 3),
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "holds": holds,
    }
