"""Departments' webhook signing secrets in Secrets Manager, one secret per department
(``{prefix}{department_id}``), read through Powertools parameters with a short cache.

The secret's value is JSON: ``{"current": ..., "previous": ..., "previous_until": ...}``;
during a rotation's overlap both verify inbound requests and both sign outbound ones."""

from __future__ import annotations

import json
import secrets as token_source
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

SECRET_BYTES = 32
PREFIX = "whsec_"

_provider_lock = threading.Lock()
_provider: Any = None


@dataclass(frozen=True)
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
    """Forget the provider and its cache (tests that start and stop moto)."""
    global _provider
    with _provider_lock:
        _provider = None


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
