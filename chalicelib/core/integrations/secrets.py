"""Secrets in Secrets Manager, read through Powertools parameters.

Departments' webhook signing secrets, one secret per department (``{prefix}{department_id}``),
with a short cache. The secret's value is JSON: ``{"current": ..., "previous": ...,
"previous_until": ...}``; during a rotation's overlap both verify inbound requests and both
sign outbound ones.

The owner-key secret (``settings().owner_key_secret``), which keys the hotline's, the
mailbox's and WeChat's owner keys (``domain/identities.py``): read once per process and
kept, since every key written depends on it."""

from __future__ import annotations

import json
import secrets as token_source
import threading
from datetime import datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

SECRET_BYTES = 32
PREFIX = "whsec_"

_provider_lock = threading.Lock()
_provider: Any = None
# The owner-key secret's value must be long enough not to be guessed (the stack generates
# 64 characters; the local stack 64 random bytes, hex).
OWNER_KEY_MIN_CHARS = 32
_owner_key_lock = threading.Lock()
_owner_key: bytes | None = None


@frozen
class SigningKeys:
    current: str
    previous: str | None = None
    previous_until: str | None = None

    def valid(self, now: datetime) -> list[str]:
        """The secrets that verify and sign now: the current one, and the previous one
        until its overlap ends."""
        keys = [self.current]
        if self.previous and self.previous_until and clock.parse_iso(self.previous_until) > now:
            keys.append(self.previous)
        return keys

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "previous": self.previous,
                "previous_until": self.previous_until,
            }
        )


def new_secret() -> str:
    return PREFIX + token_source.token_urlsafe(SECRET_BYTES)


def secret_name(department_id: str) -> str:
    return f"{settings().webhook_secret_prefix}{department_id}"


def _secrets_provider() -> Any:
    global _provider
    with _provider_lock:
        if _provider is None:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            _provider = SecretsProvider(boto3_client=client("secretsmanager"))
        return _provider


def reset() -> None:
    """Forget the provider, its cache and the owner key (tests that start and stop moto)."""
    global _provider, _owner_key
    with _provider_lock:
        _provider = None
    with _owner_key_lock:
        _owner_key = None


def read(department_id: str, *, fresh: bool = False) -> SigningKeys | None:
    """The department's keys (None when it has none), cached for a short while;
    ``fresh`` reads Secrets Manager again."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        raw = _secrets_provider().get(
            secret_name(department_id),
            max_age=settings().secret_cache_seconds,
            force_fetch=fresh,
        )
    except GetParameterError as exc:
        if "ResourceNotFoundException" in str(exc):
            return None
        # Unreachable or throttled: the caller's request may succeed later (503, never a
        # verdict on a signature the platform could not check).
        raise ServiceUnavailable("the secret store is unreachable") from exc
    data = json.loads(raw)
    return SigningKeys(
        current=str(data["current"]),
        previous=data.get("previous") or None,
        previous_until=data.get("previous_until") or None,
    )


def write(department_id: str, keys: SigningKeys) -> None:
    """Store the department's keys (creating its secret the first time)."""
    from botocore.exceptions import BotoCoreError, ClientError

    secretsmanager = client("secretsmanager")
    name = secret_name(department_id)
    try:
        try:
            secretsmanager.put_secret_value(SecretId=name, SecretString=keys.to_json())
        except secretsmanager.exceptions.ResourceNotFoundException:
            secretsmanager.create_secret(
                Name=name,
                Description=f"Webhook signing secret of department {department_id}",
                SecretString=keys.to_json(),
            )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the secret store did not accept the write") from exc
    # The next read in this process sees the new value at once.
    _secrets_provider().clear_cache()


def read_named(name: str, *, fresh: bool = False) -> str | None:
    """Any secret's value by its full name (None when there is none), through the same
    short cache; other failures (Secrets Manager unreachable, access denied) raise
    ``GetParameterError``."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        return str(
            _secrets_provider().get(
                name, max_age=settings().secret_cache_seconds, force_fetch=fresh
            )
        )
    except GetParameterError as exc:
        if "ResourceNotFoundException" in str(exc):
            return None
        raise


def owner_key() -> bytes:
    """The owner-key secret, read on first use and kept for the life of the process. A
    missing, short or unreadable secret is ServiceUnavailable: nothing is keyed without it."""
    global _owner_key
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    with _owner_key_lock:
        if _owner_key is None:
            name = settings().owner_key_secret
            try:
                value = read_named(name, fresh=True)
            except GetParameterError as exc:
                raise ServiceUnavailable("the secret store is unreachable") from exc
            if value is None or len(value.strip()) < OWNER_KEY_MIN_CHARS:
                raise ServiceUnavailable(
                    f"the owner-key secret {name} is missing or shorter than "
                    f"{OWNER_KEY_MIN_CHARS} characters"
                )
            _owner_key = value.strip().encode()
        return _owner_key
