"""The admin's changes to staff accounts in the Cognito user pool. The pool sends the
temporary password itself (the invitation, by email or SMS); nothing here sees it, except
on a reset, where a random one is set and thrown away so that the pool can send a new
invitation."""

from __future__ import annotations

import secrets
import string
from typing import Any

from chalicelib.administration.domain.users import NewUser
from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.core.integrations.accounts import PoolAccount, lookup, pool_account
from chalicelib.core.integrations.aws import client
from chalicelib.core.observability import logger

__all__ = ["PoolAccount", "lookup"]


def _call(operation: str, **params: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client("cognito-idp"), operation)(
            UserPoolId=settings().user_pool_id, **params
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code == "UsernameExistsException":
            raise Conflict(f"the user pool has {params.get('Username')} already") from exc
        if code == "UserNotFoundException":
            raise NotFound(f"no user {params.get('Username')}") from exc
        if code in ("InvalidParameterException", "AliasExistsException"):
            raise ValidationFailed.one("body", f"the user pool refused it: {message}") from exc
        logger.exception("the user pool refused a change", extra={"operation": operation})
        raise ServiceUnavailable("the user pool did not take the change") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the user pool is unreachable") from exc


def attributes(user: NewUser) -> list[dict[str, str]]:
    """The pool's attributes of a new account: the addresses the admin gave are taken as
    verified (the invitation goes there, and so do forgotten-password codes)."""
    values = [{"Name": "name", "Value": user.name}]
    if user.department_id:
        values.append({"Name": "custom:department_id", "Value": user.department_id})
    if user.email:
        values += [
            {"Name": "email", "Value": user.email},
            {"Name": "email_verified", "Value": "true"},
        ]
    if user.phone:
        values += [
            {"Name": "phone_number", "Value": user.phone},
            {"Name": "phone_number_verified", "Value": "true"},
        ]
    return values


def mediums(email: str | None, phone: str | None) -> list[str]:
    return [m for m, on in (("EMAIL", email), ("SMS", phone)) if on]


def create(user: NewUser) -> PoolAccount:
    """A new account in ``FORCE_CHANGE_PASSWORD``; the pool sends its invitation."""
    answer = _call(
        "admin_create_user",
        Username=user.username,
        UserAttributes=attributes(user),
        DesiredDeliveryMediums=mediums(user.email, user.phone),
    )
    return pool_account(answer["User"])


def delete(username: str) -> None:
    _call("admin_delete_user", Username=username)


def add_to_group(username: str, group: str) -> None:
    _call("admin_add_user_to_group", Username=username, GroupName=group)


def remove_from_group(username: str, group: str) -> None:
    _call("admin_remove_user_from_group", Username=username, GroupName=group)


def set_attributes(username: str, values: dict[str, str]) -> None:
    _call(
        "admin_update_user_attributes",
        Username=username,
        UserAttributes=[{"Name": k, "Value": v} for k, v in values.items()],
    )


def delete_attributes(username: str, names: list[str]) -> None:
    _call("admin_delete_user_attributes", Username=username, UserAttributeNames=names)


def disable(username: str) -> None:
    _call("admin_disable_user", Username=username)


def enable(username: str) -> None:
    _call("admin_enable_user", Username=username)


def sign_out(username: str) -> None:
    """Every refresh token of the account revoked (AdminUserGlobalSignOut)."""
    _call("admin_user_global_sign_out", Username=username)


def _throwaway_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "Aa1" + "".join(secrets.choice(alphabet) for _ in range(29))


def resend_invitation(username: str, email: str | None, phone: str | None) -> None:
    """A new temporary password by the invitation's way: the account is put back into
    ``FORCE_CHANGE_PASSWORD`` (with a random password no one learns), then the pool sends
    a new invitation (AdminCreateUser with ``RESEND``)."""
    _call(
        "admin_set_user_password",
        Username=username,
        Password=_throwaway_password(),
        Permanent=False,
    )
    _call(
        "admin_create_user",
        Username=username,
        MessageAction="RESEND",
        DesiredDeliveryMediums=mediums(email, phone),
    )
