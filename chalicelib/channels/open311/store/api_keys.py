"""Open311 API keys: made, looked up by their public id, revoked. Only a hash is stored."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError, UpdateError

from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable
from chalicelib.core.store.models import ApiKeyModel


@frozen
class ApiKey:
    key_id: str
    key_hash: str
    name: str
    created_at: str
    created_by: str
    revoked: bool
    revoked_at: str | None = None


def _key(item: ApiKeyModel) -> ApiKey:
    return ApiKey(
        key_id=item.key_id,
        key_hash=item.key_hash,
        name=item.name,
        created_at=item.created_at,
        created_by=item.created_by,
        revoked=bool(item.revoked),
        revoked_at=item.revoked_at,
    )


def create(key: ApiKey) -> ApiKey:
    item = ApiKeyModel(
        key.key_id,
        key_hash=key.key_hash,
        name=key.name,
        created_at=key.created_at,
        created_by=key.created_by,
        revoked=False,
    )
    try:
        item.save(condition=ApiKeyModel.key_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(f"API key id {key.key_id} exists") from exc
        raise ServiceUnavailable("the API key store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the API key store is unreachable") from exc
    return _key(item)


def get(key_id: str) -> ApiKey | None:
    """A strongly consistent read: a key revoked a moment ago no longer opens the door."""
    try:
        return _key(ApiKeyModel.get(key_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the API key store is unreachable") from exc


def revoke(key_id: str, at: str) -> ApiKey:
    """Mark the key revoked (once: a second revocation keeps the first time)."""
    item = ApiKeyModel(key_id)
    try:
        item.update(
            actions=[
                ApiKeyModel.revoked.set(True),
                ApiKeyModel.revoked_at.set(ApiKeyModel.revoked_at | at),
            ],
            condition=ApiKeyModel.key_id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(f"no API key {key_id}") from exc
        raise ServiceUnavailable("the API key store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the API key store is unreachable") from exc
    return _key(item)
