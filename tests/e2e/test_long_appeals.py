"""An appeal that collects many long instructions still takes every transition and reads
back whole, over the running local stack's HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

DEPARTMENT = "transport-bureau"
INSTRUCTION = "请相关部门高度重视此事并限期整改到位。" * 100  # 2,000 characters


def test_three_hundred_long_comments_then_a_full_reply(local_stack: RunningStack) -> None:
    api = local_stack.api

    def auth(username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {local_stack.sign_in(username)}"}

    citizen, operator, leader = auth("citizen1"), auth("operator1"), auth("leader1")
    staff = auth(f"staff-{DEPARTMENT}")

    def post(who: dict[str, str], path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            f"{api}{path}", headers=who, json=payload, timeout=wait_seconds(30)
        )
        assert response.status_code in (200, 201), (path, response.text[:300])
        return dict(response.json())

    appeal = post(
        citizen, "/appeals", {"kind": "complaint", "title": "噪音", "content": "夜间施工"}
    )
    base = f"/appeals/{appeal['id']}"
    post(operator, f"{base}/dispatch", {"department_id": DEPARTMENT})
    for index in range(300):
        post(leader, f"{base}/comments", {"text": f"{index:03d}{INSTRUCTION}"})
    post(staff, f"{base}/sign", {})
    post(staff, f"{base}/contact", {"method": "phone"})
    replied = post(
        staff,
        f"{base}/reply",
        {"content": "已责令停工整改", "handler_name": "王强", "handler_phone": "13900001111"},
    )
    assert replied["state"] == "replied"
    assert replied["comments"] == {"total": 300, "shown": 20}
    closed = post(citizen, f"{base}/rating", {"score": 5, "resolved": True})
    assert closed["state"] == "closed"

    texts: list[str] = []
    url: str | None = f"{api}{base}/comments?limit=100"
    while url:
        page = requests.get(url, headers=leader, timeout=wait_seconds(30)).json()
        texts += [item["note"] for item in page["items"]]
        cursor = page["next_cursor"]
        url = f"{api}{base}/comments?limit=100&cursor={cursor}" if cursor else None
    assert texts == [f"{index:03d}{INSTRUCTION}" for index in range(300)]
    whole = requests.get(f"{api}{base}", headers=leader, timeout=wait_seconds(30)).json()
    types = [e["type"] for e in whole["timeline"]]
    assert [t for t in types if t != "commented"] == [
        "submitted",
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "rated",
    ]
    assert types.count("commented") == 20
    assert whole["timeline"][-1]["type"] == "rated"
