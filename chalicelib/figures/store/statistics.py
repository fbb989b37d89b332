"""Derived data: period counters, topic counts and ranking snapshots, and the dedup markers
that make each stream record count once. A record's counter updates and its marker are one
TransactWriteItems: all of them happen, or none."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import field
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain.records import mutable
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client
from chalicelib.core.store import batch_reads
from chalicelib.core.store.counters import COUNTER_SHARDS, counter_pk, shard_of

MARKER_DAYS = 3  # longer than the stream's 24-hour retention
MAX_TRANSACTION_ITEMS = 100
# A scope's marks (one item per appeal) are spread over this many partition keys, by the
# appeal's id.
MARK_SHARDS = 8
CHUNK_ATTEMPTS = 4


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


def _marker_key(consumer: str, sequence: str) -> dict[str, Any]:
    """One partition key per record: markers are written at the stream's own rate."""
    return _key(f"dedup#{consumer}#{sequence}", sequence)


def _marker(consumer: str, sequence: str) -> dict[str, Any]:
    """The record's dedup marker: its put fails when the record was applied before."""
    return {
        "Put": {
            "TableName": settings().stats_table,
            "Item": {
                **_marker_key(consumer, sequence),
                "expires_at": {"N": str(int(time.time()) + MARKER_DAYS * 86400)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


CounterKey = tuple[str, str]  # (period, scope)
MarkKey = tuple[str, str, str]  # (period, scope, appeal id)


@mutable
class Counted:
    """What one stream record adds: counters per (period, scope) and marks per (period,
    scope, appeal)."""

    sequence: str
    counters: dict[CounterKey, Counter[str]] = field(default_factory=dict)
    marks: dict[MarkKey, Counter[str]] = field(default_factory=dict)

    def keys(self) -> set[tuple[str, ...]]:
        return {k for k, v in self.counters.items() if any(v.values())} | {
            k for k, v in self.marks.items() if +v
        }


def _applied(consumer: str, sequences: list[str]) -> set[str]:
    """The sequences whose markers exist (read consistently: the transactions that follow
    are conditioned on their absence)."""
    table = settings().stats_table
    found: set[str] = set()
    # Markers written before they had a partition each (``dedup#{consumer}``) count too,
    # for as long as they live (MARKER_DAYS).
    wanted = [_marker_key(consumer, s) for s in sequences]
    wanted += [_key(f"dedup#{consumer}", s) for s in sequences]
    for item in batch_reads.get_items(table, wanted, consistent=True):
        found.add(item["sk"]["S"])
    return found


def _chunks(records: list[Counted]) -> list[list[Counted]]:
    """Consecutive records grouped so that each group's markers and distinct counter and
    mark items fit one transaction."""
    chunks: list[list[Counted]] = []
    current: list[Counted] = []
    keys: set[tuple[str, ...]] = set()
    for record in records:
        own = record.keys()
        if 1 + len(own) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(own)} updates do not fit one transaction")
        if current and len(current) + 1 + len(keys | own) > MAX_TRANSACTION_ITEMS:
            chunks.append(current)
            current, keys = [], set()
        current.append(record)
        keys |= own
    if current:
        chunks.append(current)
    return chunks


def _chunk_writes(consumer: str, chunk: list[Counted], shard: int, at: str) -> list[dict[str, Any]]:
    counters: dict[CounterKey, Counter[str]] = {}
    marks: dict[MarkKey, Counter[str]] = {}
    for record in chunk:
        for ckey, amounts in record.counters.items():
            # Counts that go down (an exclusion from the rates) are written as they are.
            counters.setdefault(ckey, Counter()).update(amounts)
        for mkey, amounts in record.marks.items():
            marks.setdefault(mkey, Counter()).update(+amounts)
    counters = {k: Counter({n: v for n, v in c.items() if v}) for k, c in counters.items()}
    writes = [_marker(consumer, record.sequence) for record in chunk]
    writes += [
        _add(counter_pk(period, scope, shard), scope, amounts, at)
        for (period, scope), amounts in sorted(counters.items())
        if amounts
    ]
    writes += [
        _add(marks_key(period, scope, appeal_id), appeal_id, amounts, at)
        for (period, scope, appeal_id), amounts in sorted(marks.items())
        if amounts
    ]
    return writes


def _apply_chunk(consumer: str, chunk: list[Counted], at: str) -> None:
    """One transaction: the chunk's markers and its increments summed per item, on a
    counter shard picked by the chunk's first record (another one when the transaction met
    a concurrent one). Records applied meanwhile are dropped and the rest tried again."""
    from botocore.exceptions import BotoCoreError, ClientError

    shard = shard_of(chunk[0].sequence, COUNTER_SHARDS)
    for _attempt in range(CHUNK_ATTEMPTS):
        if not chunk:
            return
        try:
            client("dynamodb").transact_write_items(
                TransactItems=_chunk_writes(consumer, chunk, shard, at)
            )
            return
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            codes = {r.get("Code") for r in reasons}
            if "ConditionalCheckFailed" in codes:
                done = _applied(consumer, [r.sequence for r in chunk])
                chunk = [r for r in chunk if r.sequence not in done]
            elif "TransactionConflict" in codes:
                shard = (shard + 1) % COUNTER_SHARDS
            else:
                raise ServiceUnavailable(f"the statistics store refused the update: {exc}") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("the statistics store is unreachable") from exc
    if not chunk:
        return  # the last attempt found every record applied meanwhile
    raise ServiceUnavailable("the statistics kept changing; the records are tried again")


def apply_batch(consumer: str, records: list[Counted], at: str) -> list[str]:
    """Add each record's increments unless this consumer applied it already, a batch at a
    time: the records' dedup markers and their summed increments are written together, one
    transaction per chunk of records, so each record counts exactly once whatever the
    redelivery. Returns the sequences not written (a record too large for a transaction,
    and every record from the first chunk that failed on), for the batch's partial failure
    report."""
    from botocore.exceptions import BotoCoreError, ClientError

    wanted = [r for r in records if r.keys()]
    too_large = {r.sequence for r in wanted if 1 + len(r.keys()) > MAX_TRANSACTION_ITEMS}
    wanted = [r for r in wanted if r.sequence not in too_large]
    if not wanted:
        return sorted(too_large)
    try:
        done = _applied(consumer, [r.sequence for r in wanted])
    except (BotoCoreError, ClientError):
        return [r.sequence for r in records if r.sequence in too_large or r in wanted]
    chunks = _chunks([r for r in wanted if r.sequence not in done])
    for index, chunk in enumerate(chunks):
        try:
            _apply_chunk(consumer, chunk, at)
        except ServiceUnavailable:
            left = {r.sequence for c in chunks[index:] for r in c} | too_large
            return [r.sequence for r in records if r.sequence in left]
    return [r.sequence for r in records if r.sequence in too_large]


def apply_once(consumer: str, record: Counted, at: str) -> None:
    """One record on its own (see ``apply_batch``); raises ServiceUnavailable when the
    store refused it."""
    for _ in apply_batch(consumer, [record], at):
        raise ServiceUnavailable("the statistics store refused the update")


TOPICS = "hot-topics#"  # pk prefix: one item per (period, word)
TOPIC_SEEN = "topic-seen#"  # pk prefix: one marker per (period, citizen key), sk the word
TOPIC_ATTEMPTS = 4


def _seen_categories(keys: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(pk, sk) -> categories already counted for each marker that exists (read
    consistently: the transaction that follows is conditioned on what is read here)."""
    table = settings().stats_table
    found: dict[tuple[str, str], set[str]] = {}
    for item in batch_reads.get_items(table, keys, consistent=True):
        found[(item["pk"]["S"], item["sk"]["S"])] = set(item["categories"]["SS"])
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


@mutable
class TopicRecord:
    """One stream record's topic mentions (see ``add_topic_mentions``)."""

    sequence: str
    category: str
    mentions: list[Mention]
    count_appeal: bool = True


MarkerKey = tuple[str, str]  # (pk, word) of a citizen's topic marker


@mutable
class _TopicChunk:
    """Consecutive records written in one transaction: their dedup markers, each counter
    item's amounts summed, and each citizen marker written once, on the condition that it
    is still as it was when the chunk began (``base``)."""

    records: list[TopicRecord] = field(default_factory=list)
    counters: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    base: dict[MarkerKey, set[str] | None] = field(default_factory=dict)
    added: dict[MarkerKey, set[str]] = field(default_factory=dict)
    expires: dict[MarkerKey, int] = field(default_factory=dict)

    def items(self) -> int:
        return len(self.records) + len(self.counters) + len(self.added)

    def writes(self, consumer: str, at: str) -> list[dict[str, Any]]:
        table = settings().stats_table
        out = [_marker(consumer, record.sequence) for record in self.records]
        for (pk, word), categories in sorted(self.added.items()):
            base = self.base[(pk, word)]
            if base is None:
                out.append(
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {
                                **_key(pk, word),
                                "categories": {"SS": sorted(categories)},
                                "expires_at": {"N": str(self.expires[(pk, word)])},
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                )
                continue
            names = sorted(categories)
            out.append(
                {
                    "Update": {
                        "TableName": table,
                        "Key": _key(pk, word),
                        "UpdateExpression": "ADD categories :set",
                        "ConditionExpression": " AND ".join(
                            ["attribute_exists(pk)"]
                            + [f"NOT contains(categories, :c{i})" for i in range(len(names))]
                        ),
                        "ExpressionAttributeValues": {
                            ":set": {"SS": names},
                            **{f":c{i}": {"S": name} for i, name in enumerate(names)},
                        },
                    }
                }
            )
        out += [
            _add(f"{TOPICS}{period}", word, amounts, at)
            for (period, word), amounts in sorted(self.counters.items())
        ]
        return out


def _topic_chunks(
    records: list[TopicRecord], seen: dict[MarkerKey, set[str]]
) -> tuple[list[_TopicChunk], set[str]]:
    """The records in stream order, each counted against the markers as the records before
    it left them (what one transaction per record in turn would count), grouped into
    chunks that fit one transaction; and the sequences of records too large for one."""
    state: dict[MarkerKey, set[str] | None] = {k: set(v) for k, v in seen.items()}
    chunks: list[_TopicChunk] = []
    current = _TopicChunk()
    too_large: set[str] = set()
    for record in records:
        counters: dict[tuple[str, str], Counter[str]] = {}
        added: dict[MarkerKey, set[str]] = {}
        expires: dict[MarkerKey, int] = {}
        for period, citizen, word, expiry in record.mentions:
            key = (_seen_key(period, citizen, word)["pk"]["S"], word)
            categories = state.get(key)
            amounts: Counter[str] = Counter()
            if record.count_appeal:
                amounts.update({"appeals": 1, f"appeals@{record.category}": 1})
            if categories is None:
                amounts.update({"citizens": 1, f"citizens@{record.category}": 1})
                added.setdefault(key, set()).add(record.category)
                expires[key] = expiry
            elif record.category not in categories:
                amounts[f"citizens@{record.category}"] = 1
                added.setdefault(key, set()).add(record.category)
            if amounts:
                counters.setdefault((period, word), Counter()).update(amounts)
        if 1 + len(counters) + len(added) > MAX_TRANSACTION_ITEMS:
            too_large.add(record.sequence)
            continue
        new_counters = set(counters) - set(current.counters)
        new_markers = set(added) - set(current.added)
        if (
            current.records
            and current.items() + 1 + len(new_counters) + len(new_markers) > MAX_TRANSACTION_ITEMS
        ):
            chunks.append(current)
            current = _TopicChunk()
        current.records.append(record)
        for ckey, amounts in counters.items():
            current.counters.setdefault(ckey, Counter()).update(amounts)
        for key, categories in added.items():
            if key not in current.added:
                current.base[key] = None if state.get(key) is None else set(state[key] or ())
                current.added[key] = set()
            current.added[key] |= categories
            if key in expires:
                current.expires.setdefault(key, expires[key])
            state[key] = (state.get(key) or set()) | categories
    if current.records:
        chunks.append(current)
    return chunks, too_large


def add_topic_batch(records: list[TopicRecord], at: str, *, consumer: str = "topics") -> list[str]:
    """A stream batch's topic mentions counted as ``add_topic_mentions`` counts each record
    in turn, with a read of the batch's dedup and citizen markers together and one
    transaction per chunk of records (the counters' amounts summed per item): each record's
    dedup marker is in the transaction of its counts, so it counts exactly once. A marker
    changed meanwhile (another record of the same citizen, from the supports' consumer)
    cancels the chunk, which is read and tried again with the records after it. Returns
    the sequences not written (a record too large for one transaction, and every record
    from the first chunk that could not be written), for the partial failure report."""
    from botocore.exceptions import BotoCoreError, ClientError

    pending = [r for r in records if r.mentions]
    failed: set[str] = set()
    for _attempt in range(TOPIC_ATTEMPTS):
        if not pending:
            break
        try:
            done = _applied(consumer, [r.sequence for r in pending])
            pending = [r for r in pending if r.sequence not in done]
            keys = list(
                {
                    (key["pk"]["S"], key["sk"]["S"]): key
                    for r in pending
                    for key in (_seen_key(p, c, w) for p, c, w, _ in r.mentions)
                }.values()
            )
            seen = _seen_categories(keys) if keys else {}
        except (BotoCoreError, ClientError, ServiceUnavailable):
            return _in_order(records, failed | {r.sequence for r in pending})
        chunks, too_large = _topic_chunks(pending, seen)
        failed |= too_large
        pending = []
        for index, chunk in enumerate(chunks):
            rest = [r for c in chunks[index:] for r in c.records]
            try:
                client("dynamodb").transact_write_items(TransactItems=chunk.writes(consumer, at))
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons") or []
                if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                    pending = rest  # read again, and tried again
                    break
                return _in_order(records, failed | {r.sequence for r in rest})
            except BotoCoreError:
                return _in_order(records, failed | {r.sequence for r in rest})
    failed |= {r.sequence for r in pending}  # markers kept changing: tried again later
    return _in_order(records, failed)


def _in_order(records: list[TopicRecord], sequences: set[str]) -> list[str]:
    return [r.sequence for r in records if r.sequence in sequences]


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


def period_counters(period: str, scopes: Iterable[str]) -> dict[str, dict[str, int]]:
    """scope -> counters for one period, for the ``scopes`` asked (those with any count):
    each scope's write shards read with BatchGetItem and summed."""
    wanted = list(dict.fromkeys(scopes))
    found = _sum_shards([(period, scope) for scope in wanted])
    return {scope: found[(period, scope)] for scope in wanted if found[(period, scope)]}


def platform_counters_of(periods: list[str]) -> dict[str, dict[str, int]]:
    """The platform's counters for several periods (the days of a month)."""
    found = counters_of([(p, "platform") for p in periods[:100]])
    return {p: found[(p, "platform")] for p in periods[:100]}


def counters_of(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    """The counters of several (period, scope) items (at most 100), each the sum of its
    write shards; an item not written yet counts nothing."""
    return _sum_shards(keys[:100])


def _sum_shards(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    table = settings().stats_table
    owner = {
        counter_pk(period, scope, shard): (period, scope)
        for period, scope in dict.fromkeys(keys)
        for shard in range(COUNTER_SHARDS)
    }
    # Counters written before the shards (one item per period and scope) count too.
    owner.update({f"stats#{period}": (period, "") for period, _scope in keys})
    shard_keys = [_key(pk, scope) for pk, (_period, scope) in owner.items() if scope]
    shard_keys += [_key(f"stats#{period}", scope) for period, scope in dict.fromkeys(keys)]
    found: dict[tuple[str, str], Counter[str]] = {key: Counter() for key in keys}
    for item in batch_reads.get_items(table, shard_keys):
        row = {k: deserializer.deserialize(v) for k, v in item.items()}
        period, scope = owner[str(row["pk"])]
        found[(period, scope or str(row["sk"]))].update(_numbers(row))
    return {key: dict(found[key]) for key in keys}


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


MARKS = "marks#"  # pk prefix: MARK_SHARDS partitions per (period, scope), one item per appeal


def marks_key(period: str, scope: str, appeal_id: str) -> str:
    return f"{MARKS}{period}#{scope}#{shard_of(appeal_id, MARK_SHARDS)}"


def marked(period: str, scope: str) -> dict[str, dict[str, int]]:
    """appeal id -> what it was marked for in ``period`` and ``scope`` (domain/stats.py
    ``marks``): one query of each of the scope's shards, as large as its own activity."""
    found: dict[str, Counter[str]] = {}
    # Marks written before the shards (one partition per period and scope) count too.
    partitions = [f"{MARKS}{period}#{scope}#{shard}" for shard in range(MARK_SHARDS)]
    for pk in [*partitions, f"{MARKS}{period}#{scope}"]:
        for row in _query(pk):
            found.setdefault(str(row["sk"]), Counter()).update(_numbers(row))
    return {appeal_id: dict(marks) for appeal_id, marks in found.items()}
