"""Who the leaders are: the user pool's ``leader`` group, cached for a few minutes (a
district has a few dozen leaders; escalations are rare). Who a department's staff are:
the ``department`` group's users with its ``custom:department_id`` (read when needed:
they are told of changes to their department's webhook, which are rare)."""

from __future__ import annotations

import threading
import time

from chalicelib.core.config import settings
from chalicelib.core.integrations.aws import client

CACHE_SECONDS = 300
LEADER_GROUP = "leader"
DEPARTMENT_GROUP = "department"
DEPARTMENT_ATTRIBUTE = "custom:department_id"

_lock = threading.Lock()
_cached: tuple[float, list[str]] | None = None


def leader_ids() -> list[str]:
    """Every leader's user id (the token's ``sub``)."""
    global _cached
    with _lock:
        if _cached and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return list(_cached[1])
    ids = [user["sub"] for user in _group(LEADER_GROUP) if user.get("sub")]
    with _lock:
        _cached = (time.monotonic(), ids)
    return ids


def _group(name: str) -> list[dict[str, str]]:
    """The enabled users of a group, each as its attributes (none without a pool: the
    external issuer's people are known only by the tokens they bring)."""
    if not settings().has_user_pool:
        return []
    cognito = client("cognito-idp")
    users: list[dict[str, str]] = []
    token = None
    while True:
        kwargs = {"UserPoolId": settings().user_pool_id, "GroupName": name, "Limit": 60}
        if token:
            kwargs["NextToken"] = token
        page = cognito.list_users_in_group(**kwargs)
        for user in page.get("Users", []):
            if user.get("Enabled", True):
                users.append({a["Name"]: a["Value"] for a in user.get("Attributes", [])})
        token = page.get("NextToken")
        if not token:
            return users


def department_staff_ids(department_id: str) -> list[str]:
    """The user ids of a department's staff."""
    return [
        user["sub"]
        for user in _group(DEPARTMENT_GROUP)
        if user.get("sub") and user.get(DEPARTMENT_ATTRIBUTE) == department_id
    ]


def clear_cache() -> None:
    global _cached
    with _lock:
        _cached = None
