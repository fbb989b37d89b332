"""Exports on the running local stack: the pump feeds the exports queue to its consumer as
the deployed event source mapping would, and the record's link opens the file from the
local "S3" over HTTP."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def test_an_export_asked_of_the_local_stack_is_built_and_opens(
    local_stack: RunningStack,
) -> None:
    from openpyxl import load_workbook

    from chalicelib.core.domain.clock import now
    from chalicelib.core.domain.periods import month_of

    leader = {"Authorization": f"Bearer {local_stack.sign_in('leader1')}"}
    asked = requests.post(
        f"{local_stack.api}/exports",
        json={"kind": "work-orders", "period": month_of(now()), "format": "xlsx"},
        headers=leader,
        timeout=wait_seconds(10),
    )
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["id"]

    def done() -> dict[str, Any] | None:
        shown = requests.get(
            f"{local_stack.api}/exports/{export_id}", headers=leader, timeout=wait_seconds(10)
        ).json()
        assert shown["state"] in ("queued", "running", "done"), shown
        return shown if shown["state"] == "done" else None

    record = wait_until(done, timeout=60)
    assert local_stack.wait_for_event(
        lambda e: e.get("kind") == "queue" and e.get("handler") == "build_exports"
    )
    file = requests.get(record["url"], timeout=wait_seconds(10))
    assert file.status_code == 200
    sheet = load_workbook(io.BytesIO(file.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and len(rows) - 1 == record["rows"]
