"""Which report went to whom: one marker per (report, period, recipient) in the stats table,
claimed with a condition before the message is sent, so a schedule fired twice (or retried
by Lambda) sends once.

A marker is ``sending`` while its message is being sent, then ``sent`` (with SES's message
id) or ``failed`` (with the error). A failed marker, or one left ``sending`` longer than a
function can run (the function died mid-send), can be claimed again by the next run."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

PREFIX = "report-sent#"
SENDING, SENT, FAILED = "sending", "sent", "failed"


@frozen
class Marker:
    key: str  # the recipient within the period: ``address`` or ``department#address``
    status: str
    at: str


def _pk(report: str, period: str) -> str:
    return f"{PREFIX}{report}#{period}"


def _item_key(report: str, period: str, key: str) -> dict[str, Any]:
    return {"pk": {"S": _pk(report, period)}, "sk": {"S": key}}


def claim(report: str, period: str, key: str, now: str, stale_before: str) -> bool:
    """Take the marker for sending: True when nobody sent (or is sending) this message, in
    which case the caller sends it and then calls ``sent`` or ``failed``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("dynamodb").update_item(
            TableName=settings().stats_table,
            Key=_item_key(report, period, key),
            UpdateExpression="SET #s = :sending, #at = :now, #err = :none ADD attempts :one",
            ConditionExpression="attribute_not_exists(pk) OR #s = :failed"
            " OR (#s = :sending AND #at < :stale)",
            ExpressionAttributeNames={"#s": "status", "#at": "at", "#err": "error"},
            ExpressionAttributeValues={
                ":sending": {"S": SENDING},
                ":failed": {"S": FAILED},
                ":now": {"S": now},
                ":stale": {"S": stale_before},
                ":none": {"NULL": True},
                ":one": {"N": "1"},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable(f"the report log refused the claim: {exc}") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the report log is unreachable") from exc
    return True


def _finish(report: str, period: str, key: str, status: str, at: str, detail: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    name = "message_id" if status == SENT else "error"
    try:
        client("dynamodb").update_item(
            TableName=settings().stats_table,
            Key=_item_key(report, period, key),
            UpdateExpression="SET #s = :status, #at = :at, #detail = :detail",
            ExpressionAttributeNames={"#s": "status", "#at": "at", "#detail": name},
            ExpressionAttributeValues={
                ":status": {"S": status},
                ":at": {"S": at},
                ":detail": {"S": detail[:1000]},
            },
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the report log did not take the outcome") from exc


def sent(report: str, period: str, key: str, at: str, message_id: str) -> None:
    _finish(report, period, key, SENT, at, message_id)


def failed(report: str, period: str, key: str, at: str, error: str) -> None:
    """Release the marker: the next run claims it again and sends."""
    _finish(report, period, key, FAILED, at, error)


def markers(report: str, period: str) -> list[Marker]:
    """Every marker of one report and period (one query)."""
    pages = client("dynamodb").get_paginator("query")
    found: list[Marker] = []
    for page in pages.paginate(
        TableName=settings().stats_table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": _pk(report, period)}},
    ):
        for item in page["Items"]:
            found.append(Marker(item["sk"]["S"], item["status"]["S"], item["at"]["S"]))
    return found
