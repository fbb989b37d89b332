"""Shared by the benchmarks: an in-process moto stack, botocore-hook meters (items read,
requests, DynamoDB read and write units including index writes) and the table rows every
bench writes with ``--json PATH``. Benchmarks print figures; they never pass or fail on time.

A row of the table (``bench/run_all.py`` prints them side by side)::

    {"figure": str, "value": float, "unit": str, "baseline": float | None,
     "ratio": float | None, "target": str | None, "holds": bool | None}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from capacity import KB, READS, WRITES, Schema, blocks, item_size, read_units, write_units

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    MINSHENG_STAGE="test",
    MINSHENG_TABLE_PREFIX="minsheng-bench",
    MINSHENG_SUBMISSION_LIMITS="off",
    POWERTOOLS_METRICS_NAMESPACE="Minsheng",
    POWERTOOLS_SERVICE_NAME="minsheng",
    POWERTOOLS_LOG_LEVEL="ERROR",
    POWERTOOLS_METRICS_DISABLED="true",
)

# -- table rows -----------------------------------------------------------------------------


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the ``--json PATH`` every bench accepts."""
    found = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    found.add_argument("--json", type=Path, help="also write the figures as table rows here")
    return found


def row(
    figure: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    at_most: float | None = None,
    at_least: float | None = None,
    target: str | None = None,
    holds: bool | None = None,
) -> dict[str, Any]:
    """One figure. With ``at_most``/``at_least`` the target is on the ratio when there is a
    baseline, else on the value; ``target``/``holds`` given outright override that."""
    ratio = round(value / baseline, 3) if baseline else None
    judged = ratio if ratio is not None else value
    if at_most is not None:
        target = target or f"≤ {at_most:g}"
        holds = judged <= at_most if holds is None else holds
    if at_least is not None:
        target = target or f"≥ {at_least:g}"
        holds = judged >= at_least if holds is None else holds
    return {
        "figure": figure,
        "value": round(float(value), 4),
        "unit": unit,
        "baseline": None if baseline is None else round(float(baseline), 4),
        "ratio": ratio,
        "target": target,
        "holds": holds,
    }


def emit(rows: list[dict[str, Any]], path: Path | None) -> None:
    if path is not None:
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", "utf-8")


# -- DynamoDB capacity, from item sizes (the arithmetic is in capacity.py) --------------


class Meter:
    """Every AWS request of every botocore client (``service:Operation``), and for DynamoDB
    the read and write units from the items before and after each write (read again from
    the backend outside the count) and the indexes each write touches. Moto's
    ConsumedCapacity is a placeholder; this is DynamoDB's pricing arithmetic instead.

    Install before any client exists; count between ``start()`` and ``take()``."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.on = False
        self._quiet = False
        self._schemas: dict[str, Schema] = {}
        self.reset()
        original = BaseClient._make_api_call
        meter = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if not meter.on or meter._quiet:
                return original(client, operation, params)
            service = client.meta.service_model.service_name
            meter.calls[f"{service}:{operation}"] += 1
            meter._count_send(service, operation, params)
            if service != "dynamodb" or operation not in WRITES | READS:
                return original(client, operation, params)
            with meter._raw():
                targets = meter._targets(client, original, operation, params)
                before = [meter._get(client, original, t, k) for t, k in targets]
            try:
                result = original(client, operation, params)
            except Exception:
                # A refused condition is still charged for the item it checked.
                for (table, _key), old in zip(targets, before, strict=True):
                    meter.wcu[table] += blocks(item_size(old), KB)
                raise
            with meter._raw():
                if operation in WRITES:
                    transactional = operation == "TransactWriteItems"
                    for (table, key), old in zip(targets, before, strict=True):
                        new = meter._get(client, original, table, key)
                        base, indexes = write_units(
                            meter._schema(client, original, table), old, new, transactional
                        )
                        meter.wcu[table] += base
                        for index, units in indexes.items():
                            meter.index_wcu[f"{table}/{index}"] += units
                else:
                    meter._count_read(operation, params, result)
            return result

        BaseClient._make_api_call = call  # type: ignore[method-assign]

    def reset(self) -> None:
        self.calls: Counter[str] = Counter()
        self.sends: Counter[str] = Counter()
        self.wcu: Counter[str] = Counter()
        self.index_wcu: Counter[str] = Counter()
        self.rru: defaultdict[str, float] = defaultdict(float)

    def start(self) -> None:
        self.reset()
        self.on = True

    def take(self) -> Usage:
        usage = Usage(
            Counter(self.calls),
            Counter(self.wcu),
            Counter(self.index_wcu),
            dict(self.rru),
            Counter(self.sends),
        )
        self.reset()
        return usage

    @contextmanager
    def _raw(self) -> Iterator[None]:
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _schema(self, client: Any, original: Any, table: str) -> Schema:
        if table not in self._schemas:
            found = original(client, "DescribeTable", {"TableName": table})["Table"]
            self._schemas[table] = Schema(found)
        return self._schemas[table]

    def _targets(
        self, client: Any, original: Any, operation: str, params: dict[str, Any]
    ) -> list[tuple[str, dict[str, Any]]]:
        """(table, key) of every item a write touches."""

        def key_of(table: str, body: dict[str, Any]) -> dict[str, Any]:
            if "Key" in body:
                return dict(body["Key"])
            keys = self._schema(client, original, table).keys
            return {k: body["Item"][k] for k in keys}

        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [(params["TableName"], key_of(params["TableName"], params))]
        if operation == "BatchWriteItem":
            return [
                (table, key_of(table, request.get("PutRequest") or request["DeleteRequest"]))
                for table, requests in params["RequestItems"].items()
                for request in requests
            ]
        if operation == "TransactWriteItems":
            found = []
            for entry in params["TransactItems"]:
                ((_kind, body),) = entry.items()
                found.append((body["TableName"], key_of(body["TableName"], body)))
            return found
        return []

    def _get(
        self, client: Any, original: Any, table: str, key: dict[str, Any]
    ) -> dict[str, Any] | None:
        got = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        item = got.get("Item")
        return dict(item) if item else None

    def _count_send(self, service: str, operation: str, params: dict[str, Any]) -> None:
        """Messages that are priced per message: SQS messages, emails, text messages."""
        if service == "sqs" and operation == "SendMessage":
            self.sends["sqs messages"] += 1
        elif service == "sqs" and operation == "SendMessageBatch":
            self.sends["sqs messages"] += len(params.get("Entries", []))
        elif service in ("ses", "sesv2") and operation.startswith("Send"):
            self.sends["emails"] += 1
        elif service == "sns" and operation == "Publish" and "PhoneNumber" in params:
            self.sends["sms"] += 1

    def _count_read(self, operation: str, params: dict[str, Any], result: dict[str, Any]) -> None:
        if operation == "GetItem":
            size = item_size(result.get("Item"))
            units = read_units([size], bool(params.get("ConsistentRead")), True)
            self.rru[params["TableName"]] += units
        elif operation in ("Query", "Scan"):
            sizes = [item_size(i) for i in result.get("Items", [])]
            units = read_units(sizes, bool(params.get("ConsistentRead")), False)
            name = params["TableName"] + (
                f"/{params['IndexName']}" if "IndexName" in params else ""
            )
            self.rru[name] += units
        elif operation == "BatchGetItem":
            for table, items in result.get("Responses", {}).items():
                consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                sizes = [item_size(i) for i in items]
                self.rru[table] += read_units(sizes, consistent, True) if sizes else 0
        elif operation == "TransactGetItems":
            for entry, response in zip(
                params["TransactItems"], result.get("Responses", []), strict=False
            ):
                table = entry["Get"]["TableName"]
                self.rru[table] += read_units([item_size(response.get("Item"))], True, True, 2)


class Usage:
    """What the calls between ``start()`` and ``take()`` cost."""

    def __init__(
        self,
        calls: Counter[str],
        wcu: Counter[str],
        index_wcu: Counter[str],
        rru: dict[str, float],
        sends: Counter[str] | None = None,
    ) -> None:
        self.calls, self.wcu, self.index_wcu, self.rru = calls, wcu, index_wcu, rru
        self.sends = sends or Counter()

    def __add__(self, other: Usage) -> Usage:
        rru = dict(self.rru)
        for k, v in other.rru.items():
            rru[k] = rru.get(k, 0.0) + v
        return Usage(
            self.calls + other.calls,
            self.wcu + other.wcu,
            self.index_wcu + other.index_wcu,
            rru,
            self.sends + other.sends,
        )

    def count(self, service: str, operations: set[str] | None = None) -> int:
        return sum(
            n
            for name, n in self.calls.items()
            if name.startswith(service + ":")
            and (operations is None or name.split(":", 1)[1] in operations)
        )

    @property
    def reads(self) -> int:
        return self.count("dynamodb", READS)

    @property
    def writes(self) -> int:
        return self.count("dynamodb", WRITES)

    @property
    def table_wcu(self) -> int:
        return sum(self.wcu.values())

    @property
    def index_units(self) -> int:
        return sum(self.index_wcu.values())

    @property
    def total_wcu(self) -> int:
        return self.table_wcu + self.index_units

    @property
    def total_rru(self) -> float:
        return sum(self.rru.values())


# -- items read (sweep and rankings benches) ----------------------------------------------


class ItemsRead:
    """Items DynamoDB reads for the calls made while counting: ScannedCount of queries and
    scans, one per GetItem hit, one per BatchGetItem item (botocore ``after-call`` hooks on
    every client, installed before any client exists)."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.items = 0
        self.calls: Counter[str] = Counter()
        self.on = False
        original = BaseClient.__init__
        meter = self

        def init(client: Any, *args: Any, **kwargs: Any) -> None:
            original(client, *args, **kwargs)
            client.meta.events.register("after-call.dynamodb", meter.count)

        BaseClient.__init__ = init  # type: ignore[method-assign]

    def count(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.on:
            return
        name = model.name
        self.calls[name] += 1
        if name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())

    def start(self) -> None:
        self.items, self.calls, self.on = 0, Counter(), True

    def stop(self) -> tuple[int, Counter[str]]:
        self.on = False
        return self.items, self.calls


def provision() -> None:
    import boto3

    from chalicelib.core.config import settings
    from chalicelib.local import demo, moto_patches
    from chalicelib.local import provision as resources

    moto_patches.apply_all()
    settings.cache_clear()
    resources.create_tables(boto3.client("dynamodb"))
    resources.create_owner_key_secret(boto3.client("secretsmanager"), settings().owner_key_secret)
    demo.load_reference_data("2026-11-01T09:00:00.000+08:00")
