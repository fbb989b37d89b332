"""Every signed-in request of a staff member (or deputy) is checked against their account,
not only their token: ID tokens are verified locally and stay valid for their hour, so a
disabled account, a signed-out session, a changed role or department and the MFA rule are
read from the account's record in the users table (one strongly consistent GetItem; kept
``MINSHENG_ACCOUNT_CACHE_SECONDS``, 0 by default: every request reads it).

- disabled: 401 ``account-disabled``; signed out (``POST /users/{username}/sign-out``, a
  disable, a password reset): tokens issued before are refused the same way;
- role and department: the record's, whatever the token says;
- MFA: a role in ``MINSHENG_MFA_ROLES`` (``admin`` always) needs an authenticator app. The
  pool knows (AdminGetUser's ``UserMFASettingList``): asked when the record has not seen one
  yet, and again every ``MFA_RECHECK_SECONDS``; without one, 403 ``mfa-required``.

Citizens are not checked (their accounts are their own, not the admins')."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, account_role
from chalicelib.core.errors import AccountDisabled, MfaRequired
from chalicelib.core.integrations import accounts as pool
from chalicelib.core.store import accounts as store

MFA_RECHECK_SECONDS = 900

_lock = threading.Lock()
_cache: dict[str, tuple[float, store.Account]] = {}


def forget(username: str | None = None) -> None:
    """Read the account (or every account) again at its next request."""
    with _lock:
        if username is None:
            _cache.clear()
        else:
            _cache.pop(username, None)


def _record(principal: Principal) -> store.Account | None:
    ttl = settings().account_cache_seconds
    now = time.monotonic()
    if ttl:
        with _lock:
            hit = _cache.get(principal.username)
        if hit is not None and now - hit[0] < ttl and hit[1].sub == principal.id:
            return hit[1]
    account = store.get(principal.username)
    if account is None or account.sub != principal.id:
        account = adopt(principal.username)
    if account is not None and ttl:
        with _lock:
            _cache[principal.username] = (now, account)
    return account


def adopt(username: str) -> store.Account | None:
    """A staff account the pool has and the table does not (made before the users API, or
    by hand): recorded as the pool has it."""
    found = pool.lookup(username, with_groups=True)
    role = account_role(found.groups) if found else None
    if found is None or role is None:
        return None
    at = clock.iso(clock.now())
    attributes = found.attributes
    return store.adopt(
        store.Account(
            username=found.username,
            sub=found.sub,
            name=attributes.get("name", found.username),
            role=role,
            department_id=attributes.get("custom:department_id") or None,
            email=attributes.get("email") or None,
            phone=attributes.get("phone_number") or None,
            enabled=found.enabled,
            mfa=found.mfa,
            mfa_checked_at=int(time.time()),
            signed_out_at=0,
            created_at=found.created_at or at,
            created_by="user pool",
            updated_at=at,
            rev=1,
        )
    )


def _has_mfa(account: store.Account) -> bool:
    now = int(time.time())
    if account.mfa and now - account.mfa_checked_at < MFA_RECHECK_SECONDS:
        return True
    found = pool.lookup(account.username)
    mfa = bool(found and found.mfa)
    store.saw_mfa(account.username, mfa, now)
    forget(account.username)
    return mfa


def admit(principal: Principal, claims: dict[str, Any]) -> Principal:
    """The caller as their account has them now, or the reason they are refused."""
    if not principal.managed or not principal.username:
        return principal
    account = _record(principal)
    if account is None:
        if pool.lookup(principal.username) is None:
            raise AccountDisabled("this account no longer exists")
        # The pool no longer puts them in a staff group: what the token says is stale.
        return principal.as_account(None, None)
    if not account.enabled:
        raise AccountDisabled("this account is disabled")
    issued = claims.get("iat")
    # Whole seconds: a token issued in the second of the sign-out is refused too.
    if account.signed_out_at and isinstance(issued, int) and issued <= account.signed_out_at:
        raise AccountDisabled("this session was signed out: sign in again")
    admitted = principal.as_account(account.role, account.department_id)
    if account.role in settings().mfa_roles and not _has_mfa(account):
        raise MfaRequired(
            "this account needs two-step verification (an authenticator app) first",
            role=account.role,
        )
    return admitted
