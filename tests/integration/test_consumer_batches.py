"""The notifications consumers read what a batch needs together: the fan-out reads an
appeal's followers once a batch, the deliverer the batch's webhook registrations and
appeals with one BatchGetItem per table, and what they do is what they did one read at a
time (every delivery, every notification, each once)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from chalicelib.core.config import settings
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, People
from tests.integration.test_webhooks import Flow, dispatched_appeal, register, verified
from tests.support.department_system import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def people(client: Any, stack: Stack) -> People:
    return People(stack, client)


class Calls:
    """The AWS calls made meanwhile, by operation and table."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()

    def tables(self, params: dict[str, Any]) -> list[str]:
        if "TableName" in params:
            return [str(params["TableName"])]
        return sorted(params.get("RequestItems", {})) or [""]

    def clear(self) -> None:
        self.seen.clear()

    def of(self, operation: str, table: str) -> int:
        return self.seen[(operation, table)]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    found = Calls()
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        for table in found.tables(params):
            found.seen[(operation, table)] += 1
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    yield found


def test_a_batch_of_deliveries_reads_its_registrations_and_appeals_together(
    client: Any, people: People, receiver: Receiver, calls: Calls
) -> None:
    flow = Flow(client)
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.received.clear()
    first, second = dispatched_appeal(people), dispatched_appeal(people)
    records = flow.stream()  # accepted and dispatched: the citizen told, the department too
    calls.clear()
    assert flow.deliver() == 1  # the five messages, one batch
    appeals, registrations = settings().appeals_table, settings().webhooks_table
    assert calls.of("GetItem", appeals) == 0 and calls.of("GetItem", registrations) == 0
    assert calls.of("BatchGetItem", appeals) == 1
    assert calls.of("BatchGetItem", registrations) == 1
    # Each work order delivered once, as it is now; each notice kept once
    delivered = sorted(r.json()["work_order"]["id"] for r in receiver.received)
    assert delivered == sorted([first, second])
    assert {r.json()["work_order"]["state"] for r in receiver.received} == {"dispatched"}
    mine = body(people.get("citizen", "/me/notifications"))["items"]
    assert sorted(n["type"] for n in mine) == ["appeal.accepted"] * 2
    # Delivered again (a redelivered batch): nothing twice
    flow.replay(records)
    flow.deliver()
    assert len(receiver.received) == 2
    assert len(body(people.get("citizen", "/me/notifications"))["items"]) == 2


def test_a_department_with_no_webhook_costs_one_read_a_batch_and_gets_nothing(
    client: Any, people: People, calls: Calls
) -> None:
    flow = Flow(client)
    for _ in range(3):
        dispatched_appeal(people)
    flow.stream()
    calls.clear()
    flow.deliver()
    registrations = settings().webhooks_table
    assert calls.of("GetItem", registrations) == 0
    assert calls.of("BatchGetItem", registrations) == 1
    # Only the citizen's notices needed their appeals; the department's did not
    assert calls.of("BatchGetItem", settings().appeals_table) == 1
    mine = body(people.get("citizen", "/me/notifications"))["items"]
    assert [n["type"] for n in mine] == ["appeal.accepted"] * 3


def test_the_fan_out_reads_an_appeals_followers_once_a_batch(
    client: Any, people: People, calls: Calls
) -> None:
    flow = Flow(client)
    appeal = dispatched_appeal(people)
    flow.stream()
    headers = people.stack.headers(people.token("leader"))
    assert client.http.put(f"/appeals/{appeal}/follow", headers=headers).status_code == 200
    dept = f"department:{DEPARTMENT}"
    assert people.act(dept, appeal, "sign").status_code == 200
    assert people.act("leader", appeal, "comments", {"text": "请尽快办理"}).status_code == 200
    calls.clear()
    records = flow.stream()
    assert len(records) >= 2  # signed, commented: two changes of one appeal, one batch
    follows = settings().follows_table
    assert calls.of("Query", follows) == 1
    flow.deliver()
    leader = body(people.get("leader", "/me/notifications"))["items"]
    assert sorted(n["type"] for n in leader) == ["appeal.updated", "appeal.updated"]
