"""In-app notifications, per user, newest first."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from pynamodb.exceptions import PutError, PynamoDBConnectionError, TransactWriteError

from chalicelib.core.domain import clock
from chalicelib.core.errors import NotFound, ServiceUnavailable
from chalicelib.core.store.models import NotificationModel
from chalicelib.core.store.paging import query_page

KEEP = timedelta(days=180)


def notification_id(at: str, notice_id: str) -> str:
    """Sorts by time: ``20261128T080000123Z-<notice id>`` (UTC)."""
    moment = clock.parse_iso(at).astimezone(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%S')}{moment.microsecond // 1000:03d}Z-{notice_id}"


def _view(item: NotificationModel) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": item.type,
        "appeal_id": item.appeal_id,
        "title": item.title,
        "text": item.text,
        "at": item.at,
        "read": item.read_at is not None,
        "read_at": item.read_at,
    }


def add(
    user_id: str,
    notice_id: str,
    type_: str,
    appeal_id: str | None,
    title: str,
    text: str,
    at: str,
) -> bool:
    """Keep a notification for the user; False when it is there already (a repeat)."""
    item = NotificationModel(
        user_id,
        notification_id(at, notice_id),
        type=type_,
        appeal_id=appeal_id,
        title=title,
        text=text,
        at=at,
        expires_at=clock.parse_iso(at) + KEEP,
    )
    try:
        item.save(condition=NotificationModel.id.does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the notification store did not accept the write") from exc


def page(user_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    items, next_cursor = query_page(
        NotificationModel,
        NotificationModel,
        user_id,
        list_name="notifications",
        limit=limit,
        cursor=cursor,
    )
    return [_view(i) for i in items], next_cursor


def mark_read(user_id: str, ids: list[str], at: str) -> None:
    """All or none: every id must be one of the user's notifications."""
    from pynamodb.transactions import TransactWrite

    connection = NotificationModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            for notification in ids:
                transaction.update(
                    NotificationModel(user_id, notification),
                    actions=[NotificationModel.read_at.set(NotificationModel.read_at | at)],
                    condition=NotificationModel.id.exists(),
                )
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        missing = [
            ids[i]
            for i, reason in enumerate(reasons)
            if reason is not None and reason.code == "ConditionalCheckFailed"
        ]
        if missing or exc.cause_response_code == "TransactionCanceledException":
            raise NotFound(
                "no such notification: " + ", ".join(missing or ids),
                ids=missing or ids,
            ) from exc
        raise ServiceUnavailable("the notification store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the notification store is unreachable") from exc
