"""Lists and public figures read a bounded number of items per request, whatever the
data: a filtered work-order page stops after 5 x limit index items and hands back a
cursor; repeated anonymous rankings calls do not go back to DynamoDB each time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
from chalicelib.core.store import appeals as store
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import People


@dataclass
class Reads:
    """DynamoDB calls made while on: per operation, and items read (ScannedCount of
    queries and scans, one per GetItem hit, one per BatchGetItem item). The users table is
    left out: every staff request reads the caller's account record there (and records it
    the first time; core/services/accounts.py), whatever the request lists."""

    calls: Counter[str] = field(default_factory=Counter)
    items: int = 0
    on: bool = False

    def reset(self) -> None:
        self.calls, self.items, self.on = Counter(), 0, True

    def count(self, operation: str, result: dict[str, Any]) -> None:
        if not self.on:
            return
        self.calls[operation] += 1
        if operation in ("Query", "Scan"):
            self.items += int(result.get("ScannedCount", result.get("Count", 0)))
        elif operation == "GetItem":
            self.items += 1 if result.get("Item") else 0
        elif operation == "BatchGetItem":
            self.items += sum(len(v) for v in result.get("Responses", {}).values())


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    """Counts every botocore call to DynamoDB, from boto3 and PynamoDB clients alike."""
    from botocore.client import BaseClient

    meter = Reads()
    original = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        result = original(client, operation, params)
        users = settings().users_table
        if client.meta.service_model.service_name == "dynamodb" and (
            params.get("TableName") != users
        ):
            meter.count(operation, result)
        return result

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    yield meter


def closed_appeal(n: int, channel: Channel) -> Appeal:
    at = clock.iso(clock.now() - timedelta(hours=n))
    return Appeal(
        id=f"20261101-{n:08d}",
        state=State.CLOSED,
        kind=Kind.COMPLAINT,
        channel=channel,
        title=f"appeal {n}",
        content="路灯不亮",
        citizen_id="citizen-1",
        created_at=at,
        updated_at=at,
        state_at=at,
        timeline=[Event(type="submitted", at=at, actor={"role": "citizen", "id": "citizen-1"})],
    )


def test_filtered_work_orders_read_at_most_five_times_the_limit(
    client: Any, stack: Stack, reads: Reads
) -> None:
    # Given 300 closed work orders, of which the 3 oldest came through the hotline
    hotline = {closed_appeal(n, Channel.HOTLINE).id for n in (297, 298, 299)}
    for n in range(300):
        store.create(closed_appeal(n, Channel.HOTLINE if n >= 297 else Channel.APP))
    people = People(stack, client)
    people.token("operator")
    limit = 10

    # When the operator pages through closed hotline work orders
    found: list[str] = []
    per_request: list[int] = []
    path = f"/work-orders?state=closed&channel=hotline&limit={limit}"
    cursor = None
    for _ in range(100):
        reads.reset()
        response = people.get("operator", path + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.body
        per_request.append(reads.items)
        page = body(response)
        assert len(page["items"]) <= limit
        found += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then no request read more than 5 x limit index items, early pages came back empty
    # with a cursor, and following the cursors found each match once
    assert max(per_request) <= 5 * limit, per_request
    assert sorted(found) == sorted(hotline)
    assert len(per_request) >= 300 // (5 * limit)


def test_unfiltered_pages_still_fill_to_the_limit(client: Any, stack: Stack, reads: Reads) -> None:
    # Given 25 closed work orders
    for n in range(25):
        store.create(closed_appeal(n, Channel.APP))
    people = People(stack, client)
    people.token("operator")
    # When the operator lists them 10 at a time, without a filter beyond the index
    reads.reset()
    first = body(people.get("operator", "/work-orders?state=closed&limit=10"))
    # Then the page is full, read 10 items, and the cursor leads to the rest
    assert len(first["items"]) == 10
    assert reads.items == 10
    second = body(
        people.get("operator", f"/work-orders?state=closed&limit=10&cursor={first['next_cursor']}")
    )
    third = body(
        people.get("operator", f"/work-orders?state=closed&limit=10&cursor={second['next_cursor']}")
    )
    seen = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(seen) == len(set(seen)) == 25


def test_filtered_page_with_many_matches_stops_at_the_limit(
    client: Any, stack: Stack, reads: Reads
) -> None:
    # Given 30 closed work orders, every other one from the hotline
    for n in range(30):
        store.create(closed_appeal(n, Channel.HOTLINE if n % 2 else Channel.APP))
    people = People(stack, client)
    people.token("operator")
    # When the operator pages through hotline ones 4 at a time
    seen: list[str] = []
    cursor = ""
    while True:
        page = body(
            people.get("operator", f"/work-orders?state=closed&channel=hotline&limit=4{cursor}")
        )
        assert len(page["items"]) <= 4
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    # Then every one comes exactly once, newest first
    assert len(seen) == len(set(seen)) == 15
    assert seen == sorted(seen)  # ids grow with age here: newest first is ascending n


def test_repeated_anonymous_rankings_do_not_read_the_tables_again(
    client: Any, stack: Stack, reads: Reads
) -> None:
    # Given a period no rankings refresh ever covered
    path = "/public/rankings?period=2025-03"
    first = client.http.get(path)
    assert first.status_code == 200, first.body
    # When anonymous callers ask for it again and again
    reads.reset()
    answers = [client.http.get(path) for _ in range(5)]
    # Then DynamoDB is not asked again (no scan of departments, no queries), and every
    # caller gets the same figures
    assert sum(reads.calls.values()) == 0, reads.calls
    assert all(a.status_code == 200 and body(a) == body(first) for a in answers)


def test_openapi_says_a_filtered_page_may_be_short(client: Any) -> None:
    document = body(client.http.get("/openapi.json"))
    params = document["paths"]["/work-orders"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert "5 x limit" in limit["description"]
    assert "even none" in limit["description"]
