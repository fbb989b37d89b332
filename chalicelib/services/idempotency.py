"""Powertools idempotency for every POST that carries an ``Idempotency-Key``. Set up on
first use: the persistence layer holds a boto3 client, which must not be created at import
(moto first, cold start small). One config and one persistence layer serve every caller
(Powertools ties a persistence layer to the first config it sees)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import Conflict, IdempotencyMismatch, ValidationFailed
from chalicelib.observability import logger, metrics

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
def _config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[owner, operation, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings().idempotency_seconds,
        response_hook=_mark_replay,  # type: ignore[arg-type]
    )


@lru_cache(maxsize=1)
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from chalicelib.integrations.aws import client

    return DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table, boto3_client=client("dynamodb")
    )


_current: dict[str, Callable[[], dict[str, Any]]] = {}


@lru_cache(maxsize=1)
def _wrapped() -> Callable[..., dict[str, Any]]:
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    def call(request: dict[str, Any]) -> dict[str, Any]:
        return _current[request["token"]]()

    return idempotent_function(  # type: ignore[no-any-return]
        call,
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=_config(),
        key_prefix="minsheng",
    )


def run_once(
    operation: str,
    owner: str,
    key: str | None,
    payload: Any,
    fn: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
) -> tuple[dict[str, Any], bool]:
    """``fn()`` once per (owner, operation, key): a repeat gets the first result, a repeat
    with another ``payload`` is refused. Without a key, just ``fn()``. Returns (result,
    replayed?). ``fn`` should return a small reference (an id and a version), never a
    whole body: the record must not depend on how large the thing it made is.

    Once ``fn`` has had its effect, the caller gets its result even if the record could
    not be stored: the effect is committed and must not be reported as a failure."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    key = check_key(key)
    if key is None:
        return fn(), False
    if lambda_context is not None:
        # Lets an in-progress record expire with the invocation, not after an hour.
        _config().register_lambda_context(lambda_context)
    import uuid

    token = uuid.uuid4().hex
    outcome: list[dict[str, Any]] = []

    def effect() -> dict[str, Any]:
        result = fn()
        outcome.append(result)
        return result

    _current[token] = effect
    try:
        result: dict[str, Any] = _wrapped()(
            request={
                "owner": owner,
                "operation": operation,
                "key": key,
                "payload": payload,
                "token": token,
            }
        )
    except IdempotencyValidationError as exc:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used with a different request body"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still in progress") from exc
    except IdempotencyPersistenceLayerError:
        if not outcome:
            raise
        # The effect happened; only its record is missing. A retry with the key finds the
        # request in progress (409) until the record expires.
        logger.exception("idempotency record not stored", extra={"operation": operation})
        metrics.add_metric(name="IdempotencyRecordLost", unit="Count", value=1)
        return dict(outcome[0]), False
    finally:
        _current.pop(token, None)
    replayed = bool(result.pop(REPLAYED, False))
    return result, replayed
