"""A department's own case system, as an integrator would write it from the docs' page
docs/integrate/webhooks.md ("Department webhooks"): an HTTP receiver on loopback that
verifies each delivery's signature, and a client that signs requests to the inbound
endpoint. Nothing here imports the project: it proves the page is enough. The receiver the
docs point integrators to is examples/department_system/ (it also de-duplicates, drops stale
deliveries and catches up through the signed reads; tests/e2e/test_department_system.py runs
it); this one is the suite's instrument: it answers as told (a status, a delay) and keeps
everything it receives."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE = 300
# How often the server's loop looks for a stop: ``shutdown()`` waits for it (the default,
# 0.5 s, was added to every test that stops one).
POLL_SECONDS = 0.05
# Called with every delivery any receiver of the suite takes (headers, raw body): the
# suite's conftest checks each against the event catalogue.
OBSERVERS: list[Callable[[dict[str, str], bytes], None]] = []


def observe(headers: dict[str, str], raw: bytes) -> None:
    for observer in list(OBSERVERS):
        observer(headers, raw)


def _digest(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _offered(headers: dict[str, str], scheme: str) -> list[str]:
    parts = (p.strip().partition("=") for p in headers.get("X-Minsheng-Signature", "").split(","))
    return [value for name, _, value in parts if name == scheme]


def verify(secret: str, headers: dict[str, str], raw_body: bytes) -> bool:
    """The page's verification recipe (v2): HMAC-SHA256 of "{timestamp}.{delivery id}.{raw
    body}", any of the comma-separated v2 signatures may match, the timestamp within five
    minutes."""
    timestamp = headers.get("X-Minsheng-Timestamp", "")
    delivery = headers.get("X-Minsheng-Delivery", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    expected = _digest(secret, f"{timestamp}.{delivery}.".encode() + raw_body).encode()
    return any(hmac.compare_digest(expected, v.encode()) for v in _offered(headers, "v2"))


def verify_sha256(secret: str, headers: dict[str, str], raw_body: bytes) -> bool:
    """The recipe of the old scheme (accepted and sent until the transition ends): HMAC-SHA256
    of "{timestamp}.{raw body}" in a ``sha256=`` part."""
    timestamp = headers.get("X-Minsheng-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    expected = _digest(secret, timestamp.encode() + b"." + raw_body).encode()
    return any(hmac.compare_digest(expected, v.encode()) for v in _offered(headers, "sha256"))


def signed_headers(
    secret: str,
    raw_body: bytes,
    delivery_id: str | None = None,
    timestamp: int | None = None,
    scheme: str = "v2",
) -> dict[str, str]:
    """Headers for a request to the inbound endpoint, signed with ``scheme`` (``v2``, or
    ``sha256`` as systems written before v2 sign)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    delivery = delivery_id or uuid.uuid4().hex
    if scheme == "v2":
        signature = _digest(secret, f"{stamp}.{delivery}.".encode() + raw_body)
    else:
        signature = _digest(secret, stamp.encode() + b"." + raw_body)
    return {
        "Content-Type": "application/json",
        "X-Minsheng-Timestamp": stamp,
        "X-Minsheng-Delivery": delivery,
        "X-Minsheng-Signature": f"{scheme}={signature}",
    }


def challenge_answer(secret: str, raw_body: bytes) -> bytes:
    """The page's answer to a ``webhook.verify`` delivery: the challenge, HMAC-SHA256'd
    with the secret, as ``{"challenge": "<hex>"}``."""
    challenge = json.loads(raw_body)["data"]["challenge"]
    return json.dumps({"challenge": _digest(secret, challenge.encode())}).encode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers every POST with ``status`` (a broken system answers 500) after ``delay``
    seconds (a slow one times out), and keeps it. Once it knows the department's
    ``secret`` it answers the platform's ``webhook.verify`` challenge (signed with that
    secret) as the page says; until then it cannot, and answers 401."""

    status: int = 200
    delay: float = 0.0
    secret: str | None = None
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        if not 200 <= self.status < 300 or headers.get("X-Minsheng-Event") != "webhook.verify":
            return self.status, b'{"ok": true}'
        if self.secret is None or not verify(self.secret, headers, raw):
            return 401, b'{"error": "not signed with our secret"}'
        return 200, challenge_answer(self.secret, raw)

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = dict(self.headers.items())
                owner.received.append(Received(self.path, headers, raw))
                observe(headers, raw)
                time.sleep(owner.delay)
                status, answer = owner.answer(headers, raw)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the platform gave up waiting (a timed-out delivery)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True
        ).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/minsheng/hook"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def of_type(self, type_: str) -> list[Received]:
        return [r for r in self.received if r.json()["type"] == type_]
