"""The local stack, started once for the e2e tests, as ``make run`` starts it.

Every wall-clock wait of the e2e tests (for an event, a page, an answer, the stack to start
or stop) is what a quiet machine needs, times ``MINSHENG_TEST_WAIT_SCALE`` (default 1):
on a loaded machine, ``MINSHENG_TEST_WAIT_SCALE=3 make test``. Use :func:`wait_seconds`
(or :func:`wait_ms` for Playwright) for any new one."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _wait_scale() -> float:
    text = os.environ.get("MINSHENG_TEST_WAIT_SCALE", "1")
    try:
        scale = float(text)
    except ValueError:
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise pytest.UsageError(f"MINSHENG_TEST_WAIT_SCALE must be a number above 0: {text!r}")
    return scale


WAIT_SCALE = _wait_scale()


def wait_seconds(seconds: float) -> float:
    """``seconds`` (enough on a quiet machine) scaled by MINSHENG_TEST_WAIT_SCALE."""
    return seconds * WAIT_SCALE


def wait_ms(milliseconds: float) -> float:
    """:func:`wait_seconds` in milliseconds, as Playwright takes its timeouts."""
    return milliseconds * WAIT_SCALE


def wait_until(condition: Any, timeout: float = 30, every: float = 0.2) -> Any:
    """``condition()``'s first true answer within ``timeout`` seconds (scaled)."""
    limit = wait_seconds(timeout)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {limit:g}s")


def settle(page: Any) -> None:
    """Two animation frames in ``page``: what it has now (a new viewport size, say) is laid
    out and painted, for a screenshot or a measurement. Rather than a fixed pause."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@dataclass
class RunningStack:
    info: dict[str, Any]
    state_dir: Path
    process: subprocess.Popen[str]

    @property
    def api(self) -> str:
        return str(self.info["api_url"])

    def password(self, username: str) -> str:
        return next(u["password"] for u in self.info["users"] if u["username"] == username)

    def totp_secret(self, username: str) -> str | None:
        return next(
            (u.get("totp_secret") for u in self.info["users"] if u["username"] == username), None
        )

    def cognito(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        """One call to the stack's Cognito endpoint, as the browser and the app make it."""
        response = requests.post(
            self.info["aws_endpoint"] + "/",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{target}",
            },
            data=json.dumps(body),
            timeout=wait_seconds(10),
        )
        response.raise_for_status()
        return dict(response.json())

    def sign_in(self, username: str, password: str | None = None) -> str:
        """InitiateAuth against the stack's Cognito endpoint, as the mobile app does (with
        the authenticator's code when the pool asks for it)."""
        import pyotp

        answer = self.cognito(
            "InitiateAuth",
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": self.info["user_pool_client_id"],
                "AuthParameters": {
                    "USERNAME": username,
                    "PASSWORD": password or self.password(username),
                },
            },
        )
        if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            secret = self.totp_secret(username)
            assert secret, f"{username} has an authenticator app the test does not know"
            answer = self.cognito(
                "RespondToAuthChallenge",
                {
                    "ChallengeName": "SOFTWARE_TOKEN_MFA",
                    "ClientId": self.info["user_pool_client_id"],
                    "Session": answer["Session"],
                    "ChallengeResponses": {
                        "USERNAME": username,
                        "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now(),
                    },
                },
            )
        return str(answer["AuthenticationResult"]["IdToken"])

    def events(self) -> list[dict[str, Any]]:
        path = Path(self.info["events_log"])
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]

    def wait_for_event(
        self, match: Any, timeout: float = 20, since: float | None = None
    ) -> dict[str, Any]:
        """The first logged event that ``match`` accepts, within ``timeout`` seconds
        (scaled); with ``since`` (epoch seconds, as :func:`time.time`), only one logged at
        or after it."""
        limit = wait_seconds(timeout)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for entry in self.events():
                if (since is None or entry["at"] >= since) and match(entry):
                    return entry
            time.sleep(0.2)
        raise AssertionError(f"no matching event within {limit:g}s: {self.events()[-5:]}")

    def wait_for_schedule_run_after(
        self, handler: str, moment: float, timeout: float = 40
    ) -> dict[str, Any]:
        """A run of the schedule ``handler`` that began after ``moment`` (epoch seconds).
        The log has the time a run ended only; the scheduler runs one schedule at a time,
        in one thread, so a run logged after another schedule's run that ended after
        ``moment`` began after it (a run that merely ended after it may have read the
        data from before)."""

        def run() -> dict[str, Any] | None:
            ended_after = False
            for entry in self.events():
                if entry.get("kind") != "schedule":
                    continue
                if ended_after and entry.get("handler") == handler:
                    return entry
                ended_after = ended_after or entry["at"] >= moment
            return None

        try:
            found: dict[str, Any] = wait_until(run, timeout)
        except AssertionError as exc:
            raise AssertionError(f"no {handler} run began after {moment}: {exc}") from None
        return found


def start_stack(
    state_dir: Path,
    scale: float = 0.02,
    extra: tuple[str, ...] = (),
    settings: dict[str, str] | None = None,
) -> RunningStack:
    """A local stack of its own; ``settings``: ``MINSHENG_*`` settings it starts with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))}
    env.update(settings or {})
    # The demo citizens file many appeals across the e2e tests: limits stay on, wider.
    env["MINSHENG_SUBMISSION_LIMITS"] = "60/minute,500/day"
    # The stack logs every request and event: into a file, never a pipe nobody drains
    # (a full pipe would block the stack's threads mid-request).
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "stack.log"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chalicelib.local",
            "--api-port",
            "0",
            "--aws-port",
            "0",
            "--state-dir",
            str(state_dir),
            "--schedule-scale",
            str(scale),
            # An empty district unless the test asks for days of history.
            *(() if "--simulate-days" in extra else ("--history", "none")),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack_file = state_dir / "stack.json"
    deadline = time.monotonic() + wait_seconds(90)
    while not stack_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = log_path.read_text("utf-8", errors="replace")[-20000:]
            raise RuntimeError(f"the local stack did not start:\n{output}")
        time.sleep(0.2)
    if "--simulate-days" in extra:
        # The history is written in the background: the test reads it whole, digested.
        def digested() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the local stack stopped: {log_path.read_text('utf-8')}")
            history = json.loads(stack_file.read_text("utf-8"))["history"]
            assert history["state"] != "failed", history
            return bool(history["state"] == "digested")

        wait_until(digested, timeout=180)
    return RunningStack(json.loads(stack_file.read_text("utf-8")), state_dir, process)


def stop_stack(stack: RunningStack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=wait_seconds(60))
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise


# A failed webhook delivery is tried again after 8 s (three times), then as deployed: the
# test of a department system that catches up after downtime waits for the platform's
# retry of what it missed, not for the deployed first pause of 30 s.
DELIVERY_RETRY_SECONDS = (8, 8, 8, 3600, 6 * 3600)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    retry = ",".join(str(math.ceil(wait_seconds(s))) for s in DELIVERY_RETRY_SECONDS)
    stack = start_stack(
        tmp_path_factory.mktemp("stack") / ".local",
        settings={"MINSHENG_DELIVERY_RETRY_SECONDS": retry},
    )
    try:
        yield stack
    finally:
        if stack.process.poll() is None:
            try:
                stop_stack(stack)
            except subprocess.TimeoutExpired:
                # Cleanup only: Ctrl-C itself is tested on a stack of its own
                # (test_ctrl_c_stops_the_stack_cleanly), where a slow stop fails.
                warnings.warn(
                    f"the shared local stack took over {wait_seconds(60):g} s to stop; log: "
                    f"{stack.state_dir / 'stack.log'}",
                    stacklevel=1,
                )


# The stack of two simulated days that the dashboard's test and the rebuild's share (one
# start for both), in a group of its own so that it runs beside the shared stack's.
HISTORY_GROUP = "history-stack"


@pytest.fixture(scope="session")
def history_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Two simulated days (12 appeals each), written and digested (streams drained, the
    rankings refreshed) before the first test; schedules at their real pace, so that
    nothing but the tests changes the appeals while they read the figures. The tests on
    it add to it (an appeal, a rebuild of the derived data) and assert nothing that
    another's additions would change."""
    stack = start_stack(
        tmp_path_factory.mktemp("history") / ".local",
        scale=1.0,
        extra=("--simulate-days", "2", "--simulate-per-day", "12"),
    )
    try:
        yield stack
    finally:
        try:
            stop_stack(stack)  # kills the stack when it does not stop in time
        except subprocess.TimeoutExpired:
            # Cleanup only: Ctrl-C itself is tested on a stack of its own
            # (test_ctrl_c_stops_the_stack_cleanly), where a slow stop fails.
            warnings.warn(
                f"the history stack took over {wait_seconds(60):g} s to stop", stacklevel=1
            )
