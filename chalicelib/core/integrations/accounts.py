"""The user pool's own view of one account (AdminGetUser, AdminListGroupsForUser): whether
it is enabled, its status, its groups and attributes, and whether it has an authenticator
app (``SOFTWARE_TOKEN_MFA`` in its MFA settings)."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client
from chalicelib.core.observability import logger

TOTP = "SOFTWARE_TOKEN_MFA"


@frozen
class PoolAccount:
    username: str
    sub: str
    enabled: bool
    status: str
    mfa: bool
    created_at: str
    updated_at: str
    attributes: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def pool_account(answer: dict[str, Any], groups: tuple[str, ...] = ()) -> PoolAccount:
    """An AdminGetUser answer (or a ListUsers entry) as the platform reads it."""
    attributes = {
        a["Name"]: a.get("Value", "")
        for a in answer.get("UserAttributes") or answer.get("Attributes") or []
    }
    return PoolAccount(
        username=str(answer["Username"]),
        sub=attributes.get("sub", ""),
        enabled=bool(answer.get("Enabled", True)),
        status=str(answer.get("UserStatus", "")),
        mfa=TOTP in (answer.get("UserMFASettingList") or []),
        created_at=_iso(answer.get("UserCreateDate")),
        updated_at=_iso(answer.get("UserLastModifiedDate")),
        attributes=attributes,
        groups=groups,
    )


def lookup(username: str, with_groups: bool = False) -> PoolAccount | None:
    """The account the pool has under ``username``, or None if it has none."""
    from botocore.exceptions import BotoCoreError, ClientError

    cognito = client("cognito-idp")
    pool = settings().user_pool_id
    try:
        answer = cognito.admin_get_user(UserPoolId=pool, Username=username)
        groups: tuple[str, ...] = ()
        if with_groups:
            listed = cognito.admin_list_groups_for_user(
                UserPoolId=pool, Username=username, Limit=60
            )
            groups = tuple(str(g["GroupName"]) for g in listed.get("Groups", []))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return None
        logger.exception("the user pool refused a look-up", extra={"username": username})
        raise ServiceUnavailable("the user pool cannot be read now") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the user pool is unreachable") from exc
    return pool_account(answer, groups)
