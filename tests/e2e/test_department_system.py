"""The example department system (examples/department_system/, standard library only)
against the running local stack: it receives and acts, goes offline (its port refuses
connections) while the platform moves on, then catches up through the signed reads and
holds every work order in the platform's state and version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from examples.department_system.system import DepartmentSystem
from tests.e2e.conftest import RunningStack, wait_seconds, wait_until
from tests.support.department_system import observe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]
OFFICE = "e2e-example-office"


def _auth(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


@pytest.fixture
def office(local_stack: RunningStack) -> Iterator[str]:
    """A department added for this test and deactivated after it (the other tests see
    the stack's own reference data)."""
    created = requests.post(
        f"{local_stack.api}/departments",
        headers=_auth(local_stack, "admin1"),
        json={"id": OFFICE, "name": "城市管理服务站"},
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    yield OFFICE
    requests.put(
        f"{local_stack.api}/departments/{OFFICE}",
        headers=_auth(local_stack, "admin1"),
        json={"active": False},
        timeout=wait_seconds(10),
    ).raise_for_status()


@pytest.fixture
def system(local_stack: RunningStack, office: str) -> Iterator[DepartmentSystem]:
    # Every delivery it takes is also checked against the event catalogue (tests/conftest.py)
    found = DepartmentSystem(local_stack.api, office, on_delivery=observe).start()
    yield found
    found.stop()


# It waits for the platform's first retry of what it missed (8 s on the shared stack,
# tests/e2e/conftest.py: DELIVERY_RETRY_SECONDS).
@pytest.mark.long(12)
def test_the_example_system_catches_up_after_downtime_with_the_platform_s_states(
    local_stack: RunningStack, system: DepartmentSystem
) -> None:
    api = local_stack.api
    admin = _auth(local_stack, "admin1")
    operator = _auth(local_stack, "operator1")
    leader = _auth(local_stack, "leader1")
    citizen = _auth(local_stack, "citizen1")

    def post(who: dict[str, str], path: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{api}{path}", headers=who, json=payload, timeout=wait_seconds(10))
        assert answer.status_code in (200, 201, 202), answer.text
        return dict(answer.json())

    def submit(title: str) -> str:
        content = f"{title}，请尽快处理"
        return str(
            post(citizen, "/appeals", {"kind": "complaint", "title": title, "content": content})[
                "id"
            ]
        )

    # Given the admin registered the system, which answered the challenge with its secret
    registered = requests.put(
        f"{api}/departments/{OFFICE}/webhook",
        headers=admin,
        json={"url": system.url},
        timeout=wait_seconds(10),
    )
    assert registered.status_code == 200, registered.text
    system.secret = registered.json()["secret"]
    post(admin, f"/departments/{OFFICE}/webhook/verify", {})
    wait_until(
        lambda: requests.get(
            f"{api}/departments/{OFFICE}/webhook", headers=admin, timeout=wait_seconds(10)
        ).json()["url_verified"]
    )
    # and it received its first work order and signed for it itself
    first = submit("路口井盖缺失")
    post(operator, f"/appeals/{first}/dispatch", {"department_id": OFFICE})
    wait_until(lambda: system.states().get(first, ("", 0))[0] == "signed", timeout=40)
    # When it goes offline (its port refuses connections) while the platform moves on
    system.stop()
    second = submit("人行道地砖松动")
    post(operator, f"/appeals/{second}/dispatch", {"department_id": OFFICE})
    post(leader, f"/appeals/{first}/comments", {"text": "请三日内办结并反馈"})
    post(operator, f"/appeals/{first}/escalate", {"level": 1, "reason": "市民多次反映"})

    def deliveries(status: str) -> list[dict[str, Any]]:
        return list(
            requests.get(
                f"{api}/deliveries?department_id={OFFICE}&status={status}",
                headers=admin,
                timeout=wait_seconds(10),
            ).json()["items"]
        )

    def failed_attempts() -> Any:
        log = deliveries("retrying")
        return {d["type"] for d in log} >= {"work_order.dispatched", "work_order.commented"}

    wait_until(failed_attempts, timeout=40)  # the platform tried, and will try again
    # Then back, it catches up through the signed reads (and signs the new one)
    system.start()
    assert system.catch_up() >= 2
    # and holds every work order in the platform's state and version
    platform: dict[str, tuple[str, int]] = {}
    for appeal in (first, second):
        shown = requests.get(f"{api}/appeals/{appeal}", headers=operator, timeout=wait_seconds(10))
        platform[appeal] = (shown.json()["state"], shown.json()["version"])
    assert system.states() == platform
    assert platform[second][0] == "signed"
    comments = system.read(f"/department-systems/{OFFICE}/work-orders/{first}/comments")
    assert [c["note"] for c in comments["items"]] == ["请三日内办结并反馈"]
    # The deliveries it missed still come, once each; the stale ones change nothing
    before = dict(platform)
    wait_until(lambda: not failed_attempts(), timeout=90)
    assert deliveries("dead") == []  # delivered on a retry, not given up
    assert system.states() == before
    ids = [e["id"] for e in system.events]
    assert len(ids) == len(set(ids))
