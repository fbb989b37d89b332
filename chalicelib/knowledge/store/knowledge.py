"""The knowledge base's store (``KnowledgeModel``'s table): current articles in one
partition, every version kept, and the version stamp the search index is keyed by. Each
article write is one transaction: the article (conditional on the version it was made
from), its version record and the stamp's bump."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, ServiceUnavailable, ValidationFailed
from chalicelib.core.integrations.aws import client
from chalicelib.figures.domain.statistics import KNOWLEDGE
from chalicelib.knowledge.domain.knowledge import Article

ARTICLES = "article"
STAMP = ("stamp", "articles")
HELPFUL = "helpful"
STATS_SCOPE = KNOWLEDGE  # answers that helped (deflected), in the counters' write shards


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _serialize(values: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in values.items()}


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in item.items()}


def _article(item: dict[str, Any]) -> Article:
    return Article.from_dict(_deserialize(item))


def _call(operation: str, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client("dynamodb"), operation)(**kwargs)
    except ClientError as exc:
        raise ServiceUnavailable(f"the knowledge base refused the request: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the knowledge base is unreachable") from exc


def get(article_id: str) -> Article | None:
    found = _call(
        "get_item", TableName=settings().knowledge_table, Key=_key(ARTICLES, article_id)
    ).get("Item")
    return _article(found) if found else None


def _query(**kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    page = _call("query", TableName=settings().knowledge_table, **kwargs)
    return list(page.get("Items", [])), page.get("LastEvaluatedKey")


def all_articles() -> list[Article]:
    """Every current article: the partition the search index is built from."""
    found: list[Article] = []
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        items, start = _query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": ARTICLES}},
            **extra,
        )
        found += [_article(i) for i in items]
        if not start:
            return found


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key["sk"]["S"]).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        sk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise ValidationFailed.one("cursor", "is not a cursor this list gave") from exc
    if not isinstance(sk, str):
        raise ValidationFailed.one("cursor", "is not a cursor this list gave")
    return _key(ARTICLES, sk)


def page(limit: int, cursor: str | None) -> tuple[list[Article], str | None]:
    extra = {"ExclusiveStartKey": _decode_cursor(cursor)} if cursor else {}
    items, last = _query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": ARTICLES}},
        Limit=limit,
        **extra,
    )
    return [_article(i) for i in items], _encode_cursor(last)


def versions(article_id: str) -> list[dict[str, Any]]:
    """Every version of an article, oldest first: what it said, who changed it and when."""
    rows: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        items, start = _query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"version#{article_id}"}},
            **extra,
        )
        for item in items:
            row = _deserialize(item)
            rows.append({k: v for k, v in row.items() if k not in ("pk", "sk", "owner")})
        if not start:
            return [{**r, "version": int(r["version"])} for r in rows]


def _current_item(article: Article) -> dict[str, Any]:
    return _serialize(
        {"pk": ARTICLES, "sk": article.id, "owner": article.owner, **article.to_dict()}
    )


def save(article: Article, previous: int | None) -> Article:
    """Write ``article`` as its new current version, its version record and a new stamp,
    in one transaction. ``previous`` is the version it was made from (None: a new article);
    someone else's change in between is a 409."""
    from botocore.exceptions import BotoCoreError, ClientError

    table = settings().knowledge_table
    if previous is None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        condition = {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(previous)}},
        }
    record = {k: v for k, v in _current_item(article).items() if k not in ("pk", "sk", "owner")}
    items = [
        {"Put": {"TableName": table, "Item": _current_item(article), **condition}},
        {
            "Put": {
                "TableName": table,
                "Item": {**_key(f"version#{article.id}", f"{article.version:06d}"), **record},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": _key(*STAMP),
                "UpdateExpression": "ADD n :one SET updated_at = :at",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":at": {"S": article.updated_at}},
            }
        },
    ]
    try:
        client("dynamodb").transact_write_items(TransactItems=items)
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        codes = [r.get("Code") for r in reasons]
        if "ConditionalCheckFailed" in codes:
            current = get(article.id)
            raise Conflict(
                f"article {article.id} was changed meanwhile (now version "
                f"{current.version if current else 'none'})",
                version=current.version if current else None,
            ) from exc
        raise ServiceUnavailable(f"the knowledge base refused the change: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the knowledge base is unreachable") from exc
    return article


def stamp() -> int:
    """The index's version stamp: bumped by every article write."""
    item = _call(
        "get_item",
        TableName=settings().knowledge_table,
        Key=_key(*STAMP),
        ProjectionExpression="n",
    ).get("Item")
    return int(item["n"]["N"]) if item else 0


def helpful_count(article_id: str) -> int:
    item = _call(
        "get_item", TableName=settings().knowledge_table, Key=_key(HELPFUL, article_id)
    ).get("Item")
    return int(item["n"]["N"]) if item else 0


def mark_helpful(article_id: str, citizen_key: str, periods: tuple[str, ...], at: str) -> bool:
    """One citizen's "this answered my question" for one article, once: the marker, the
    article's count and the periods' ``deflected`` counters in one transaction. False when
    the citizen had said so before (nothing written)."""
    from botocore.exceptions import BotoCoreError, ClientError

    table = settings().knowledge_table
    add = {"UpdateExpression": "ADD n :one SET updated_at = :at"}
    values = {":one": {"N": "1"}, ":at": {"S": at}}
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": {**_key(f"helpful#{article_id}", citizen_key), "at": {"S": at}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": _key(HELPFUL, article_id),
                **add,
                "ExpressionAttributeValues": values,
            }
        },
    ]
    from chalicelib.core.store.counters import COUNTER_SHARDS, counter_pk, shard_of

    shard = shard_of(citizen_key, COUNTER_SHARDS)  # summed on read with the other counters
    for period in periods:
        items.append(
            {
                "Update": {
                    "TableName": settings().stats_table,
                    "Key": _key(counter_pk(period, STATS_SCOPE, shard), STATS_SCOPE),
                    "UpdateExpression": "ADD deflected :one SET updated_at = :at",
                    "ExpressionAttributeValues": values,
                }
            }
        )
    try:
        client("dynamodb").transact_write_items(TransactItems=items)
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise ServiceUnavailable(f"the knowledge base refused the count: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the knowledge base is unreachable") from exc
    return True


def review_due(owner: str, before_day: str) -> list[Article]:
    """The owner's current articles whose review date is before ``before_day``, from the
    sparse by-owner index (never a scan)."""
    found: list[Article] = []
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        items, start = _query(
            IndexName="by-owner",
            KeyConditionExpression="#o = :o AND review_at < :d",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": {"S": owner}, ":d": {"S": before_day}},
            **extra,
        )
        found += [_article(i) for i in items]
        if not start:
            return found
