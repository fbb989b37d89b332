"""Time in Asia/Shanghai. Every stored time is ISO 8601 with its offset, fixed width so
that strings sort in time order (index range keys rely on it).

China Standard Time has been UTC+8 all year since 1992 (daylight saving ended in
September 1991), so the zone is a fixed offset: the same answers as the IANA zone for
every date the product handles (a unit test compares them), without loading zoneinfo,
sysconfig and the tz database in every function's cold start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8), "CST")

_now: Callable[[], datetime] = lambda: datetime.now(TZ)  # noqa: E731


def now() -> datetime:
    return _now().astimezone(TZ)


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests, the traffic simulator); ``None`` restores the real one."""
    global _now
    _now = fn or (lambda: datetime.now(TZ))


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(TZ).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return moment.astimezone(TZ)
