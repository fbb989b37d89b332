"""Shared by the benchmarks: an in-process moto stack and a botocore-hook meter of items
read. Benchmarks print figures; they never pass or fail on time."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

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
    POWERTOOLS_METRICS_NAMESPACE="Minsheng",
    POWERTOOLS_SERVICE_NAME="minsheng",
    POWERTOOLS_LOG_LEVEL="ERROR",
)


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

    from chalicelib.config import settings
    from chalicelib.local import demo, moto_patches
    from chalicelib.local import provision as resources

    moto_patches.apply_all()
    settings.cache_clear()
    resources.create_tables(boto3.client("dynamodb"))
    demo.load_reference_data("2026-11-01T09:00:00.000+08:00")
