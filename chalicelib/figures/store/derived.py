"""What rebuilding the derived data reads and clears: segments of a parallel scan of the
tables the figures come from (appeals, supports, the knowledge base's helpful answers),
the derived items of the stats table, and the two counts that are not stream consumers'
(supporters per appeal, deflected answers), each written once per rebuild with its
dedup marker like every other count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client
from chalicelib.core.store.counters import COUNTER_SHARDS, counter_pk, shard_of
from chalicelib.figures.store.statistics import _add, _marker

# Everything in the stats table that is derived from the appeals, supports and helpful
# answers. Not derived, so kept: the stream consumers' dedup markers (``dedup#``: a record
# delivered again must still count once) and which report went to whom (``report-sent#``).
DERIVED_PREFIXES = (
    "stats#",
    "marks#",
    "hot-topics#",
    "topic-seen#",
    # Early warning's distinct citizens per town or street and week (not its alerts,
    # ``alert``: what staff did about them is on record, not derived).
    "place-topics#",
    "place-seen#",
    "ranking#",
    "support#",
)
SNAPSHOTS = "ranking#"
# The knowledge base's helpful answers (knowledge/store/knowledge.py): one item per citizen
# key and article, ``helpful#{article}`` / citizen key, with the time it was said.
HELPFUL_PREFIX = "helpful#"


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in item.items()}


def scan_segment(
    table: str, segment: int, total: int, **extra: Any
) -> Iterator[list[dict[str, Any]]]:
    """One segment of a parallel scan, a page at a time, as plain values (the shape a
    stream record's images have)."""
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs: dict[str, Any] = {
        "TableName": table,
        "Segment": segment,
        "TotalSegments": total,
        "ConsistentRead": True,
        **extra,
    }
    while True:
        try:
            page = client("dynamodb").scan(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable(f"{table} could not be scanned: {exc}") from exc
        yield [_plain(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def helpful_answers(segment: int, total: int) -> Iterator[list[dict[str, Any]]]:
    """The knowledge base's helpful answers in one scan segment: article, citizen key, at."""
    yield from scan_segment(
        settings().knowledge_table,
        segment,
        total,
        FilterExpression="begins_with(pk, :p)",
        ExpressionAttributeValues={":p": {"S": HELPFUL_PREFIX}},
    )


def clear_segment(segment: int, total: int) -> tuple[int, set[str]]:
    """Delete the derived items in one segment of the stats table. Returns how many, and
    the periods whose ranking snapshots were among them (to be written again)."""
    table = settings().stats_table
    deleted, periods = 0, set()
    for page in scan_segment(table, segment, total, ProjectionExpression="pk, sk"):
        keys = [row for row in page if str(row["pk"]).startswith(DERIVED_PREFIXES)]
        for row in keys:
            if str(row["pk"]).startswith(SNAPSHOTS):
                periods.add(str(row["pk"]).removeprefix(SNAPSHOTS))
        for start in range(0, len(keys), 25):
            _delete_batch(table, keys[start : start + 25])
        deleted += len(keys)
    return deleted, periods


def _delete_batch(table: str, rows: list[dict[str, Any]]) -> None:
    requests: list[dict[str, Any]] = [
        {"DeleteRequest": {"Key": {"pk": {"S": str(r["pk"])}, "sk": {"S": str(r["sk"])}}}}
        for r in rows
    ]
    for _attempt in range(8):
        if not requests:
            return
        answer = client("dynamodb").batch_write_item(RequestItems={table: requests})
        requests = answer.get("UnprocessedItems", {}).get(table, [])
    raise ServiceUnavailable("the stats table kept refusing the deletions")


def _once(consumer: str, sequence: str, writes: list[dict[str, Any]]) -> bool:
    """The writes and the marker of ``sequence`` together; False when it was written before."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("dynamodb").transact_write_items(
            TransactItems=[_marker(consumer, sequence), *writes]
        )
        return True
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise ServiceUnavailable(f"the statistics store refused the update: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc


def count_supporter(consumer: str, sequence: str, appeal_id: str, at: str) -> bool:
    """One supporter of an appeal, in the counter ``supports.support`` keeps."""
    from chalicelib.figures.store.supports import COUNT_SK, _counter_pk

    return _once(
        consumer, sequence, [_add(_counter_pk(appeal_id), COUNT_SK, Counter({"count": 1}), at)]
    )


def count_deflected(
    consumer: str, sequence: str, scope: str, citizen_key: str, periods: tuple[str, ...], at: str
) -> bool:
    """One helpful answer in the ``deflected`` counters of its periods, on the write shard
    the knowledge base picks for it."""
    shard = shard_of(citizen_key, COUNTER_SHARDS)
    return _once(
        consumer,
        sequence,
        [
            _add(counter_pk(period, scope, shard), scope, Counter({"deflected": 1}), at)
            for period in periods
        ],
    )
