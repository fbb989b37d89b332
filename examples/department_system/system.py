"""A department's case system talking to Minsheng, in the standard library only.

It does what docs/integrate/webhooks.md and docs/integrate/events.md ask of a receiver:

- verifies every delivery (the ``v2`` signature over timestamp, delivery id and raw body,
  within five minutes) and answers a new URL's ``webhook.verify`` challenge;
- drops a repeated delivery (its id, which is also ``X-Minsheng-Delivery``);
- keeps each work order at its highest ``version`` and drops a stale one (deliveries come
  in no particular order);
- acts back through the signed inbound endpoint (it signs for each work order it receives);
- catches up after downtime through the signed reads: the work orders changed since the
  last one it applied, each read whole.

Run it against a platform: ``python -m examples.department_system --api URL
--department ID --secret whsec_… --port 9000``; the end-to-end tests run this same code
(tests/e2e/test_department_system.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlencode

TOLERANCE_SECONDS = 300
SCHEMA_VERSION = "1"


def sign(secret: str, timestamp: str, delivery: str, raw: bytes) -> str:
    """The ``v2`` signature: HMAC-SHA256 of "{timestamp}.{delivery}.{raw}", lowercase hex."""
    message = f"{timestamp}.{delivery}.".encode() + raw
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, headers: dict[str, str], raw: bytes, now: float | None = None) -> bool:
    """Whether a delivery is the platform's: a ``v2`` part of X-Minsheng-Signature matches
    and the timestamp is within five minutes."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get("x-minsheng-timestamp", "")
    delivery = lower.get("x-minsheng-delivery", "")
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, delivery, raw)
    parts = (p.strip().partition("=") for p in lower.get("x-minsheng-signature", "").split(","))
    return any(hmac.compare_digest(expected, value) for name, _, value in parts if name == "v2")


def signed_headers(secret: str, raw: bytes) -> dict[str, str]:
    """The three headers of a request to the platform (an action, or a read)."""
    timestamp, delivery = str(int(time.time())), uuid.uuid4().hex
    return {
        "X-Minsheng-Timestamp": timestamp,
        "X-Minsheng-Delivery": delivery,
        "X-Minsheng-Signature": "v2=" + sign(secret, timestamp, delivery, raw),
    }


class PlatformError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status


class DepartmentSystem:
    """The department's own record of its work orders, kept in step with the platform."""

    def __init__(
        self,
        api: str,
        department_id: str,
        secret: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_sign: bool = True,
        on_delivery: Callable[[dict[str, str], bytes], None] | None = None,
    ) -> None:
        self.api = api.rstrip("/")
        self.department_id = department_id
        self.secret = secret
        self.host, self.port = host, port
        self.auto_sign = auto_sign
        self.on_delivery = on_delivery
        self.work_orders: dict[str, dict[str, Any]] = {}  # id -> the newest version seen
        self.gone: set[str] = set()  # work orders that left the department
        self.events: list[dict[str, Any]] = []  # every delivery applied, in arrival order
        self.seen: set[str] = set()  # delivery ids handled
        self.stale = 0  # deliveries whose work order was older than the one kept
        self.repeats = 0
        self.last_change: str | None = None  # updated_at of the newest work order applied
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._pending: list[str] = []  # work orders to sign (acted on outside the handler)

    # -- receiving ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/minsheng/hook"

    def start(self) -> DepartmentSystem:
        """Listen (again, on the same port after ``stop``)."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = owner.receive(dict(self.headers.items()), raw)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go offline: the port is closed, connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def receive(self, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        """One delivery: (status, answer body)."""
        if self.on_delivery is not None:
            self.on_delivery(headers, raw)
        if self.secret is None or not verify(self.secret, headers, raw):
            return 401, b'{"error": "not signed with our secret"}'
        body = json.loads(raw)
        if body.get("schema_version") != SCHEMA_VERSION:
            return 200, b'{"ignored": "schema version"}'  # a version we were not written for
        if body["type"] == "webhook.verify":
            challenge = body["data"]["challenge"].encode()
            answer = hmac.new(self.secret.encode(), challenge, hashlib.sha256).hexdigest()
            return 200, json.dumps({"challenge": answer}).encode()
        with self._lock:
            if body["id"] in self.seen:
                self.repeats += 1
                return 200, b'{"repeat": true}'
            self.seen.add(body["id"])
            self.events.append(body)
            if "appeal_id" in body:
                self.apply(body["appeal_id"], body.get("work_order"))
                if self._wants_sign(body):
                    self._pending.append(body["appeal_id"])
        threading.Thread(target=self.act_on_pending, daemon=True).start()
        return 200, b'{"ok": true}'

    def _wants_sign(self, body: dict[str, Any]) -> bool:
        order = body.get("work_order") or {}
        return (
            self.auto_sign
            and body["type"] == "work_order.dispatched"
            and (body.get("data") or {}).get("role") == "lead"
            and order.get("state") == "dispatched"
        )

    def apply(self, appeal_id: str, work_order: dict[str, Any] | None) -> bool:
        """Keep ``work_order`` if it is newer than the one kept; ``None``: it left us.
        Whether it was applied."""
        with self._lock:
            if work_order is None:
                self.gone.add(appeal_id)
                self.work_orders.pop(appeal_id, None)
                return True
            kept = self.work_orders.get(appeal_id)
            if kept is not None and kept["version"] >= work_order["version"]:
                self.stale += 1
                return False
            self.work_orders[appeal_id] = work_order
            self.gone.discard(appeal_id)
            if self.last_change is None or work_order["updated_at"] > self.last_change:
                self.last_change = work_order["updated_at"]
            return True

    # -- acting and reading ---------------------------------------------------------------

    def _request(self, method: str, target: str, raw: bytes | None = None) -> Any:
        assert self.secret is not None, "the system needs its secret first"
        signed = raw if raw is not None else f"{method} {target}".encode()
        headers = signed_headers(self.secret, signed)
        if raw is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.api + target, data=raw, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise PlatformError(exc.code, exc.read().decode("utf-8", "replace")) from exc

    def act(self, appeal_id: str, action: str, **fields: Any) -> dict[str, Any]:
        """A signed action on one work order; the answer (the work order) is applied."""
        raw = json.dumps(
            {"appeal_id": appeal_id, "action": action, **fields}, ensure_ascii=False
        ).encode()
        order = self._request("POST", f"/webhooks/departments/{self.department_id}", raw)
        self.apply(appeal_id, order)
        return dict(order)

    def act_on_pending(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                appeal_id = self._pending.pop(0)
                order = self.work_orders.get(appeal_id) or {}
            if order.get("state") == "dispatched":
                try:
                    self.act(appeal_id, "sign")
                except PlatformError as exc:
                    if exc.status != 409:  # signed meanwhile: the next read shows it
                        raise

    def read(self, path: str, **query: str) -> Any:
        """A signed read: the signature covers "GET {path}?{query}", the query's pairs
        sorted and percent-encoded, exactly as sent."""
        encoded = urlencode(sorted(query.items()), quote_via=quote)
        return self._request("GET", path + ("?" + encoded if encoded else ""))

    def catch_up(self) -> int:
        """Read every work order changed since the newest one applied, then the ones held
        that the list no longer shows; sign what waits for it. How many were applied."""
        base = f"/department-systems/{self.department_id}/work-orders"
        applied = 0
        listed: set[str] = set()
        cursor: str | None = None
        since = self.last_change
        while True:
            query = {"limit": "100"}
            if since:
                query["changed_since"] = since
            if cursor:
                query["cursor"] = cursor
            page = self.read(base, **query)
            for item in page["items"]:
                listed.add(item["id"])
                kept = self.work_orders.get(item["id"])
                if kept is not None and kept["version"] >= item["version"]:
                    continue
                applied += self.apply(item["id"], self.read(f"{base}/{item['id']}"))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        for appeal_id, order in list(self.work_orders.items()):
            if appeal_id in listed or order.get("state") in ("closed", "rejected", "merged"):
                continue
            try:
                applied += self.apply(appeal_id, self.read(f"{base}/{appeal_id}"))
            except PlatformError as exc:
                if exc.status != 404:
                    raise
                applied += self.apply(appeal_id, None)  # it left the department
        with self._lock:
            self._pending += [
                i
                for i, o in self.work_orders.items()
                if o.get("state") == "dispatched" and o.get("department_id") == self.department_id
            ]
        if self.auto_sign:
            self.act_on_pending()
        return applied

    def states(self) -> dict[str, tuple[str, int]]:
        """Each work order held: (state, version)."""
        with self._lock:
            return {i: (o["state"], o["version"]) for i, o in self.work_orders.items()}
