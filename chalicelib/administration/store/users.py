"""The staff directory and the record of every change to it (the users table): an
account's record and its change are written in one transaction, with the guard of the last
admin when the change adds or removes an enabled admin; pages of the directory by role, by
department or all; an account's changes, newest first."""

from __future__ import annotations

import json
import uuid
from typing import Any

from pynamodb.exceptions import PynamoDBConnectionError, TransactWriteError
from pynamodb.expressions.condition import size

from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import Conflict, ServiceUnavailable
from chalicelib.core.store.accounts import (
    ACCOUNT,
    ADMIN,
    GUARD,
    LISTED,
    Account,
    account_of,
    record,
)
from chalicelib.core.store.models import UserModel
from chalicelib.core.store.paging import query_page

HISTORY = "history#"


class LastAdmin(Conflict):
    """The change would leave the platform without an enabled admin."""

    type_slug = "last-admin"


@frozen
class Change:
    at: str
    by: dict[str, str]
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "by": self.by,
            "action": self.action,
            "before": self.before,
            "after": self.after,
        }


def _counted(account: Account | None) -> bool:
    return account is not None and account.role == ADMIN and account.enabled


def write(before: Account | None, after: Account, change: Change) -> str:
    """The account as ``after`` (if it is still as ``before`` was read; a new one if
    ``before`` is None) with its change; returns the change's key. A change that removes
    the last enabled admin is refused (``LastAdmin``)."""
    from pynamodb.transactions import TransactWrite

    item = record(after)
    history_key = f"{change.at}#{change.id or uuid.uuid4().hex[:12]}"
    entry = UserModel(
        HISTORY + after.username,
        history_key,
        at=change.at,
        by=json.dumps(change.by, ensure_ascii=False),
        action=change.action,
        before=json.dumps(change.before, ensure_ascii=False),
        after=json.dumps(change.after, ensure_ascii=False),
    )
    condition = UserModel.pk.does_not_exist() if before is None else UserModel.rev == before.rev
    guard = None
    if _counted(before) and not _counted(after):
        guard = "remove"
    elif _counted(after) and not _counted(before):
        guard = "add"
    connection = UserModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            transaction.save(item, condition=condition)
            transaction.save(entry, condition=UserModel.pk.does_not_exist())
            if guard == "add":
                transaction.update(
                    UserModel(*GUARD), actions=[UserModel.admins.add({after.username})]
                )
            elif guard == "remove":
                admins = UserModel.admins
                transaction.update(
                    UserModel(*GUARD),
                    actions=[admins.delete({after.username})],
                    condition=(
                        admins.does_not_exist()
                        | ~admins.contains(after.username)
                        | (size(admins) > 1)
                    ),
                )
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        codes = [r.code if r is not None else None for r in reasons]
        if len(codes) >= 3 and codes[2] == "ConditionalCheckFailed":
            raise LastAdmin(
                "the platform must keep at least one enabled admin: make another admin first"
            ) from exc
        if codes and codes[0] == "ConditionalCheckFailed":
            if before is None:
                raise Conflict(f"the directory has {after.username} already") from exc
            raise Conflict(f"{after.username} was changed meanwhile: read it again") from exc
        raise ServiceUnavailable("the users store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the users store is unreachable") from exc
    return history_key


def undo_create(account: Account, history_key: str) -> None:
    """Take back what ``write`` recorded for a new account (a step after it failed)."""
    from pynamodb.transactions import TransactWrite

    connection = UserModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            transaction.delete(UserModel(account.username, ACCOUNT))
            transaction.delete(UserModel(HISTORY + account.username, history_key))
            if _counted(account):
                transaction.update(
                    UserModel(*GUARD), actions=[UserModel.admins.delete({account.username})]
                )
    except (TransactWriteError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the users store did not take the account back") from exc


def page(
    role: str | None, department_id: str | None, limit: int, cursor: str | None
) -> tuple[list[Account], str | None]:
    """A page of the directory by user name: one department's staff, one role's, or all."""
    source: Any
    if department_id:
        source, value, name = UserModel.by_department, department_id, "users-department"
        condition = UserModel.role == role if role else None
    elif role:
        source, value, name, condition = UserModel.by_role, role, "users-role", None
    else:
        source, value, name, condition = UserModel.directory, LISTED, "users", None
    items, next_cursor = query_page(
        UserModel,
        source,
        value,
        list_name=name,
        limit=limit,
        cursor=cursor,
        filter_condition=condition,
        newest_first=False,
    )
    return [account_of(i) for i in items], next_cursor


def history(username: str, limit: int, cursor: str | None) -> tuple[list[Change], str | None]:
    items, next_cursor = query_page(
        UserModel,
        UserModel,
        HISTORY + username,
        list_name="user-history",
        limit=limit,
        cursor=cursor,
    )
    return [
        Change(
            at=str(i.at),
            by=json.loads(i.by or "{}"),
            action=str(i.action),
            before=json.loads(i.before or "{}"),
            after=json.loads(i.after or "{}"),
            id=str(i.sk),
        )
        for i in items
    ], next_cursor
