"""Departments' webhook registrations, and the history of their changes."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBConnectionError,
    TransactWriteError,
)

from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import Conflict, ServiceUnavailable
from chalicelib.core.store.models import ActorMap, WebhookHistoryModel, WebhookModel
from chalicelib.core.store.paging import query_page


@frozen
class Registration:
    department_id: str
    url: str | None
    enabled: bool
    secret_issued_at: str | None
    previous_secret_until: str | None
    updated_at: str
    version: int = 0
    # False until the system at ``url`` answers a challenge; None on registrations made
    # before challenges existed, which count as verified.
    url_verified: bool | None = None
    verified_at: str | None = None

    @property
    def verified(self) -> bool:
        return self.url is not None and self.url_verified is not False

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("version")
        data["url_verified"] = self.verified
        return data


@frozen
class Change:
    """One change of a registration, as the history keeps it."""

    action: str  # registered, changed, secret_issued, secret_rotated, ...
    at: str
    actor: dict[str, str]  # role, id
    username: str | None = None
    old_url: str | None = None
    url: str | None = None
    old_enabled: bool | None = None
    enabled: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "at": self.at,
            "by": {**self.actor, "username": self.username},
            "old_url": self.old_url,
            "url": self.url,
            "old_enabled": self.old_enabled,
            "enabled": self.enabled,
        }


def _registration(item: WebhookModel) -> Registration:
    return Registration(
        department_id=item.department_id,
        url=item.url,
        enabled=bool(item.enabled),
        secret_issued_at=item.secret_issued_at,
        previous_secret_until=item.previous_secret_until,
        updated_at=item.updated_at,
        version=int(item.version or 0),
        url_verified=item.url_verified,
        verified_at=item.verified_at,
    )


def get(department_id: str) -> Registration | None:
    try:
        return _registration(WebhookModel.get(department_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the webhook store is unreachable") from exc


def get_many(department_ids: list[str]) -> dict[str, Registration]:
    """The registrations of these departments that exist (strongly consistent, as ``get``),
    read together."""
    try:
        return {
            item.department_id: _registration(item)
            for item in WebhookModel.batch_get(
                list(dict.fromkeys(department_ids)), consistent_read=True
            )
        }
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the webhook store is unreachable") from exc


def _item(registration: Registration) -> tuple[WebhookModel, Any]:
    item = WebhookModel(
        registration.department_id,
        url=registration.url,
        enabled=registration.enabled,
        secret_issued_at=registration.secret_issued_at,
        previous_secret_until=registration.previous_secret_until,
        url_verified=registration.url_verified,
        verified_at=registration.verified_at,
        updated_at=registration.updated_at,
    )
    condition = None
    if registration.version:
        item.version = registration.version
    else:
        condition = WebhookModel.department_id.does_not_exist()
    return item, condition


def _history_item(department_id: str, change: Change) -> WebhookHistoryModel:
    return WebhookHistoryModel(
        department_id,
        f"{change.at}#{uuid.uuid4().hex[:12]}",
        action=change.action,
        at=change.at,
        actor=ActorMap(**change.actor),
        username=change.username,
        old_url=change.old_url,
        url=change.url,
        old_enabled=change.old_enabled,
        enabled=change.enabled,
    )


def save(registration: Registration, change: Change | None = None) -> Registration:
    """Write against the version read (a concurrent change is a 409, never lost); a
    ``change`` is recorded in the same transaction, so none happens unrecorded."""
    item, condition = _item(registration)
    if change is None:
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("the webhook was changed meanwhile: read it again") from exc
            raise ServiceUnavailable("the webhook store did not accept the write") from exc
        return _registration(item)
    from pynamodb.transactions import TransactWrite

    connection = WebhookModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            transaction.save(item, condition=condition)
            transaction.save(
                _history_item(registration.department_id, change),
                condition=WebhookHistoryModel.id.does_not_exist(),
            )
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if any(
            r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict")
            for r in reasons
        ):
            raise Conflict("the webhook was changed meanwhile: read it again") from exc
        raise ServiceUnavailable("the webhook store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the webhook store is unreachable") from exc
    return _registration(item)


def _change(item: WebhookHistoryModel) -> Change:
    return Change(
        action=item.action,
        at=item.at,
        actor={"role": item.actor.role, "id": item.actor.id},
        username=item.username,
        old_url=item.old_url,
        url=item.url,
        old_enabled=item.old_enabled,
        enabled=item.enabled,
    )


def history(department_id: str, limit: int, cursor: str | None) -> tuple[list[Change], str | None]:
    """A department's changes, newest first."""
    items, next_cursor = query_page(
        WebhookHistoryModel,
        WebhookHistoryModel,
        department_id,
        list_name="webhook-history",
        limit=limit,
        cursor=cursor,
    )
    return [_change(i) for i in items], next_cursor
