"""Fires the app's schedules (moto never does), discovered from the Chalice app."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.local.lambda_context import LocalContext
from chalicelib.local.pump import EventLog


@dataclass
class Schedule:
    name: str
    expression: str
    rate_seconds: float | None


def _rate_seconds(expression: Any) -> float | None:
    from chalice.app import Rate

    if isinstance(expression, Rate):
        unit = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}[expression.unit]
        return float(expression.value * unit)
    return None


def schedules(app: Any) -> list[Schedule]:
    """The app's schedules of the parts that are on (as the deployed stack has them)."""
    from chalice.app import ScheduledEventConfig

    from chalicelib.core.event_sources import handler_on

    found = []
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig) and handler_on(source.name):
            expr = source.schedule_expression
            text = expr.to_string() if hasattr(expr, "to_string") else str(expr)
            found.append(Schedule(source.name, text, _rate_seconds(expr)))
    return found


def _field_matches(field: str, value: int, names: dict[str, int] | None = None) -> bool:
    if field in ("*", "?"):
        return True
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, raw_step = part.split("/", 1)
            step = int(raw_step)
        if part in ("*", ""):
            low, high = 0, 10_000
        elif "-" in part:
            a, b = part.split("-", 1)
            low, high = _num(a, names), _num(b, names)
        else:
            low = high = _num(part, names)
            if step > 1:
                high = 10_000
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


def _num(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    return int(text)


_DOW = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MON = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}


def cron_matches(expression: str, moment: datetime) -> bool:
    """EventBridge ``cron(min hour dom month dow year)``, evaluated in UTC as AWS does."""
    fields = expression.removeprefix("cron(").removesuffix(")").split()
    minute, hour, dom, month, dow, year = fields
    utc = moment.astimezone(UTC)
    aws_dow = (utc.isoweekday() % 7) + 1  # SUN=1 .. SAT=7
    return (
        _field_matches(minute, utc.minute)
        and _field_matches(hour, utc.hour)
        and _field_matches(dom, utc.day)
        and _field_matches(month, utc.month, _MON)
        and _field_matches(dow, aws_dow, _DOW)
        and _field_matches(year, utc.year)
    )


def scheduled_event(name: str, region: str, moment: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{name}"],
        "detail": {},
    }


class Scheduler:
    """Rate schedules fire every ``rate * scale`` seconds from start (``scale`` < 1 speeds a
    test up); cron schedules fire at the matching wall-clock minute."""

    def __init__(self, app: Any, region: str, log: EventLog, scale: float = 1.0) -> None:
        self.app = app
        self._app = app
        self._region = region
        self._log = log
        self._scale = scale
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, deadline: float | None = None) -> None:
        """Told to stop, then 5 s to do so, or until ``deadline`` (``time.monotonic()``)
        when the stack gives the scheduler and the pump one deadline together."""
        self._stop.set()
        if self._thread:
            limit = 5.0 if deadline is None else max(0.0, deadline - time.monotonic())
            self._thread.join(timeout=limit)

    def fire(self, schedule: Schedule) -> None:
        handler: Callable[..., Any] = self._app.handler_map[schedule.name]
        moment = datetime.now(UTC)
        try:
            result = handler(
                scheduled_event(schedule.name, self._region, moment), LocalContext(schedule.name)
            )
            error = None
        except Exception as exc:
            result, error = None, repr(exc)
        self._log.write(
            {
                "kind": "schedule",
                "handler": schedule.name,
                "expression": schedule.expression,
                "result": result,
                "error": error,
            }
        )

    def _run(self) -> None:
        found = schedules(self._app)
        start = time.monotonic()
        next_rate = {s.name: start + s.rate_seconds * self._scale for s in found if s.rate_seconds}
        last_minute: dict[str, datetime] = {}
        while not self._stop.is_set():
            now = time.monotonic()
            wall = datetime.now(UTC).replace(second=0, microsecond=0)
            for schedule in found:
                if schedule.rate_seconds:
                    if now >= next_rate[schedule.name]:
                        next_rate[schedule.name] += schedule.rate_seconds * self._scale
                        self.fire(schedule)
                elif last_minute.get(schedule.name) != wall and cron_matches(
                    schedule.expression, wall
                ):
                    last_minute[schedule.name] = wall
                    self.fire(schedule)
            self._stop.wait(min(1.0, max(0.05, 0.25 * self._scale)))
