"""The district's history that ``make run`` opens on: a simulated month (30 days x 60
appeals by default, seed 12345) ending at the stack's start, written in the background
while the API already answers.

moto's process writes it (``chalicelib/local/moto_process.py``), through the services on
its own backends: no HTTP round trip per call, the seeding beside the stack's process on
the other core, and the simulated clock it needs is that process's alone, so the API's
requests meanwhile keep the real time. Each simulated day over is one line on moto's
standard output, ``{"history": {...}}``, which the stack turns into a progress bar."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MARK = "history"
# What ``make run`` opens on: the README's month.
MONTH_DAYS, MONTH_PER_DAY, MONTH_SEED = 30, 60, 12345
# The SLA sweep's pace on the simulated clock (the deployed sweep runs every 15 minutes).
SWEEP_MINUTES = 15


def write(spec: dict[str, Any], say: Callable[[dict[str, Any]], None]) -> None:
    """Write the month ``spec`` names (days, per_day, seed, end) on the configured stack,
    telling ``say`` each day that is over, then the summary."""
    from chalicelib.core.domain import clock
    from chalicelib.local.simulate import Summary, simulate

    began = time.monotonic()
    days = int(spec["days"])

    def progress(day: int, summary: Summary) -> None:
        say({"day": day, "days": days, "appeals": summary.appeals})

    summary = simulate(
        clock.parse_iso(spec["end"]),
        days,
        int(spec["per_day"]),
        int(spec["seed"]),
        SWEEP_MINUTES,
        progress,
    )
    say(
        {
            "day": days,
            "days": days,
            "appeals": summary.appeals,
            "done": True,
            "seconds": round(time.monotonic() - began, 1),
            "actions": dict(summary.actions or {}),
        }
    )


@dataclass
class HistoryRun:
    """The stack's view of the history being written: how far, and whether it is over."""

    days: int
    per_day: int
    seed: int
    end: datetime
    day: int = 0
    appeals: int = 0
    seconds: float | None = None
    actions: dict[str, int] = field(default_factory=dict)
    failed: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def start(self, moto: Any) -> None:
        """Ask moto's process (a ``MotoProcess``) to write it, and follow its progress."""
        from chalicelib.core.domain import clock

        env = {k: v for k, v in os.environ.items() if k.startswith(("MINSHENG_", "AWS_"))}
        # History, not live traffic: no metric lines, no info logs on the terminal.
        env.update(POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING")
        moto.listen(self._line)
        threading.Thread(target=self._watch, args=(moto,), name="history", daemon=True).start()
        moto.send(
            {
                MARK: {
                    "days": self.days,
                    "per_day": self.per_day,
                    "seed": self.seed,
                    "end": clock.iso(self.end),
                    "env": env,
                }
            }
        )

    def _line(self, line: str) -> None:
        try:
            fields = json.loads(line)[MARK]
        except (ValueError, KeyError, TypeError):
            return  # something else moto's process printed
        if fields.get("failed"):
            self.failed = str(fields["failed"])
            self.finished.set()
            return
        self.day, self.appeals = fields["day"], fields["appeals"]
        if fields.get("done"):
            self.seconds, self.actions = fields["seconds"], fields["actions"]
            self.finished.set()

    def _watch(self, moto: Any) -> None:
        moto.exited.wait()
        if not self.finished.is_set():
            self.failed = "moto's process exited"
            self.finished.set()

    def describe(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "per_day": self.per_day,
            "seed": self.seed,
            "end": self.end.isoformat(),
            "day": self.day,
            "appeals": self.appeals,
            "seeded_seconds": self.seconds,
            "failed": self.failed,
        }


def bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def progress_line(run: HistoryRun, waiting: dict[str, int]) -> str:
    """One line: the days seeded, then the records each consumer has still to take."""
    backlog = ", ".join(f"{name} {count}" for name, count in waiting.items() if count) or "none"
    return (
        f"  History {bar(run.day, run.days)} day {run.day}/{run.days}, {run.appeals} appeals;"
        f" waiting: {backlog}"
    )
