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


def _marker(consumer: str, sequence: str) -> dict[str, Any]:
    """The record's dedup marker: its put fails when the record was applied before."""
    return {
        "Put": {
            "TableName": settings().stats_table,
            "Item": {
                **_key(f"dedup#{consumer}", sequence),
                "expires_at": {"N": str(int(time.time()) + MARKER_DAYS * 86400)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
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
    try:
        client("dynamodb").transact_write_items(TransactItems=[_marker(consumer, sequence), *items])
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise ServiceUnavailable(f"the statistics store refused the update: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc
    return True


TOPICS = "hot-topics#"  # pk prefix: one item per (period, word)
TOPIC_SEEN = "topic-seen#"  # pk prefix: one marker per (period, citizen key), sk the word
TOPIC_ATTEMPTS = 4


def _seen_categories(keys: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(pk, sk) -> categories already counted for each marker that exists (read
    consistently: the transaction that follows is conditioned on what is read here)."""
    table = settings().stats_table
    found: dict[tuple[str, str], set[str]] = {}
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    while request:
        page = client("dynamodb").batch_get_item(RequestItems=request)
        for item in page.get("Responses", {}).get(table, []):
            found[(item["pk"]["S"], item["sk"]["S"])] = set(item["categories"]["SS"])
        request = page.get("UnprocessedKeys") or {}
    return found


Mention = tuple[str, str, str, int]  # period, citizen key, word, marker expiry (epoch)


def _seen_key(period: str, citizen: str, word: str) -> dict[str, Any]:
    return _key(f"{TOPIC_SEEN}{period}#{citizen}", word)


def _topic_writes(
    mentions: list[Mention],
    category: str,
    seen: dict[tuple[str, str], set[str]],
    at: str,
    count_appeal: bool = True,
) -> list[dict[str, Any]]:
    """For each mention: the word's counters and, the first time this citizen is seen with
    the word (in the period, in the category), the marker that remembers it, written on
    the condition that it is still as read."""
    table = settings().stats_table
    writes: list[dict[str, Any]] = []
    for period, citizen, word, expires in mentions:
        key = _seen_key(period, citizen, word)
        categories = seen.get((key["pk"]["S"], word))
        amounts: Counter[str] = Counter()
        if count_appeal:
            amounts.update({"appeals": 1, f"appeals@{category}": 1})
        if categories is None:
            amounts.update({"citizens": 1, f"citizens@{category}": 1})
            writes.append(
                {
                    "Put": {
                        "TableName": table,
                        "Item": {
                            **key,
                            "categories": {"SS": [category]},
                            "expires_at": {"N": str(expires)},
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        elif category not in categories:
            amounts[f"citizens@{category}"] = 1
            writes.append(
                {
                    "Update": {
                        "TableName": table,
                        "Key": key,
                        "UpdateExpression": "ADD categories :set",
                        "ConditionExpression": "attribute_exists(pk)"
                        " AND NOT contains(categories, :category)",
                        "ExpressionAttributeValues": {
                            ":set": {"SS": [category]},
                            ":category": {"S": category},
                        },
                    }
                }
            )
        if amounts:
            writes.append(_add(f"{TOPICS}{period}", word, amounts, at))
    return writes


def add_topic_mentions(
    sequence: str,
    category: str,
    mentions: list[Mention],
    at: str,
    *,
    count_appeal: bool = True,
    consumer: str = "topics",
) -> bool:
    """Count one appeal's words: each (period, citizen key, word, marker expiry) adds an
    appeal, and a citizen when that key (never the citizen's id) had not come with the word
    in that period before, overall and in ``category``. One read of the
    markers, then one transaction with the record's dedup marker: a redelivered record
    changes nothing (False), and a marker written meanwhile by another record of the same
    citizen cancels the transaction, which is read and tried again."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not mentions:
        return True
    keys = [_seen_key(period, citizen, word) for period, citizen, word, _ in mentions]
    for _attempt in range(TOPIC_ATTEMPTS):
        try:
            seen = _seen_categories(keys)
            writes = _topic_writes(mentions, category, seen, at, count_appeal)
            if len(writes) >= MAX_TRANSACTION_ITEMS:
                raise ValueError(f"{len(writes)} writes do not fit one transaction")
            client("dynamodb").transact_write_items(
                TransactItems=[_marker(consumer, sequence), *writes]
            )
            return True
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            if not any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                raise ServiceUnavailable(f"the statistics store refused the update: {exc}") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("the statistics store is unreachable") from exc
    raise ServiceUnavailable("topic markers kept changing; the record is tried again")


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


def platform_counters_of(periods: list[str]) -> dict[str, dict[str, int]]:
    """The platform's counters for several periods (the days of a month): one
    BatchGetItem of at most 100 keys."""
    found = counters_of([(p, "platform") for p in periods[:100]])
    return {p: found[(p, "platform")] for p in periods[:100]}


def counters_of(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    """The counters of several (period, scope) items in one BatchGetItem (at most 100
    keys); an item not written yet counts nothing."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    table = settings().stats_table
    request: dict[str, Any] = {
        table: {"Keys": [_key(f"stats#{period}", scope) for period, scope in keys[:100]]}
    }
    found: dict[tuple[str, str], dict[str, int]] = {}
    for _attempt in range(5):
        page = client("dynamodb").batch_get_item(RequestItems=request)
        for item in page.get("Responses", {}).get(table, []):
            row = {k: deserializer.deserialize(v) for k, v in item.items()}
            found[(str(row["pk"]).removeprefix("stats#"), str(row["sk"]))] = _numbers(row)
        request = page.get("UnprocessedKeys") or {}
        if not request:
            break
    return {key: found.get(key, {}) for key in keys[:100]}


def topic_counts(period: str) -> dict[str, dict[str, int]]:
    """word -> its counters for one period: ``citizens`` and ``appeals`` over all
    categories, and ``citizens@<category>`` and ``appeals@<category>`` for each."""
    return {str(row["sk"]): _numbers(row) for row in _query(f"{TOPICS}{period}")}


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


MARKS = "marks#"  # pk prefix: one partition per (period, scope), one item per appeal


def marks_key(period: str, scope: str) -> str:
    return f"{MARKS}{period}#{scope}"


def marked(period: str, scope: str) -> dict[str, dict[str, int]]:
    """appeal id -> what it was marked for in ``period`` and ``scope`` (domain/stats.py
    ``marks``): one query of a partition as large as the scope's own activity."""
    return {str(row["sk"]): _numbers(row) for row in _query(marks_key(period, scope))}
