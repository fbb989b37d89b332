"""BatchGetItem to the end (chalicelib/core/store/batch_reads.py): keys DynamoDB holds
back are asked again, and when they stay held back the read fails rather than answer part
of a sum."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.store import batch_reads


class HoldsBack:
    """A DynamoDB client whose BatchGetItem answers the first ``answered`` keys of each
    request and holds the rest back, ``times`` times."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.requests: list[int] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ((table, request),) = RequestItems.items()
        keys = request["Keys"]
        self.requests.append(len(keys))
        if self.times:
            self.times -= 1
            held, answered = keys[:1], keys[1:]
        else:
            held, answered = [], keys
        page: dict[str, Any] = {"Responses": {table: [dict(k) for k in answered]}}
        if held:
            page["UnprocessedKeys"] = {table: {**request, "Keys": held}}
        return page


def keys(n: int) -> list[dict[str, Any]]:
    return [{"pk": {"S": f"k{i}"}, "sk": {"S": "s"}} for i in range(n)]


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_reads, "FIRST_PAUSE", 0.0)


def test_held_back_keys_are_asked_again_and_pages_hold_100(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = HoldsBack(times=2)
    monkeypatch.setattr(batch_reads, "client", lambda _name: fake)
    found = batch_reads.get_items("t", keys(150))
    assert sorted(i["pk"]["S"] for i in found) == sorted(f"k{i}" for i in range(150))
    assert fake.requests == [100, 1, 1, 50]


def test_keys_still_held_back_fail_the_read(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = HoldsBack(times=batch_reads.ATTEMPTS)
    monkeypatch.setattr(batch_reads, "client", lambda _name: fake)
    with pytest.raises(ServiceUnavailable):
        batch_reads.get_items("t", keys(3))
    assert len(fake.requests) == batch_reads.ATTEMPTS
