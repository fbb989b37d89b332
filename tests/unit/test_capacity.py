"""The benches' DynamoDB capacity arithmetic (bench/capacity.py): item sizes, and the write
units of an item write with the indexes it touches, by DynamoDB's published rules."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_PATH = Path(__file__).resolve().parents[2] / "bench" / "capacity.py"
_SPEC = importlib.util.spec_from_file_location("bench_capacity", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
capacity: Any = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(capacity)

SCHEMA = capacity.Schema(
    {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-state",
                "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
            {
                "IndexName": "sparse",
                "KeySchema": [{"AttributeName": "due", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "everything",
                "KeySchema": [{"AttributeName": "month", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    }
)


def item(**values: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in values.items()}


def test_item_size_counts_names_and_utf8_values() -> None:
    # "id" (2) + "20261129-A" (10); "title" (5) + 路灯 (6 bytes in UTF-8)
    assert capacity.item_size(item(id="20261129-A", title="路灯")) == 23
    assert capacity.item_size({"n": {"N": "12345"}}) == 1 + 4
    assert capacity.item_size({"l": {"L": [{"S": "ab"}, {"BOOL": True}]}}) == 1 + 3 + 3 + 2


def test_a_new_item_writes_every_index_whose_keys_it_carries() -> None:
    new = item(id="a", state="submitted", title="t", month="2026-11")
    table, indexes = capacity.write_units(SCHEMA, None, new)
    assert table == 1
    assert indexes == {"by-state": 1, "everything": 1}  # no "due": not in the sparse index


def test_a_changed_index_key_costs_a_delete_and_a_put() -> None:
    old = item(id="a", state="submitted", title="t", month="2026-11")
    new = item(id="a", state="accepted", title="t", month="2026-11")
    _table, indexes = capacity.write_units(SCHEMA, old, new)
    assert indexes["by-state"] == 2
    assert indexes["everything"] == 1  # same key, a projected attribute changed


def test_an_unprojected_change_writes_no_keys_only_or_include_index() -> None:
    old = item(id="a", state="s", title="t", month="m", due="1", note="x")
    new = item(id="a", state="s", title="t", month="m", due="1", note="y")
    _table, indexes = capacity.write_units(SCHEMA, old, new)
    assert indexes == {"everything": 1}


def test_leaving_a_sparse_index_costs_one_delete() -> None:
    old = item(id="a", state="s", title="t", due="1")
    new = item(id="a", state="s", title="t")
    _table, indexes = capacity.write_units(SCHEMA, old, new)
    assert indexes == {"sparse": 1}


def test_the_table_is_charged_per_kb_of_the_larger_image_doubled_in_a_transaction() -> None:
    small = item(id="a", body="x" * 100)
    large = item(id="a", body="x" * 2500)
    assert capacity.write_units(SCHEMA, large, small)[0] == 3
    assert capacity.write_units(SCHEMA, None, small, transactional=True)[0] == 2


def test_read_units_per_4_kb_and_half_for_eventually_consistent() -> None:
    assert capacity.read_units([100], consistent=True, per_item=True) == 1.0
    assert capacity.read_units([100, 100], consistent=False, per_item=True) == 1.0
    assert capacity.read_units([3000, 3000], consistent=False, per_item=False) == 1.0
    assert capacity.read_units([5000], consistent=True, per_item=True) == 2.0
