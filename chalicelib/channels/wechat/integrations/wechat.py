"""The WeChat official account's settings, kept in one Secrets Manager secret (its name is
``settings().wechat_secret``): ``{"token": ..., "app_id": ..., "original_id": ...}``.

``token`` is the one entered in the account's server configuration (服务器配置) and signs
every request; ``app_id`` (the AppID, ``wx…``) scopes the followers' OpenIDs, so it is part
of their owner keys; ``original_id`` (``gh_…``, optional) is the ``ToUserName`` of the
account's messages: when set, a message to another account is refused."""

from __future__ import annotations

import json

from chalicelib.core.config import settings
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations import secrets
from chalicelib.core.observability import logger


@frozen
class Account:
    token: str
    app_id: str
    original_id: str | None = None


def account(*, fresh: bool = False) -> Account:
    """The account's settings, cached a short while; ``ServiceUnavailable`` when they cannot
    be read or are incomplete (never a refusal of the request: WeChat is not at fault)."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    name = settings().wechat_secret
    try:
        raw = secrets.read_named(name, fresh=fresh)
    except GetParameterError as exc:
        logger.exception("wechat secret not readable", extra={"secret": name})
        raise ServiceUnavailable("the WeChat channel's settings cannot be read now") from exc
    try:
        data = json.loads(raw) if raw is not None else None
        token = str(data["token"]).strip() if isinstance(data, dict) else ""
        app_id = str(data["app_id"]).strip() if isinstance(data, dict) else ""
    except (ValueError, KeyError) as exc:
        raise ServiceUnavailable("the WeChat channel is not configured") from exc
    if not token or not app_id:
        logger.error("wechat secret incomplete", extra={"secret": name})
        raise ServiceUnavailable("the WeChat channel is not configured")
    original = str(data.get("original_id") or "").strip() if isinstance(data, dict) else ""
    return Account(token=token, app_id=app_id, original_id=original or None)
