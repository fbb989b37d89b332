"""Derived data: period counters, topic counts and ranking snapshots, and the dedup markers
that make each stream record count once. A record's counter updates and its marker are one
TransactWriteItems: all of them happen, or none."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations.aws import client

MARKER_DAYS = 3  # longer than the stream's 24-hour retention
MAX_TRANSACTION_ITEMS = 100


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _add(pk: str, sk: str, amounts: Counter[str], at: str) -> dict[str, Any]:
    names = {f"#c{i}": name for i, name in enumerate(sorted(amounts))}
    values: dict[str, Any] = {
        f":c{i}": {"N": str(amounts[name])} for i, name in enumerate(sorted(amounts))
    }
    values[":at"] = {"S": at}
    adds = ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
    return {
        "Update": {
            "TableName": settings().stats_table,
            "Key": _key(pk, sk),
            "UpdateExpression": f"ADD {adds} SET updated_at = :at",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def apply_once(
    consumer: str, sequence: str, updates: Iterable[tuple[str, str, Counter[str]]], at: str
) -> bool:
    """Add ``updates`` (pk, sk, amounts) unless this consumer applied ``sequence`` already.
    Returns False for a redelivered record (nothing written)."""
    from botocore.exceptions import BotoCoreError, ClientError

    items = [_add(pk, sk, amounts, at) for pk, sk, amounts in updates if amounts]
    if not items:
        return True
    if len(items) >= MAX_TRANSACTION_ITEMS:
        raise ValueError(f"{len(items)} updates do not fit one transaction")
    marker = {
        "Put": {
            "TableName": settings().stats_table,
            "Item": {
                **_key(f"dedup#{consumer}", sequence),
                "expires_at": {"N": str(int(time.time()) + MARKER_DAYS * 86400)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    try:
        client("dynamodb").transact_write_items(TransactItems=[marker, *items])
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise ServiceUnavailable(f"the statistics store refused the update: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc
    return True


def _query(pk: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": settings().stats_table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    while True:
        page = client("dynamodb").query(**kwargs)
        rows += [
            {k: deserializer.deserialize(v) for k, v in item.items()} for item in page["Items"]
        ]
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _numbers(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in row.items() if k not in ("pk", "sk", "updated_at")}


def period_counters(period: str) -> dict[str, dict[str, int]]:
    """scope -> counters for one period: one query of a partition that holds one item per
    department (and the platform), whatever the number of appeals."""
    return {row["sk"]: _numbers(row) for row in _query(f"stats#{period}")}


def platform_counters(period: str) -> dict[str, int]:
    from boto3.dynamodb.types import TypeDeserializer

    item = (
        client("dynamodb")
        .get_item(TableName=settings().stats_table, Key=_key(f"stats#{period}", "platform"))
        .get("Item")
    )
    if not item:
        return {}
    deserializer = TypeDeserializer()
    return _numbers({k: deserializer.deserialize(v) for k, v in item.items()})


def topic_counts(period: str) -> dict[str, dict[str, int]]:
    """category -> word -> number of appeals mentioning it, for one period."""
    out: dict[str, dict[str, int]] = {}
    for row in _query(f"topics#{period}"):
        category, _, word = str(row["sk"]).partition("#")
        out.setdefault(category, {})[word] = int(row.get("appeals", 0))
    return out


def put_snapshot(period: str, board: str, snapshot: dict[str, Any], at: str) -> None:
    client("dynamodb").put_item(
        TableName=settings().stats_table,
        Item={
            **_key(f"ranking#{period}", board),
            "body": {"S": json.dumps(snapshot, ensure_ascii=False)},
            "updated_at": {"S": at},
        },
    )


def snapshots(period: str) -> dict[str, dict[str, Any]]:
    return {row["sk"]: json.loads(row["body"]) for row in _query(f"ranking#{period}")}
