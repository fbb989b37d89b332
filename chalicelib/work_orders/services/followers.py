"""The leaders following an appeal, for the notices that follow it.

Apart from ``leaders`` (instructions, following, supervision): the notifications function
reads followers on every change, and ``leaders`` imports the whole workflow for its
comments, which that function never makes."""

from __future__ import annotations

from chalicelib.work_orders.store import follows


def followers(appeal_id: str) -> list[str]:
    """The leaders following an appeal (their notices follow it)."""
    return follows.followers(appeal_id)
