"""Who the leaders are: the user pool's ``leader`` group, cached for a few minutes (a
district has a few dozen leaders; escalations are rare)."""

from __future__ import annotations

import threading
import time

from chalicelib.core.config import settings
from chalicelib.core.integrations.aws import client

CACHE_SECONDS = 300
LEADER_GROUP = "leader"

_lock = threading.Lock()
_cached: tuple[float, list[str]] | None = None


def leader_ids() -> list[str]:
    """Every leader's user id (the token's ``sub``)."""
    global _cached
    with _lock:
        if _cached and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return list(_cached[1])
    cognito = client("cognito-idp")
    ids: list[str] = []
    token = None
    while True:
        kwargs = {"UserPoolId": settings().user_pool_id, "GroupName": LEADER_GROUP, "Limit": 60}
        if token:
            kwargs["NextToken"] = token
        page = cognito.list_users_in_group(**kwargs)
        for user in page.get("Users", []):
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            if user.get("Enabled", True) and attributes.get("sub"):
                ids.append(attributes["sub"])
        token = page.get("NextToken")
        if not token:
            break
    with _lock:
        _cached = (time.monotonic(), ids)
    return ids


def clear_cache() -> None:
    global _cached
    with _lock:
        _cached = None
