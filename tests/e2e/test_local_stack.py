"""The running local stack over real HTTP: sign-in, intake, the event pump, schedules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ROOT, RunningStack, start_stack, stop_stack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def test_stack_json_describes_the_stack(local_stack: RunningStack) -> None:
    info = local_stack.info
    for key in (
        "api_url",
        "aws_endpoint",
        "region",
        "user_pool_id",
        "user_pool_client_id",
        "users",
        "outbox_dir",
    ):
        assert info[key], key
    assert info["api_url"].startswith("http://127.0.0.1:")
    assert info["aws_endpoint"].startswith("http://127.0.0.1:")
    roles = {u["role"] for u in info["users"]}
    assert roles == {"citizen", "operator", "leader", "admin", "department", "deputy"}
    staff = {u["department_id"] for u in info["users"] if u["role"] == "department"}
    assert len(staff) == 35  # 13 towns and streets, 22 departments: one staff user each
    assert all(u["department_id"] is None for u in info["users"] if u["role"] != "department")
    assert Path(info["outbox_dir"]).is_dir()


def test_submitted_appeal_reaches_the_stream_handler(local_stack: RunningStack) -> None:
    # Given citizen1 signed in through the stack's Cognito
    token = local_stack.sign_in("citizen1")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "e2e-1"}
    # When they submit an appeal over HTTP
    created = requests.post(
        local_stack.api + "/appeals",
        headers=headers,
        json={
            "kind": "consultation",
            "title": "孩子入学划片咨询",
            "content": "请问松龄路街道的学区划片范围？",
        },
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    appeal_id = created.json()["id"]
    # Then the event pump delivers its stream record to the app's stream handler
    for handler in ("appeal_activity", "appeal_routing"):
        entry = local_stack.wait_for_event(
            lambda e, h=handler: (
                e.get("kind") == "stream"
                and e.get("handler") == h
                and {"id": {"S": appeal_id}} in e.get("keys", [])
            )
        )
        assert entry["failures"] == [] and entry["error"] is None
    # And it reads back with its timeline
    read = requests.get(
        f"{local_stack.api}/appeals/{appeal_id}", headers=headers, timeout=wait_seconds(10)
    )
    assert [e["type"] for e in read.json()["timeline"]] == ["submitted"]


def test_declared_schedule_fires(local_stack: RunningStack) -> None:
    started = time.time()  # a run from now on: the schedule keeps firing
    entry = local_stack.wait_for_event(
        lambda e: e.get("kind") == "schedule" and e.get("handler") == "sla_sweep",
        since=started,
    )
    assert entry["error"] is None
    assert entry["expression"] == "rate(1 minute)"
    assert set(entry["result"]) == {"due", "warnings", "overdue", "escalated", "skipped"}


def test_other_citizen_gets_404_over_http(local_stack: RunningStack) -> None:
    mine = {"Authorization": f"Bearer {local_stack.sign_in('citizen1')}"}
    theirs = {"Authorization": f"Bearer {local_stack.sign_in('citizen2')}"}
    created = requests.post(
        local_stack.api + "/appeals",
        headers=mine,
        json={"kind": "help", "title": "独居老人求助", "content": "楼下独居老人需要帮助"},
        timeout=wait_seconds(10),
    ).json()
    response = requests.get(
        f"{local_stack.api}/appeals/{created['id']}", headers=theirs, timeout=wait_seconds(10)
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def readme_walkthrough() -> str:
    text = (ROOT / "docs" / "start" / "walk-through.md").read_text("utf-8")
    match = re.search(r"<!-- walkthrough -->\s*```sh\n(.*?)```", text, re.S)
    assert match, "docs/start/walk-through.md has no walkthrough block"
    return match.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough uses curl")
def test_readme_walkthrough_works_as_written(local_stack: RunningStack, tmp_path: Path) -> None:
    # The walkthrough reads .local/stack.json from the project root, as after `make run`
    (tmp_path / ".local").symlink_to(local_stack.state_dir)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_walkthrough()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=wait_seconds(60),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    submitted, read_back = documents[0], documents[1]
    assert submitted["state"] == "submitted"
    assert read_back["id"] == submitted["id"]
    assert [e["type"] for e in read_back["timeline"]] == ["submitted"]


def test_ctrl_c_stops_the_stack_cleanly(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / ".local")
    # a client that keeps its connection open must not hold the stack up
    session = requests.Session()
    assert session.get(stack.api + "/openapi.json", timeout=wait_seconds(10)).status_code == 200
    began = time.monotonic()
    assert stop_stack(stack) == 0
    assert time.monotonic() - began < wait_seconds(30)
    assert not (tmp_path / ".local" / "stack.json").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.api + "/openapi.json", timeout=wait_seconds(2))


def test_statistics_and_rankings_flow_from_the_stream_and_schedules(
    local_stack: RunningStack,
) -> None:
    api = local_stack.api

    def stats(period: str) -> dict[str, Any]:
        return dict(
            requests.get(f"{api}/public/stats?period={period}", timeout=wait_seconds(10)).json()
        )

    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # Asia/Shanghai
    before = stats(today)["counters"].get("submitted", 0)
    token = local_stack.sign_in("citizen2")
    created = requests.post(
        api + "/appeals",
        headers={"Authorization": f"Bearer {token}"},
        timeout=wait_seconds(10),
        json={"kind": "complaint", "title": "暖气不热", "content": "小区暖气温度太低"},
    ).json()
    day = created["created_at"][:10]
    if day != today:  # midnight passed in between
        before = 0
    # The statistics consumer counts this appeal (its own stream record)
    counted = local_stack.wait_for_event(
        lambda e: (
            e.get("kind") == "stream"
            and e.get("handler") == "appeal_statistics"
            and {"id": {"S": created["id"]}} in e.get("keys", [])
        )
    )
    assert counted["failures"] == [] and counted["error"] is None
    assert stats(day)["counters"]["submitted"] >= before + 1
    # A rankings refresh that began after the count (not one that ran before the appeal)
    refresh = local_stack.wait_for_schedule_run_after(
        "rankings_refresh", counted["at"], timeout=wait_seconds(40)
    )
    assert refresh["error"] is None
    boards = requests.get(f"{api}/public/rankings?period={day}", timeout=wait_seconds(10))
    assert boards.status_code == 200
    assert [b["board"] for b in boards.json()["boards"]] == [
        "volume",
        "overdue_rate",
        "return_rate",
        "satisfaction",
    ]
    volume = boards.json()["boards"][0]
    assert volume["platform"]["submitted"] >= before + 1  # this appeal is in the figures
    # Every active department has its entry: as many as the stack's reference data holds
    # now (35 as loaded; another test may add a department of its own for a while)
    admin = {"Authorization": f"Bearer {local_stack.sign_in('admin1')}"}
    listed = requests.get(f"{api}/departments", headers=admin, timeout=wait_seconds(10)).json()
    active = sorted(d["id"] for d in listed["items"] if d["active"])
    assert sorted(e["department_id"] for e in volume["entries"]) == active
