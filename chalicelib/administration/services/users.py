"""Staff accounts, as the admin keeps them: listed, added one by one or from a CSV file,
changed (name, role, department), disabled and enabled, given a new temporary password,
signed out everywhere, and every change kept with who made it and what it was before.

A change is done whole or not at all: the pool's steps are taken one by one, each with its
way back, and the account's record (with its change, and the guard of the last admin) is
written last, in one transaction; if any step or that write fails, the steps taken are
undone in reverse order."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from chalicelib.administration.domain import schemas as admin_schemas
from chalicelib.administration.domain.users import (
    DEPARTMENT_ROLE,
    MAX_ROWS,
    NewUser,
    Problems,
    changes,
    check_rows,
    check_user,
    read_csv,
    same_account,
    shown,
)
from chalicelib.administration.integrations import user_pool
from chalicelib.administration.store import users as directory
from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.observability import logger
from chalicelib.core.services import accounts
from chalicelib.core.store import accounts as records
from chalicelib.core.store import reference

FIELDS = ("name", "role", "department_id", "email", "phone", "enabled")
LOOKUP_THREADS = 8


def _department_exists(department_id: str) -> bool:
    return reference.get_department(department_id) is not None


def _fields(account: records.Account) -> dict[str, Any]:
    return {name: getattr(account, name) for name in FIELDS}


def _by(principal: Principal) -> dict[str, str]:
    return {"username": principal.username, "id": principal.id, "role": principal.role.value}


def _now() -> str:
    return clock.iso(clock.now())


class Steps:
    """The pool's steps of one change, each with its way back."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], None]]] = []

    def run(self, do: Callable[[], Any], undo: Callable[[], None] | None = None) -> Any:
        result = do()
        if undo is not None:
            self._undo.append((getattr(do, "__name__", "step"), undo))
        return result

    def roll_back(self) -> None:
        for name, undo in reversed(self._undo):
            try:
                undo()
            except Exception:
                logger.exception(
                    "a step of a failed change could not be undone", extra={"step": name}
                )


def _load(username: str) -> records.Account:
    account = records.get(username.lower())
    if account is None:
        account = accounts.adopt(username.lower())
    if account is None:
        raise NotFound(f"no staff account {username}")
    return account


# -- reading --------------------------------------------------------------------------


def _view(account: records.Account, found: user_pool.PoolAccount | None) -> dict[str, Any]:
    return {
        "username": account.username,
        **_fields(account),
        "status": found.status if found else "UNKNOWN",
        "mfa": bool(found and found.mfa),
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def view(account: records.Account) -> dict[str, Any]:
    return _view(account, user_pool.lookup(account.username))


def list_users(principal: Principal, params: dict[str, str], limit: int, cursor: str | None) -> Any:
    role = params.get("role") or None
    department = params.get("department_id") or None
    if role and role not in admin_schemas.ROLE["enum"]:
        raise ValidationFailed.one(
            "role", "must be one of: " + ", ".join(admin_schemas.ROLE["enum"])
        )
    if department and role and role != DEPARTMENT_ROLE:
        raise ValidationFailed.one("department_id", "is only for department staff")
    found, next_cursor = directory.page(role, department, limit, cursor)
    admin = principal.role is Role.ADMIN
    if admin:
        # Status and MFA are the pool's: one look-up per account on the page, a few at once.
        with ThreadPoolExecutor(max_workers=LOOKUP_THREADS) as pool:
            looked = list(pool.map(lambda a: user_pool.lookup(a.username), found))
        items = [_view(a, p) for a, p in zip(found, looked, strict=True)]
    else:
        items = [shown(_view(a, None), admin=False) for a in found]
    return {"items": items, "next_cursor": next_cursor}


def history(username: str, limit: int, cursor: str | None) -> dict[str, Any]:
    account = _load(username)
    changes_, next_cursor = directory.history(account.username, limit, cursor)
    return {"items": [c.to_dict() for c in changes_], "next_cursor": next_cursor}


# -- adding ---------------------------------------------------------------------------


def _create(principal: Principal, user: NewUser, action: str) -> records.Account:
    """The account in the pool (its invitation sent), in its group, then on record."""
    steps = Steps()
    try:
        made = steps.run(lambda: user_pool.create(user), lambda: user_pool.delete(user.username))
        steps.run(lambda: user_pool.add_to_group(user.username, user.role))
        at = _now()
        account = records.Account(
            username=user.username,
            sub=made.sub,
            name=user.name,
            role=user.role,
            department_id=user.department_id,
            email=user.email,
            phone=user.phone,
            enabled=True,
            mfa=False,
            mfa_checked_at=0,
            signed_out_at=0,
            created_at=at,
            created_by=principal.username,
            updated_at=at,
            rev=1,
        )
        directory.write(
            None,
            account,
            directory.Change(at, _by(principal), action, {}, _fields(account)),
        )
    except Exception:
        steps.roll_back()
        raise
    accounts.forget(user.username)
    return account


def _existing(username: str) -> records.Account | None:
    return records.get(username) or accounts.adopt(username)


def create_user(principal: Principal, body: Any) -> dict[str, Any]:
    validate(admin_schemas.USER_CREATE, body)
    problems = Problems()
    user = check_user(body, _department_exists, problems)
    if user is None:
        raise ValidationFailed(problems.errors)
    if _existing(user.username) is not None or user_pool.lookup(user.username) is not None:
        raise Conflict(f"the user name {user.username} is taken", field="username")
    return view(_create(principal, user, "created"))


def import_users(
    principal: Principal, raw: bytes, max_rows: int | None = MAX_ROWS
) -> tuple[dict[str, Any], bool]:
    """Every row checked before anything is written; then all the new accounts made, or
    none (those made before a failure are taken back). Rows whose account is there already
    as the row describes it are left as they are (``unchanged``). Returns the answer and
    whether anything was made."""
    problems = Problems()
    rows = read_csv(raw, problems, max_rows)
    users = check_rows(rows, _department_exists, problems) if not problems.errors else []
    new: list[NewUser] = []
    unchanged: list[str] = []
    for number, user in users:
        existing = _existing(user.username)
        if existing is None and user_pool.lookup(user.username) is not None:
            problems.add("username", "is taken by an account that is not staff", number)
        elif existing is None:
            new.append(user)
        elif same_account(user, _fields(existing)):
            unchanged.append(user.username)
        else:
            problems.add("username", "is taken by another account (other details)", number)
    if problems.errors:
        raise ValidationFailed(
            problems.errors,
            detail=f"{len(problems.errors)} problem(s) in the file: nothing was created",
        )
    made: list[records.Account] = []
    try:
        for user in new:
            made.append(_create(principal, user, "imported"))
    except Exception:
        for account in reversed(made):
            _take_back(account)
        raise
    return {"created": [a.username for a in made], "unchanged": unchanged}, bool(made)


def _take_back(account: records.Account) -> None:
    """An imported account removed again (the import failed further on)."""
    try:
        changes_, _ = directory.history(account.username, 10, None)
        for change in changes_:
            directory.undo_create(account, change.id)
            break
        user_pool.delete(account.username)
    except Exception:
        logger.exception(
            "an imported account could not be taken back", extra={"username": account.username}
        )
    accounts.forget(account.username)


# -- changing -------------------------------------------------------------------------


def _save(
    principal: Principal,
    before: records.Account,
    after: records.Account,
    action: str,
    steps: Steps,
    extra: dict[str, Any] | None = None,
) -> records.Account:
    after = replace(after, rev=before.rev + 1, updated_at=_now())
    old, new = changes(_fields(before), _fields(after))
    if extra:
        new.update(extra)
    try:
        directory.write(
            before, after, directory.Change(after.updated_at, _by(principal), action, old, new)
        )
    except Exception:
        steps.roll_back()
        raise
    accounts.forget(after.username)
    return after


def _guard_last_admin(before: records.Account, after: records.Account) -> None:
    """A clear answer before the pool is touched (the write's guard is what holds)."""
    if before.role == "admin" and before.enabled and not (after.role == "admin" and after.enabled):
        others = [
            a
            for a in directory.page("admin", None, 100, None)[0]
            if a.enabled and a.username != before.username
        ]
        if not others:
            raise directory.LastAdmin(
                "the platform must keep at least one enabled admin: make another admin first"
            )


def update_user(principal: Principal, username: str, body: Any) -> dict[str, Any]:
    request = validate(admin_schemas.USER_UPDATE, body)
    before = _load(username)
    role = request.get("role", before.role)
    department = request.get("department_id", before.department_id)
    if role == DEPARTMENT_ROLE:
        if not department:
            raise ValidationFailed.one("department_id", "is required for department staff")
        if not _department_exists(department):
            raise ValidationFailed.one("department_id", f"is not a department: {department}")
    else:
        if request.get("department_id"):
            raise ValidationFailed.one("department_id", "is only for department staff")
        department = None
    after = replace(
        before, name=request.get("name", before.name), role=role, department_id=department
    )
    if after == before:
        return view(before)
    _guard_last_admin(before, after)
    steps = Steps()
    try:
        if after.role != before.role:
            steps.run(
                lambda: user_pool.add_to_group(before.username, after.role),
                lambda: user_pool.remove_from_group(before.username, after.role),
            )
            steps.run(
                lambda: user_pool.remove_from_group(before.username, before.role),
                lambda: user_pool.add_to_group(before.username, before.role),
            )
        changed: dict[str, str] = {}
        if after.name != before.name:
            changed["name"] = after.name
        if after.department_id and after.department_id != before.department_id:
            changed["custom:department_id"] = after.department_id
        if changed:
            undo = {"name": before.name}
            if before.department_id:
                undo["custom:department_id"] = before.department_id
            steps.run(
                lambda: user_pool.set_attributes(before.username, changed),
                lambda: user_pool.set_attributes(before.username, undo),
            )
        if before.department_id and not after.department_id:
            steps.run(
                lambda: user_pool.delete_attributes(before.username, ["custom:department_id"]),
                lambda: user_pool.set_attributes(
                    before.username, {"custom:department_id": str(before.department_id)}
                ),
            )
    except Exception:
        steps.roll_back()
        raise
    return view(_save(principal, before, after, "changed", steps))


def disable(principal: Principal, username: str) -> dict[str, Any]:
    before = _load(username)
    if not before.enabled:
        return view(before)
    after = replace(before, enabled=False, signed_out_at=int(time.time()))
    _guard_last_admin(before, after)
    steps = Steps()
    try:
        steps.run(
            lambda: user_pool.disable(before.username), lambda: user_pool.enable(before.username)
        )
    except Exception:
        steps.roll_back()
        raise
    saved = _save(principal, before, after, "disabled", steps)
    _sign_out_quietly(saved.username)
    return view(saved)


def _sign_out_quietly(username: str) -> None:
    """Refresh tokens revoked after the record refuses the account (which is what holds):
    a failure here is logged, not answered."""
    try:
        user_pool.sign_out(username)
    except Exception:
        logger.exception("the pool did not sign the account out", extra={"username": username})


def enable(principal: Principal, username: str) -> dict[str, Any]:
    before = _load(username)
    if before.enabled:
        return view(before)
    after = replace(before, enabled=True)
    steps = Steps()
    try:
        steps.run(
            lambda: user_pool.enable(before.username), lambda: user_pool.disable(before.username)
        )
    except Exception:
        steps.roll_back()
        raise
    return view(_save(principal, before, after, "enabled", steps))


def reset_password(principal: Principal, username: str) -> dict[str, Any]:
    """A new temporary password, sent as the invitation was; the account's sessions end."""
    before = _load(username)
    if not before.enabled:
        raise Conflict(f"{before.username} is disabled: enable the account first")
    user_pool.resend_invitation(before.username, before.email, before.phone)
    at = int(time.time())
    after = replace(before, signed_out_at=at)
    saved = _save(principal, before, after, "password_reset", Steps(), {"signed_out": _now()})
    _sign_out_quietly(saved.username)
    return view(saved)


def sign_out(principal: Principal, username: str) -> dict[str, Any]:
    """Every session of the account ended: its refresh tokens revoked in the pool, and
    the ID tokens issued before now refused by the API."""
    before = _load(username)
    user_pool.sign_out(before.username)
    after = replace(before, signed_out_at=int(time.time()))
    return view(_save(principal, before, after, "signed_out", Steps(), {"signed_out": _now()}))
