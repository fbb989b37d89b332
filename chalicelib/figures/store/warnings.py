"""Early warning's data in the stats table.

Derived (rebuilt from the appeals): distinct citizens per ISO week, town or street, and
topic word or category (``place-topics#{week}#{place}`` / ``word#{word}`` or
``category#{code}``, attribute ``citizens``), and the marker of each citizen key already
counted there (``place-seen#{week}#{place}#{citizen key}`` / the same sort key, expiring).

Not derived, so kept by a rebuild: the alerts (``alert`` / alert id, the id starting with
its ISO week so the list reads newest week first), each with its state and what was done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable
from chalicelib.core.integrations.aws import client
from chalicelib.core.store import batch_reads
from chalicelib.core.store.cursors import decode_cursor, encode_cursor
from chalicelib.figures.store.statistics import _add, _key, _marker

PLACE_TOPICS = "place-topics#"
PLACE_SEEN = "place-seen#"
ALERTS = "alert"
CONSUMER = "place-topics"
ATTEMPTS = 4

Count = tuple[str, str]  # (dimension, key): ("word", "噪音"), ("category", "environment-noise")


def _sk(dimension: str, key: str) -> str:
    return f"{dimension}#{key}"


def add_place_mentions(
    sequence: str,
    week: str,
    place: str,
    citizen: str,
    counts: list[Count],
    expires: int,
    at: str,
    consumer: str = CONSUMER,
) -> bool:
    """Count ``citizen`` (a one-way key) once per word and category in the place's week:
    the markers read, then one transaction with the record's dedup marker, each missing
    citizen marker and its count. False when the record was counted before."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not counts:
        return True
    table = settings().stats_table
    seen_pk = f"{PLACE_SEEN}{week}#{place}#{citizen}"
    keys = [_key(seen_pk, _sk(d, k)) for d, k in counts]
    for _attempt in range(ATTEMPTS):
        try:
            seen = {i["sk"]["S"] for i in batch_reads.get_items(table, keys, consistent=True)}
            writes: list[dict[str, Any]] = []
            for dimension, key in counts:
                sk = _sk(dimension, key)
                if sk in seen:
                    continue
                writes.append(
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {**_key(seen_pk, sk), "expires_at": {"N": str(expires)}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                )
                amounts: Any = {"citizens": 1}
                writes.append(_add(f"{PLACE_TOPICS}{week}#{place}", sk, _counter(amounts), at))
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
    raise ServiceUnavailable("place markers kept changing; the record is tried again")


@dataclass
class PlaceRecord:
    """One stream record's place mentions (see ``add_place_mentions``)."""

    sequence: str
    week: str
    place: str
    citizen: str
    counts: list[Count]
    expires: int


def add_place_batch(records: list[PlaceRecord], at: str, consumer: str = CONSUMER) -> list[str]:
    """A stream batch's place mentions counted as ``add_place_mentions`` counts each record
    in turn: the batch's dedup and citizen markers read together, then one transaction per
    chunk of records (each counter's amounts summed, each citizen marker written once) with
    the records' dedup markers, so each record counts exactly once. A marker written
    meanwhile cancels the chunk, which is read and tried again with the records after it.
    Returns the sequences not written, for the partial failure report."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.figures.store.statistics import MAX_TRANSACTION_ITEMS, _applied

    table = settings().stats_table
    pending = [r for r in records if r.counts]
    failed: set[str] = set()
    for _attempt in range(ATTEMPTS):
        if not pending:
            break
        try:
            done = _applied(consumer, [r.sequence for r in pending])
            pending = [r for r in pending if r.sequence not in done]
            keys = {
                (f"{PLACE_SEEN}{r.week}#{r.place}#{r.citizen}", _sk(d, k))
                for r in pending
                for d, k in r.counts
            }
            wanted = [_key(pk, sk) for pk, sk in sorted(keys)]
            seen = {
                (i["pk"]["S"], i["sk"]["S"])
                for i in (batch_reads.get_items(table, wanted, consistent=True) if wanted else [])
            }
        except (BotoCoreError, ClientError, ServiceUnavailable):
            return [
                r.sequence for r in records if r.sequence in failed | {p.sequence for p in pending}
            ]
        # In stream order, each record against the markers the records before it left.
        chunks: list[
            tuple[list[PlaceRecord], dict[tuple[str, str], int], dict[tuple[str, str], int]]
        ] = []
        current: tuple[
            list[PlaceRecord], dict[tuple[str, str], int], dict[tuple[str, str], int]
        ] = ([], {}, {})
        for record in pending:
            seen_pk = f"{PLACE_SEEN}{record.week}#{record.place}#{record.citizen}"
            counter_pk = f"{PLACE_TOPICS}{record.week}#{record.place}"
            new = [(seen_pk, sk) for sk in dict.fromkeys(_sk(d, k) for d, k in record.counts)]
            new = [key for key in new if key not in seen]
            size = len(current[0]) + len(current[1]) + len(current[2])
            added = len([k for k in new if k not in current[1]]) * 2
            if current[0] and size + 1 + added > MAX_TRANSACTION_ITEMS:
                chunks.append(current)
                current = ([], {}, {})
            current[0].append(record)
            for key in new:
                current[1][key] = record.expires
                counter = (counter_pk, key[1])
                current[2][counter] = current[2].get(counter, 0) + 1
                seen.add(key)
        if current[0]:
            chunks.append(current)
        pending = []
        for index, (chunk, markers, counters) in enumerate(chunks):
            rest = [r for c in chunks[index:] for r in c[0]]
            writes = [_marker(consumer, r.sequence) for r in chunk]
            writes += [
                {
                    "Put": {
                        "TableName": table,
                        "Item": {**_key(pk, sk), "expires_at": {"N": str(expires)}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for (pk, sk), expires in sorted(markers.items())
            ]
            writes += [
                _add(pk, sk, _counter({"citizens": n}), at)
                for (pk, sk), n in sorted(counters.items())
            ]
            try:
                client("dynamodb").transact_write_items(TransactItems=writes)
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons") or []
                if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                    pending = rest  # read again, and tried again
                    break
                failed |= {r.sequence for r in rest}
                return [r.sequence for r in records if r.sequence in failed]
            except BotoCoreError:
                failed |= {r.sequence for r in rest}
                return [r.sequence for r in records if r.sequence in failed]
    failed |= {r.sequence for r in pending}  # markers kept changing: tried again later
    return [r.sequence for r in records if r.sequence in failed]


def _counter(amounts: dict[str, int]) -> Any:
    from collections import Counter

    return Counter(amounts)


def _query(**kwargs: Any) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.exceptions import BotoCoreError, ClientError

    deserializer = TypeDeserializer()
    rows: list[dict[str, Any]] = []
    kwargs["TableName"] = settings().stats_table
    while True:
        try:
            page = client("dynamodb").query(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable("the statistics store is unreachable") from exc
        rows += [{k: deserializer.deserialize(v) for k, v in i.items()} for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _split(sk: str) -> Count:
    dimension, _, key = sk.partition("#")
    return dimension, key


def week_counts(week: str, place: str, at_least: int = 1) -> dict[Count, int]:
    """(dimension, key) -> distinct citizens in the place's week, those with ``at_least``."""
    rows = _query(
        KeyConditionExpression="pk = :pk",
        FilterExpression="citizens >= :n",
        ExpressionAttributeValues={
            ":pk": {"S": f"{PLACE_TOPICS}{week}#{place}"},
            ":n": {"N": str(at_least)},
        },
    )
    return {_split(str(r["sk"])): int(r["citizens"]) for r in rows}


def counts_of(wanted: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str, str, str], int]:
    """(week, place, dimension, key) -> distinct citizens, for each asked (0 when none)."""
    keys = list(dict.fromkeys(wanted))
    found = dict.fromkeys(keys, 0)
    owner = {(f"{PLACE_TOPICS}{w}#{p}", _sk(d, k)): (w, p, d, k) for w, p, d, k in keys}
    items = batch_reads.get_items(settings().stats_table, [_key(pk, sk) for pk, sk in owner])
    for item in items:
        found[owner[(item["pk"]["S"], item["sk"]["S"])]] = int(item["citizens"]["N"])
    return found


# -- alerts --------------------------------------------------------------------------------


def _serialize(alert: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return {k: serializer.serialize(plain(v)) for k, v in alert.items() if v is not None}


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {k: plain(v) for k, v in row.items() if k not in ("pk", "sk")}


def put_alert(alert: dict[str, Any]) -> bool:
    """Record a new alert; False when one with its id exists (once per topic, place and
    week)."""
    from botocore.exceptions import BotoCoreError, ClientError

    item = {**_key(ALERTS, str(alert["id"])), **_serialize(alert)}
    try:
        client("dynamodb").put_item(
            TableName=settings().stats_table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
        )
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the statistics store refused the alert") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc


def get_alert(alert_id: str) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        item = (
            client("dynamodb")
            .get_item(
                TableName=settings().stats_table, Key=_key(ALERTS, alert_id), ConsistentRead=True
            )
            .get("Item")
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc
    if item is None:
        raise NotFound(f"no alert {alert_id}")
    deserializer = TypeDeserializer()
    return _alert({k: deserializer.deserialize(v) for k, v in item.items()})


def move_alert(
    alert_id: str, before: str, after: str, action: dict[str, Any] | None = None
) -> None:
    """The alert from state ``before`` to ``after`` (with ``action``, the note or the work
    order, when given), as one conditional write; Conflict when it is no longer in
    ``before`` (another operator acted on it first: one action per alert)."""
    from botocore.exceptions import BotoCoreError, ClientError

    update = "SET #state = :after"
    names = {"#state": "state"}
    values: dict[str, Any] = {":after": {"S": after}, ":before": {"S": before}}
    if action is not None:
        update += ", #action = :action"
        names["#action"] = "action"
        values[":action"] = {"M": _serialize(action)}
    try:
        client("dynamodb").update_item(
            TableName=settings().stats_table,
            Key=_key(ALERTS, alert_id),
            UpdateExpression=update,
            ConditionExpression="attribute_exists(pk) AND #state = :before",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise Conflict("the alert was acted on already", state="acted") from exc
        raise ServiceUnavailable("the statistics store refused the change") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc


def list_alerts(
    limit: int, cursor: str | None, state: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of alerts, newest week first; ``state`` open or acted."""
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.exceptions import BotoCoreError, ClientError

    bound = {"~list": "alerts", "pk": ALERTS}
    kwargs: dict[str, Any] = {
        "TableName": settings().stats_table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": ALERTS}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if state:
        kwargs["FilterExpression"] = "#state = :state"
        kwargs["ExpressionAttributeNames"] = {"#state": "state"}
        kwargs["ExpressionAttributeValues"][":state"] = {"S": state}
        kwargs["Limit"] = limit * 5
    if cursor:
        key = decode_cursor(cursor, bound)
        kwargs["ExclusiveStartKey"] = {k: {"S": v} for k, v in key.items() if k != "~list"}
    try:
        page = client("dynamodb").query(**kwargs)
    except ClientError as exc:
        if cursor and exc.response.get("Error", {}).get("Code") == "ValidationException":
            from chalicelib.core.errors import ValidationFailed

            raise ValidationFailed.one("cursor", "is not a cursor this list issued") from exc
        raise ServiceUnavailable("the statistics store is unreachable") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the statistics store is unreachable") from exc
    deserializer = TypeDeserializer()
    raw = page.get("Items", [])[:limit]
    last = page.get("LastEvaluatedKey")
    if len(page.get("Items", [])) > limit:
        last = {"pk": raw[-1]["pk"], "sk": raw[-1]["sk"]}
    items = [_alert({k: deserializer.deserialize(v) for k, v in i.items()}) for i in raw]
    next_cursor = None
    if last:
        next_cursor = encode_cursor({**bound, "pk": last["pk"]["S"], "sk": last["sk"]["S"]})
    return items, next_cursor


def alerts_of_weeks(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """Every alert of the given ISO weeks (the daily report's day lies in one or two)."""
    out: list[dict[str, Any]] = []
    for week in dict.fromkeys(weeks):
        out += [
            _alert(r)
            for r in _query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :week)",
                ExpressionAttributeValues={":pk": {"S": ALERTS}, ":week": {"S": f"{week}-"}},
            )
        ]
    return out
