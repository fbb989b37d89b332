"""Two racing writers: one wins. Twenty staff sessions sign one work order at once over
the running local stack's HTTP API."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

DEPARTMENT = "transport-bureau"


def test_twenty_concurrent_signs_one_wins(local_stack: RunningStack) -> None:
    api = local_stack.api

    def auth(username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {local_stack.sign_in(username)}"}

    citizen, operator = auth("citizen1"), auth("operator1")
    staff = auth(f"staff-{DEPARTMENT}")
    appeal = requests.post(
        f"{api}/appeals",
        headers=citizen,
        timeout=wait_seconds(10),
        json={"kind": "complaint", "title": "公交站牌损坏", "content": "站牌被撞坏了"},
    ).json()
    dispatched = requests.post(
        f"{api}/appeals/{appeal['id']}/dispatch",
        headers=operator,
        timeout=wait_seconds(10),
        json={"department_id": DEPARTMENT},
    )
    assert dispatched.status_code == 200, dispatched.text

    barrier = threading.Barrier(20)
    results: list[Any] = []
    lock = threading.Lock()

    def sign() -> None:
        session = requests.Session()
        barrier.wait()
        try:
            response: Any = session.post(
                f"{api}/appeals/{appeal['id']}/sign",
                headers=staff,
                json={},
                timeout=wait_seconds(30),
            )
        except requests.RequestException as exc:
            response = exc
        with lock:
            results.append(response)

    threads = [threading.Thread(target=sign) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted((str(getattr(r, "status_code", repr(r))) for r in results), key=len)
    assert sorted(codes) == ["200"] + ["409"] * 19, codes
    for loser in (r for r in results if r.status_code == 409):
        assert loser.json()["state"] == "signed"
    final = requests.get(
        f"{api}/appeals/{appeal['id']}", headers=operator, timeout=wait_seconds(10)
    ).json()
    assert [e["type"] for e in final["timeline"]].count("signed") == 1
