"""Departments' webhook registrations."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError

from chalicelib.core.errors import Conflict, ServiceUnavailable
from chalicelib.core.store.models import WebhookModel


@dataclass(frozen=True)
class Registration:
    department_id: str
    url: str | None
    enabled: bool
    secret_issued_at: str | None
    previous_secret_until: str | None
    updated_at: str
    version: int = 0

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("version")
        return data


def _registration(item: WebhookModel) -> Registration:
    return Registration(
        department_id=item.department_id,
        url=item.url,
        enabled=bool(item.enabled),
        secret_issued_at=item.secret_issued_at,
        previous_secret_until=item.previous_secret_until,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def get(department_id: str) -> Registration | None:
    try:
        return _registration(WebhookModel.get(department_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the webhook store is unreachable") from exc


def save(registration: Registration) -> Registration:
    """Write against the version read (a concurrent change is a 409, never lost)."""
    item = WebhookModel(
        registration.department_id,
        url=registration.url,
        enabled=registration.enabled,
        secret_issued_at=registration.secret_issued_at,
        previous_secret_until=registration.previous_secret_until,
        updated_at=registration.updated_at,
    )
    condition = None
    if registration.version:
        item.version = registration.version
    else:
        condition = WebhookModel.department_id.does_not_exist()
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("the webhook was changed meanwhile: read it again") from exc
        raise ServiceUnavailable("the webhook store did not accept the write") from exc
    return _registration(item)
