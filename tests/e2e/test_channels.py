"""The hotline, SMS follow-up and deputies on the running local stack, over real HTTP: a call
recorded for citizen1's verified number is theirs when they sign in; the reply's text lands
in the outbox with a link that rates it once; a deputy's appeal reaches the leaders."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def _auth(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


def _wait(condition: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + wait_seconds(timeout)
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {wait_seconds(timeout):g}s")


def test_a_hotline_call_is_followed_up_by_sms_and_rated_through_its_link(
    local_stack: RunningStack,
) -> None:
    api = local_stack.api
    staff = next(u for u in local_stack.info["users"] if u["role"] == "department")
    department = staff["department_id"]
    call = {
        "caller": {"phone": "138 0013 8000", "name": "赵先生"},
        "kind": "complaint",
        "title": "楼道灯不亮",
        "content": "三单元楼道灯坏了一个月",
        "dispatch": {"department_id": department},
    }
    recorded = requests.post(
        f"{api}/hotline/appeals",
        headers=_auth(local_stack, "operator1"),
        json=call,
        timeout=wait_seconds(10),
    )
    assert recorded.status_code == 201, recorded.text
    appeal_id = recorded.json()["id"]
    assert recorded.json()["state"] == "dispatched"

    # citizen1 signed up with that number, verified: the call is theirs
    citizen = _auth(local_stack, "citizen1")
    mine = requests.get(
        f"{api}/appeals/mine?limit=100", headers=citizen, timeout=wait_seconds(10)
    ).json()
    assert appeal_id in [a["id"] for a in mine["items"]]

    handler = _auth(local_stack, staff["username"])
    steps = {
        "sign": {},
        "contact": {"method": "phone", "note": "已电话联系"},
        "reply": {"content": "已更换灯泡", "handler_name": "刘工", "handler_phone": "13900001111"},
    }
    for action, payload in steps.items():
        done = requests.post(
            f"{api}/appeals/{appeal_id}/{action}",
            headers=handler,
            json=payload,
            timeout=wait_seconds(10),
        )
        assert done.status_code == 200, (action, done.text)

    # The pump delivers the notice: the text is in the outbox
    folder = Path(local_stack.info["outbox_dir"]) / "sms"

    def text() -> str | None:
        for path in folder.glob("*.txt") if folder.exists() else []:
            content = path.read_text("utf-8")
            if appeal_id in content:
                return content
        return None

    sent = _wait(text)
    assert "已更换灯泡" in sent
    link = next(word for word in sent.split() if "/r/" in word)
    assert link.startswith(f"{api}/r/")

    page = requests.get(link, timeout=wait_seconds(10))
    assert page.status_code == 200 and "已更换灯泡" in page.text
    rated = requests.post(link, data={"score": "5", "resolved": "yes"}, timeout=wait_seconds(10))
    assert rated.status_code == 200, rated.text
    again = requests.post(link, data={"score": "1", "resolved": "no"}, timeout=wait_seconds(10))
    assert again.status_code == 404
    shown = requests.get(
        f"{api}/appeals/{appeal_id}", headers=citizen, timeout=wait_seconds(10)
    ).json()
    assert shown["state"] == "closed" and shown["rating"]["score"] == 5


def test_a_deputys_appeal_reaches_the_leaders_at_once(local_stack: RunningStack) -> None:
    api = local_stack.api
    submitted = requests.post(
        f"{api}/appeals",
        headers=_auth(local_stack, "deputy1"),
        json={"kind": "suggestion", "title": "学校门口增设信号灯", "content": "上下学时段车流大"},
        timeout=wait_seconds(10),
    )
    assert submitted.status_code == 201, submitted.text
    appeal = submitted.json()
    assert appeal["channel"] == "deputy"
    leader = _auth(local_stack, "leader1")

    def listed(path: str, key: str) -> bool:
        items = requests.get(f"{api}{path}", headers=leader, timeout=wait_seconds(10)).json()[
            "items"
        ]
        return appeal["id"] in [item[key] for item in items]

    assert _wait(lambda: listed("/supervision?limit=100", "id"))
    assert _wait(lambda: listed("/me/notifications?limit=100", "appeal_id"))
