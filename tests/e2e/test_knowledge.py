"""The knowledge base on the running local stack: the demo articles are loaded, a citizen
finds an answer before submitting, and the operator answers a consultation directly (直办);
the event pump counts it as a center reply in the public figures."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

ARTICLE = "kb-disability-card-transfer"


def _headers(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


def test_a_consultation_is_answered_from_the_knowledge_base(local_stack: RunningStack) -> None:
    api = local_stack.api
    citizen, operator = _headers(local_stack, "citizen2"), _headers(local_stack, "operator1")
    question = "户口迁到淄川了，残疾人证怎么迁过来？"
    # Before submitting, the app searches public articles
    found = requests.get(
        f"{api}/knowledge/search", params={"q": question}, headers=citizen, timeout=wait_seconds(20)
    )
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["id"] == ARTICLE
    # The citizen submits anyway; the operator finds the article and replies from it
    created = requests.post(
        f"{api}/appeals",
        headers=citizen,
        json={"kind": "consultation", "title": "残疾证迁移", "content": question},
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    appeal = created.json()
    staff = requests.get(
        f"{api}/knowledge/search",
        params={"q": question},
        headers=operator,
        timeout=wait_seconds(20),
    ).json()
    assert staff["results"][0]["id"] == ARTICLE and staff["results"][0]["highlights"]
    replied = requests.post(
        f"{api}/appeals/{appeal['id']}/direct-reply",
        headers=operator,
        json={"article_id": ARTICLE},
        timeout=wait_seconds(10),
    )
    assert replied.status_code == 200, replied.text
    timeline = replied.json()["timeline"]
    assert [e["type"] for e in timeline] == ["submitted", "replied"]
    assert timeline[-1]["data"]["by"] == "center"
    # The pump counts it: a center reply in the public figures of the day
    day = appeal["created_at"][:10]
    deadline = time.monotonic() + wait_seconds(30)
    stats: dict[str, Any] = {}
    while time.monotonic() < deadline:
        stats = requests.get(f"{api}/public/stats?period={day}", timeout=wait_seconds(10)).json()
        if stats["knowledge"]["center_replied"] >= 1:
            break
        time.sleep(0.5)
    assert stats["knowledge"]["center_replied"] >= 1, stats
