"""Export records: who asked for which file when, and what became of it. One item per
export in the users table (``export#{id}`` / ``export``), beside the staff accounts and
every change made to them: the record of what staff did. Its attributes avoid the names the
users table's indexes are keyed on (``listed``, ``role``, ``username``, ``department_id``),
so no export shows in the directory.

A record moves queued -> running -> done or failed, each step one conditional write: a
message delivered twice builds one file, and a build that died mid-way (the function ran
out of time) is taken again once it is older than ``stale_before``."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

PK_PREFIX = "export#"
SK = "export"


def _key(export_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"{PK_PREFIX}{export_id}"}, "sk": {"S": SK}}


def _value(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {str(k): _value(v) for k, v in value.items()}}
    return {"S": str(value)}


def _plain(value: dict[str, Any]) -> Any:
    kind, inner = next(iter(value.items()))
    if kind == "NULL":
        return None
    if kind == "N":
        return int(inner)
    if kind == "M":
        return {k: _plain(v) for k, v in inner.items()}
    return inner


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _refused(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def create(export_id: str, fields: dict[str, Any]) -> None:
    """A new record (``state`` queued); its id must be new."""
    item = {**_key(export_id), **{k: _value(v) for k, v in fields.items()}}
    try:
        client("dynamodb").put_item(
            TableName=settings().users_table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
        )
    except _errors() as exc:
        raise ServiceUnavailable("the export record was not written") from exc


def get(export_id: str) -> dict[str, Any] | None:
    try:
        found = client("dynamodb").get_item(
            TableName=settings().users_table, Key=_key(export_id), ConsistentRead=True
        )
    except _errors() as exc:
        raise ServiceUnavailable("the export records are unreachable") from exc
    item = found.get("Item")
    if not item:
        return None
    return {k: _plain(v) for k, v in item.items() if k not in ("pk", "sk")}


def _update(
    export_id: str, values: dict[str, Any], condition: str, condition_values: dict[str, Any]
) -> bool:
    names = {f"#{k}": k for k in values}
    names["#state"] = "state"
    expression = "SET " + ", ".join(f"#{k} = :{k}" for k in values)
    attribute_values = {f":{k}": _value(v) for k, v in values.items()}
    attribute_values.update({f":c_{k}": _value(v) for k, v in condition_values.items()})
    try:
        client("dynamodb").update_item(
            TableName=settings().users_table,
            Key=_key(export_id),
            UpdateExpression=expression + " ADD attempts :one"
            if "started_at" in values
            else expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                **attribute_values,
                **({":one": {"N": "1"}} if "started_at" in values else {}),
            },
        )
    except _errors() as exc:
        if _refused(exc):
            return False
        raise ServiceUnavailable("the export record was not updated") from exc
    return True


def start(export_id: str, now: str, stale_before: str) -> bool:
    """Take a queued record for building (or one whose build started before
    ``stale_before`` and never finished): False when it is done, failed or being built."""
    return _update(
        export_id,
        {"state": "running", "started_at": now},
        "attribute_exists(pk) AND (#state = :c_queued OR (#state = :c_running"
        " AND started_at < :c_stale))",
        {"queued": "queued", "running": "running", "stale": stale_before},
    )


def finish(
    export_id: str, now: str, *, rows: int, size: int, file_key: str, expires_at: str
) -> bool:
    return _update(
        export_id,
        {
            "state": "done",
            "finished_at": now,
            "rows": rows,
            "bytes": size,
            "file_key": file_key,
            "file_expires_at": expires_at,
        },
        "#state = :c_running",
        {"running": "running"},
    )


def fail(export_id: str, now: str, reason: str) -> bool:
    return _update(
        export_id,
        {"state": "failed", "finished_at": now, "reason": reason[:500]},
        "#state IN (:c_queued, :c_running)",
        {"queued": "queued", "running": "running"},
    )
