"""The delivery log: one item per webhook message, with every attempt, kept 90 days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBConnectionError,
    UpdateError,
)
from pynamodb.expressions.condition import size

from chalicelib.core.domain import clock
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.store.models import DeliveryModel
from chalicelib.core.store.paging import query_page

KEEP = timedelta(days=90)
STATUSES = ("pending", "retrying", "delivered", "dead")
# How many attempts the log keeps per delivery (redrives add attempts).
MAX_ATTEMPTS_KEPT = 30


@dataclass
class Delivery:
    id: str
    department_id: str
    type: str
    appeal_id: str | None  # none for a notice about the webhook itself
    status: str
    message: str
    created_at: str
    updated_at: str
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "department_id": self.department_id,
            "type": self.type,
            "appeal_id": self.appeal_id,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "attempts": self.attempts,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _delivery(item: DeliveryModel) -> Delivery:
    return Delivery(
        id=item.id,
        department_id=item.department_id,
        type=item.type,
        appeal_id=item.appeal_id,
        status=item.status,
        message=item.message,
        created_at=item.created_at,
        updated_at=item.updated_at,
        attempts=[_plain(a) for a in (item.attempts or [])],
    )


def get(delivery_id: str) -> Delivery | None:
    try:
        return _delivery(DeliveryModel.get(delivery_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the delivery log is unreachable") from exc


def open_delivery(
    delivery_id: str,
    department_id: str,
    type_: str,
    appeal_id: str | None,
    message: str,
    at: str,
) -> Delivery:
    """The delivery's log entry: created on its first attempt, as it is on later ones."""
    now = clock.parse_iso(at)
    item = DeliveryModel(
        delivery_id,
        department_id=department_id,
        type=type_,
        appeal_id=appeal_id,
        status="pending",
        message=message,
        attempts=[],
        created_at=at,
        updated_at=at,
        expires_at=now + KEEP,
    )
    try:
        item.save(condition=DeliveryModel.id.does_not_exist())
        return _delivery(item)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise ServiceUnavailable("the delivery log did not accept the write") from exc
    found = get(delivery_id)
    if found is None:  # expired between the two calls
        raise ServiceUnavailable("the delivery log entry vanished")
    return found


def record_attempt(delivery_id: str, attempt: dict[str, Any], status: str, at: str) -> None:
    """Append one attempt and set the delivery's status (a delivered one stays delivered)."""
    item = DeliveryModel(delivery_id)
    try:
        item.update(
            actions=[
                DeliveryModel.attempts.set(DeliveryModel.attempts.append([attempt])),
                DeliveryModel.status.set(status),
                DeliveryModel.updated_at.set(at),
            ],
            condition=DeliveryModel.id.exists()
            & (DeliveryModel.status != "delivered")
            & (size(DeliveryModel.attempts) < MAX_ATTEMPTS_KEPT),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return  # delivered meanwhile by another copy, or the log is full
        raise ServiceUnavailable("the delivery log did not accept the write") from exc


def set_status(delivery_id: str, status: str, at: str, *, unless: str | None = None) -> bool:
    """Set a delivery's status; False when it does not exist (or has ``unless`` now)."""
    condition = DeliveryModel.id.exists()
    if unless:
        condition = condition & (DeliveryModel.status != unless)
    try:
        DeliveryModel(delivery_id).update(
            actions=[DeliveryModel.status.set(status), DeliveryModel.updated_at.set(at)],
            condition=condition,
        )
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the delivery log did not accept the write") from exc


def page(
    department_id: str | None, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Delivery], str | None]:
    """Newest first: a department's deliveries (optionally in one status), or all in one
    status. Never a scan."""
    if department_id:
        items, next_cursor = query_page(
            DeliveryModel,
            DeliveryModel.for_department,
            department_id,
            list_name="deliveries-by-department",
            limit=limit,
            cursor=cursor,
            filter_condition=(DeliveryModel.status == status) if status else None,
        )
    else:
        items, next_cursor = query_page(
            DeliveryModel,
            DeliveryModel.with_status,
            str(status),
            list_name="deliveries-by-status",
            limit=limit,
            cursor=cursor,
        )
    return [_delivery(i) for i in items], next_cursor
