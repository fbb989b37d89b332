"""The traffic ``make load`` sends (Locust, headless): citizens submit appeals with an
Idempotency-Key and read their own; the platform center dispatches; departments sign,
contact and reply; anyone reads the public figures and feed. What each request did is
written to a JSON-lines log the driver checks afterwards.

Settings come from the environment the driver sets: ``LOAD_USERS`` (a JSON file of
tokens by role), ``LOAD_SUBMISSIONS`` (how many appeals in all), ``LOAD_LOG``."""

from __future__ import annotations

import json
import os
import random
import threading
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

USERS: dict[str, Any] = json.loads(Path(os.environ["LOAD_USERS"]).read_text("utf-8"))
TARGET = int(os.environ.get("LOAD_SUBMISSIONS", "2000"))
LOG_PATH = os.environ["LOAD_LOG"]
_lock = threading.Lock()
_state: dict[str, Any] = {"submitted": 0, "sent": 0, "dispatched": [], "log": None}


def record(entry: dict[str, Any]) -> None:
    with _lock:
        if _state["log"] is None:
            _state["log"] = open(LOG_PATH, "a", encoding="utf-8")  # noqa: SIM115
        _state["log"].write(json.dumps(entry, ensure_ascii=False) + "\n")
        _state["log"].flush()


def take_submission() -> bool:
    with _lock:
        if _state["sent"] >= TARGET:
            return False
        _state["sent"] += 1
        return True


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


class Citizen(HttpUser):
    weight = 6
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.token = random.choice(USERS["citizens"])

    @task(5)
    def submit(self) -> None:
        if not take_submission():
            if _state["submitted"] >= TARGET and self.environment.runner is not None:
                self.environment.runner.quit()
            return
        key = uuid.uuid4().hex
        payload = {
            "kind": random.choice(["consultation", "complaint", "suggestion", "help"]),
            "title": random.choice(["路灯不亮", "小区停水", "噪音扰民", "井盖缺失", "道路破损"]),
            "content": "负载测试：" + uuid.uuid4().hex,
            "is_public": random.random() < 0.3,
        }
        for attempt in range(3):  # the app's retry, with the same key
            with self.client.post(
                "/appeals",
                json=payload,
                headers=auth(self.token, **{"Idempotency-Key": key}),
                name="POST /appeals",
                catch_response=True,
            ) as response:
                if response.status_code == 201:
                    appeal = response.json()
                    with _lock:
                        _state["submitted"] += 1
                    record({"op": "submit", "key": key, "id": appeal["id"], "try": attempt})
                    return
                if response.status_code in (429, 503):
                    response.success()  # an answer the app expects: retry
                    continue
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
        record({"op": "submit-gave-up", "key": key})

    @task(1)
    def mine(self) -> None:
        self.client.get(
            "/appeals/mine?limit=20", headers=auth(self.token), name="GET /appeals/mine"
        )


class Center(HttpUser):
    """The platform center: takes the oldest submitted appeals and dispatches them."""

    weight = 1
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.token = USERS["operator"]

    @task
    def dispatch(self) -> None:
        listed = self.client.get(
            "/work-orders?state=submitted&limit=10",
            headers=auth(self.token),
            name="GET /work-orders?state=submitted",
        )
        if listed.status_code != 200:
            return
        for item in listed.json()["items"][:3]:
            department = random.choice(list(USERS["departments"]))
            with self.client.post(
                f"/appeals/{item['id']}/dispatch",
                json={"department_id": department},
                headers=auth(self.token),
                name="POST /appeals/{id}/dispatch",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    record({"op": "dispatched", "id": item["id"], "department": department})
                elif response.status_code == 409:
                    response.success()  # another operator took it first
                else:
                    response.failure(f"{response.status_code} {response.text[:200]}")


class Department(HttpUser):
    """A department's staff: its dispatched work orders, signed, contacted and replied."""

    weight = 2
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.department, self.token = random.choice(list(USERS["departments"].items()))

    def act(self, appeal_id: str, action: str, payload: dict[str, Any]) -> None:
        with self.client.post(
            f"/appeals/{appeal_id}/{action}",
            json=payload,
            headers=auth(self.token),
            name=f"POST /appeals/{{id}}/{action}",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                record({"op": action, "id": appeal_id})
            elif response.status_code == 409:
                response.success()  # a colleague did it first
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")

    @task
    def work(self) -> None:
        for state, action, payload in (
            ("dispatched", "sign", {}),
            ("signed", "contact", {"method": "phone", "note": "已电话联系"}),
            (
                "contacted",
                "reply",
                {"content": "已处理", "handler_name": "王强", "handler_phone": "13900001111"},
            ),
        ):
            listed = self.client.get(
                f"/work-orders?state={state}&limit=5",
                headers=auth(self.token),
                name=f"GET /work-orders?state={state}",
            )
            if listed.status_code == 200:
                for item in listed.json()["items"][:2]:
                    self.act(item["id"], action, payload)


class Public(HttpUser):
    weight = 1
    wait_time = between(0.2, 0.6)

    @task(2)
    def stats(self) -> None:
        self.client.get("/public/stats", name="GET /public/stats")

    @task(2)
    def feed(self) -> None:
        self.client.get("/public/appeals?limit=6", name="GET /public/appeals")

    @task(1)
    def rankings(self) -> None:
        self.client.get("/public/rankings", name="GET /public/rankings")


@events.request.add_listener
def _server_errors(name: str, response: Any = None, **_kwargs: Any) -> None:
    if response is not None and getattr(response, "status_code", 0) >= 500:
        record({"op": "5xx", "name": name, "status": response.status_code})


@events.quitting.add_listener
def _close(**_kwargs: Any) -> None:
    with _lock:
        if _state["log"] is not None:
            _state["log"].close()
