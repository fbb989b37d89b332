"""``make run`` with its month, timed as a newcomer sees it: the local stack started as
``python -m chalicelib.local`` (moto and the history's seeding each in a process of their
own), the time until it is ready (the API answers, ``stack.json`` written, the URLs
printed), then until the history is written, and until it is digested (every stream
drained, rankings refreshed), read from ``stack.json``. Wall time: the load average of
the machine is printed with it (a busy machine inflates it; compare runs side by side).

    .venv/bin/python bench/local_month.py [--days 30 --per-day 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _streams import row, write_json

ROOT = Path(__file__).resolve().parents[1]
READY_TARGET = 15.0
DIGEST_TARGET = 300.0


def run(days: int, per_day: int, limit: float) -> dict[str, Any]:
    state = Path(tempfile.mkdtemp(prefix="local-month-")) / ".local"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))}
    log = (state.parent / "stack.log").open("w")
    began = time.monotonic()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "chalicelib.local", "--api-port", "0", "--aws-port", "0"),
            *("--state-dir", str(state), "--simulate-days", str(days)),
            *("--simulate-per-day", str(per_day)),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stack_file = state / "stack.json"
    ready = None
    history: dict[str, Any] = {}
    try:
        while time.monotonic() - began < limit:
            if process.poll() is not None:
                raise RuntimeError((state.parent / "stack.log").read_text()[-5000:])
            if stack_file.exists():
                info = json.loads(stack_file.read_text())
                if ready is None:
                    with urllib.request.urlopen(info["api_url"] + "/openapi.json", timeout=10):
                        ready = time.monotonic() - began
                history = info["history"] or {}
                if history.get("state") in ("digested", "failed"):
                    break
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    return {"ready": ready, "history": history, "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=60)
    parser.add_argument("--limit", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--json", help="write the bench table's rows here")
    args = parser.parse_args()
    load_before = os.getloadavg()
    result = run(args.days, args.per_day, args.limit)
    history = result["history"]
    size = f"{args.days} x {args.per_day}"
    seeded = history.get("seeded_after_seconds")
    digested = history.get("digested_after_seconds")
    print(
        f"make run with {size} appeals of history: ready after {result['ready']:.1f} s;"
        f" history written after {seeded} s, digested after {digested} s"
        f" (state {history.get('state')}, {history.get('appeals')} appeals);"
        f" load average {load_before[0]:.1f} before, {result['load'][0]:.1f} after"
    )
    rows = [
        row(
            "make run: ready (API answers, URLs printed)",
            result["ready"],
            "s",
            f"<= {READY_TARGET:.0f} s",
            result["ready"] <= READY_TARGET,
        ),
        row(
            f"make run: history {size} written and digested (wall, load {load_before[0]:.1f})",
            digested if digested is not None else args.limit,
            "s",
            f"<= {DIGEST_TARGET:.0f} s" if (args.days, args.per_day) == (30, 60) else "(reported)",
            (digested is not None and digested <= DIGEST_TARGET)
            if (args.days, args.per_day) == (30, 60)
            else None,
        ),
    ]
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
