"""The local stack, started once for the e2e tests, as ``make run`` starts it."""

from __future__ import annotations

import json
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
            timeout=10,
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

    def wait_for_event(self, match: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.events():
                if match(entry):
                    return entry
            time.sleep(0.2)
        raise AssertionError(f"no matching event within {timeout}s: {self.events()[-5:]}")


def start_stack(state_dir: Path, scale: float = 0.02, extra: tuple[str, ...] = ()) -> RunningStack:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))}
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
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack_file = state_dir / "stack.json"
    deadline = time.monotonic() + 90
    while not stack_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = log_path.read_text("utf-8", errors="replace")[-20000:]
            raise RuntimeError(f"the local stack did not start:\n{output}")
        time.sleep(0.2)
    return RunningStack(json.loads(stack_file.read_text("utf-8")), state_dir, process)


def stop_stack(stack: RunningStack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("stack") / ".local")
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
                    f"the shared local stack took over 60 s to stop; log: "
                    f"{stack.state_dir / 'stack.log'}",
                    stacklevel=1,
                )
