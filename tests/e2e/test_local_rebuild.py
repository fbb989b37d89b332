"""``python -m chalicelib.local rebuild`` on a running local stack: the figures it serves
are the same after the rebuild as before it (simulated traffic, counted by the event pump)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import HISTORY_GROUP, ROOT, RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(HISTORY_GROUP)]


def figures(stack: RunningStack) -> dict[str, Any]:
    month = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))
    seen = {}
    for path in (
        f"/public/stats?period={month}",
        f"/public/hot-topics?period={month}",
        f"/public/daily-volume?month={month}",
    ):
        response = requests.get(stack.api + path, timeout=wait_seconds(10))
        assert response.status_code == 200, path
        seen[path] = response.json()
    return seen


def settled(stack: RunningStack) -> dict[str, Any]:
    """The figures once the pump has counted everything (two reads in a row agree)."""
    last = figures(stack)
    deadline = time.monotonic() + wait_seconds(60)
    while time.monotonic() < deadline:
        time.sleep(wait_seconds(3))
        now = figures(stack)
        if now == last:
            return now
        last = now
    raise AssertionError("the figures kept changing")


@pytest.mark.long(90)
def test_local_rebuild_gives_the_figures_the_stream_gave(history_stack: RunningStack) -> None:
    # Given a local stack filled with two simulated days, its stream counted by the pump
    # (schedules at their real pace: nothing else changes the appeals meanwhile)
    stack = history_stack
    state = stack.state_dir
    before = settled(stack)
    month = next(iter(before.values()))
    assert month["counters"]["submitted"] >= 12
    # When the derived data is rebuilt from its tables
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.local", "rebuild", "--state-dir", str(state)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=wait_seconds(120),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "appeals: " in done.stdout and (state / "rebuild.json").exists()
    # Then the stack serves the same figures (after its minute of cache, at most)
    time.sleep(wait_seconds(1))
    assert settled(stack) == before
