"""Submission limits: one conditional counter per owner and window, all windows taken in
one transaction, so a refused submission counts in none of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

DAY = 86400


@frozen
class Window:
    limit: int
    seconds: int
    key: str  # ``{seconds}#{bucket}``
    ends: datetime


def windows(limits: tuple[tuple[int, int], ...], now: datetime) -> list[Window]:
    """The current bucket of each window: fixed minutes and hours; days are calendar days
    in Asia/Shanghai."""
    found = []
    local = now.astimezone(clock.TZ)
    for limit, seconds in limits:
        if seconds == DAY:
            start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            epoch = int(now.timestamp())
            start = datetime.fromtimestamp(epoch - epoch % seconds, clock.TZ)
        found.append(
            Window(
                limit,
                seconds,
                f"{seconds}#{int(start.timestamp())}",
                start + timedelta(seconds=seconds),
            )
        )
    return found


def take(subject: str, limits: tuple[tuple[int, int], ...], now: datetime) -> Window | None:
    """Count one submission for ``subject`` in every window; if a window is full, count it
    in none and return that window (when it ends, the caller may try again)."""
    current = windows(limits, now)
    if not current:
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    table = settings().limits_table
    items = [
        {
            "Update": {
                "TableName": table,
                "Key": {"subject": {"S": subject}, "window": {"S": w.key}},
                "UpdateExpression": "ADD n :one SET expires_at = :expires",
                "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":limit": {"N": str(w.limit)},
                    ":expires": {"N": str(int(w.ends.timestamp()) + 3600)},
                },
            }
        }
        for w in current
    ]
    try:
        client("dynamodb").transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise ServiceUnavailable("the limits store did not accept the write") from exc
        reasons = exc.response.get("CancellationReasons") or []
        full = [
            w
            for w, reason in zip(current, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        if not full:
            raise ServiceUnavailable("the limits store did not accept the write") from exc
        return max(full, key=lambda w: w.ends)
    except BotoCoreError as exc:
        raise ServiceUnavailable("the limits store is unreachable") from exc
    return None
