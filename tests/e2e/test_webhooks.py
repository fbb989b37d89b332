"""A department's own system against the running local stack, over real HTTP both ways:
registered by the admin, it receives the signed work order the pump delivers, verifies it
with the README's recipe (tests/support/department_system.py imports nothing from the
project), and signs, contacts and replies through the inbound webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds, wait_until
from tests.support.department_system import Receiver, signed_headers, verify

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


@pytest.fixture
def department_system() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _auth(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


@pytest.fixture
def hook_office(local_stack: RunningStack) -> Iterator[str]:
    """A department the admin adds to the shared stack for this test, and deactivates
    after it: the other tests see the stack's own reference data (the rankings list every
    active department, whatever the order the tests run in)."""
    admin = _auth(local_stack, "admin1")
    created = requests.post(
        f"{local_stack.api}/departments",
        headers=admin,
        json={"id": "e2e-hook-office", "name": "网格化服务中心"},
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    yield "e2e-hook-office"
    deactivated = requests.put(
        f"{local_stack.api}/departments/e2e-hook-office",
        headers=_auth(local_stack, "admin1"),
        json={"active": False},
        timeout=wait_seconds(10),
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False


def test_a_department_system_works_a_case_end_to_end_through_webhooks(
    local_stack: RunningStack, department_system: Receiver, hook_office: str
) -> None:
    api = local_stack.api
    admin = _auth(local_stack, "admin1")
    # The admin has added the department (hook_office) and registers its system: the
    # secret comes once
    registered = requests.put(
        f"{api}/departments/e2e-hook-office/webhook",
        headers=admin,
        json={"url": department_system.url},
        timeout=wait_seconds(10),
    )
    assert registered.status_code == 200, registered.text
    secret = registered.json()["secret"]
    # A citizen's appeal is dispatched to it by the center
    citizen = _auth(local_stack, "citizen1")
    appeal = requests.post(
        f"{api}/appeals",
        headers=citizen,
        json={"kind": "complaint", "title": "小区门口积水", "content": "雨后积水严重，无法通行"},
        timeout=wait_seconds(10),
    ).json()["id"]
    operator = _auth(local_stack, "operator1")
    dispatched = requests.post(
        f"{api}/appeals/{appeal}/dispatch",
        headers=operator,
        json={"department_id": "e2e-hook-office"},
        timeout=wait_seconds(10),
    )
    assert dispatched.status_code == 200, dispatched.text
    # The department's system receives it, signed
    delivery = wait_until(
        lambda: next(iter(department_system.of_type("work_order.dispatched")), None)
    )
    assert verify(secret, delivery.headers, delivery.body)
    assert delivery.json()["work_order"]["id"] == appeal
    # and works the case through the inbound webhook
    for action, extra in (
        ("sign", {}),
        ("contact", {"method": "phone", "note": "已与诉求人电话沟通"}),
        (
            "reply",
            {
                "content": "已疏通排水管道，积水已排除",
                "handler_name": "李明",
                "handler_phone": "13900002222",
            },
        ),
    ):
        raw = json.dumps({"appeal_id": appeal, "action": action, **extra}).encode()
        answered = requests.post(
            f"{api}/webhooks/departments/e2e-hook-office",
            headers=signed_headers(secret, raw),
            data=raw,
            timeout=wait_seconds(10),
        )
        assert answered.status_code == 200, answered.text
    # A forged request changes nothing
    raw = json.dumps({"appeal_id": appeal, "action": "return", "reason": "x"}).encode()
    forged = requests.post(
        f"{api}/webhooks/departments/e2e-hook-office",
        headers=signed_headers("whsec_guess", raw),
        data=raw,
        timeout=wait_seconds(10),
    )
    assert forged.status_code == 401
    assert forged.headers["Content-Type"] == "application/problem+json"
    final = requests.get(
        f"{api}/appeals/{appeal}", headers=citizen, timeout=wait_seconds(10)
    ).json()
    assert final["state"] == "replied"

    # The citizen's app lists the reply
    def replied() -> Any:
        items = requests.get(
            f"{api}/me/notifications", headers=citizen, timeout=wait_seconds(10)
        ).json()
        return [
            n for n in items["items"] if n["appeal_id"] == appeal and n["type"] == "appeal.replied"
        ]

    [notice] = wait_until(replied)
    assert "小区门口积水" in notice["text"]
    # And the delivery log shows the delivery with its attempt
    log = requests.get(
        f"{api}/deliveries?department_id=e2e-hook-office&status=delivered",
        headers=admin,
        timeout=wait_seconds(10),
    ).json()["items"]
    assert {d["type"] for d in log} >= {"work_order.dispatched"}
    assert all(d["attempts"][-1]["status_code"] == 200 for d in log)


def test_demo_departments_can_call_the_inbound_webhook_at_once(local_stack: RunningStack) -> None:
    secrets = local_stack.info["webhook_secrets"]
    assert len(secrets) == 35
    raw = json.dumps({"appeal_id": "20261128-00000000", "action": "sign"}).encode()
    answered = requests.post(
        f"{local_stack.api}/webhooks/departments/transport-bureau",
        headers=signed_headers(secrets["transport-bureau"], raw),
        data=raw,
        timeout=wait_seconds(10),
    )
    # Signed correctly: the platform looks for the work order (and has none by that id)
    assert answered.status_code == 404, answered.text
