"""Powertools idempotency, set up on first use: the persistence layer holds a boto3 client,
which must not be created at import (moto first, cold start small)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import Conflict, IdempotencyMismatch, ValidationFailed

REPLAYED = "_replayed"
MAX_KEY_LENGTH = 128


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.one(
            "Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable characters"
        )
    return key


def _mark_replay(response: Any, _record: Any) -> Any:
    if isinstance(response, dict):
        return {**response, REPLAYED: True}
    return response


@lru_cache(maxsize=1)
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from chalicelib.integrations.aws import client

    return DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table, boto3_client=client("dynamodb")
    )


_wrapped: dict[str, Callable[..., Any]] = {}
_configs: dict[str, Any] = {}


def run_once(
    name: str,
    fn: Callable[[dict[str, Any]], dict[str, Any]],
    request: dict[str, Any],
    lambda_context: Any = None,
) -> dict[str, Any]:
    """Run ``fn(request)`` once per ``request['owner']`` and ``request['key']``; a repeat gets
    the first result (with ``_replayed``), a repeat with another ``request['payload']`` is
    refused. One config for all callers (one persistence layer per config)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    wrapped = _wrapped.get(name)
    if wrapped is None:
        config = IdempotencyConfig(
            event_key_jmespath="[owner, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=settings().idempotency_seconds,
            response_hook=_mark_replay,  # type: ignore[arg-type]
        )

        def call(request: dict[str, Any]) -> dict[str, Any]:
            return fn(request)

        wrapped = idempotent_function(
            call,
            data_keyword_argument="request",
            persistence_store=_persistence(),
            config=config,
            key_prefix=name,
        )
        _wrapped[name] = wrapped
        _configs[name] = config
    if lambda_context is not None:
        # Lets an in-progress record expire with the invocation, not after an hour.
        _configs[name].register_lambda_context(lambda_context)
    try:
        result: dict[str, Any] = wrapped(request=request)
    except IdempotencyValidationError as exc:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used with a different request body"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still in progress") from exc
    return result
