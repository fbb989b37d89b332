"""Every POST that carries an ``Idempotency-Key`` takes effect once per key.

Two ways, one guarantee (a repeat gets the first answer, the same key with another body is
refused, a concurrent duplicate gets 409):

- **Inline**, for the lifecycle's actions on one appeal: the key's digest is recorded in the
  appeal itself, in the same conditional write as the change (``InlineKey``). A repeat
  finds it in the appeal the action reads anyway; a concurrent duplicate loses the
  version check. One read and one write, as without a key.
- **Powertools idempotency** for everything else (intake, comments, webhooks, WeChat): a
  record in the idempotency table, put in progress and then completed. Set up on first
  use: the persistence layer holds a boto3 client, which must not be created at import
  (moto first, cold start small). One config and one persistence layer serve every caller
  (Powertools ties a persistence layer to the first config it sees)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain.records import mutable
from chalicelib.core.errors import Conflict, IdempotencyMismatch, ValidationFailed
from chalicelib.core.observability import logger, metrics

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

    from chalicelib.core.integrations.aws import client

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


def _digest(text: str) -> str:
    """128 bits of SHA-256, URL-safe: the key and the body are never stored as given."""
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:16]).decode()[:22]


@mutable
class InlineKey:
    """A request's key, to be recorded in the appeal it changes (``request_keys``: digest of
    owner, operation and key -> digest of the body and the epoch second it expires)."""

    scope: str
    body: str
    used: bool = False
    replayed: bool = False

    def replays(self, recorded: dict[str, str], now: float) -> bool:
        """Whether the appeal already took this request (then its answer is the appeal as
        it is); the same key with another body is refused."""
        entry = recorded.get(self.scope)
        if entry is None:
            return False
        body, _, expires = entry.partition(" ")
        if int(expires) <= now:
            return False
        if body != self.body:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request body")
        self.replayed = True
        return True

    def recorded(self, recorded: dict[str, str], now: float) -> dict[str, str]:
        """The appeal's keys after this request: expired ones dropped, this one added."""
        kept = {k: v for k, v in recorded.items() if int(v.rpartition(" ")[2]) > now}
        kept[self.scope] = f"{self.body} {int(now) + settings().idempotency_seconds}"
        return kept


_inline: ContextVar[InlineKey | None] = ContextVar("minsheng_inline_key", default=None)


@contextmanager
def inline(operation: str, owner: str, key: str, payload: Any) -> Iterator[InlineKey]:
    """While the block runs, the first lifecycle action (``services.transitions.perform``)
    records ``key`` in the appeal it writes, or answers a repeat from it."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    claim = InlineKey(_digest("\x1f".join((owner, operation, key))), _digest(body))
    token = _inline.set(claim)
    try:
        yield claim
    finally:
        _inline.reset(token)


def take_inline() -> InlineKey | None:
    """The request's inline key, once: a second action in the same request takes none."""
    claim = _inline.get()
    if claim is None or claim.used:
        return None
    claim.used = True
    return claim
