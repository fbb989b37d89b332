"""DynamoDB's capacity arithmetic, from item sizes (moto's ConsumedCapacity is a
placeholder): write units per item write including every global secondary index it touches,
read units per request. Pure: no AWS, no environment; ``_harness.Meter`` feeds it the items
before and after each write, and any bench can call it on items it builds itself.

    from capacity import Schema, write_units
    table_units, index_units = write_units(Schema(describe_table["Table"]), old, new)
"""

from __future__ import annotations

from typing import Any

KB = 1024
READ_BLOCK = 4 * KB
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def value_size(value: dict[str, Any]) -> int:
    """DynamoDB's item size rules, near enough: UTF-8 strings, numbers about one byte per two
    digits plus one, 3 bytes per map or list and 1 per element."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return (len(inner.strip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind in ("SS", "NS"):
        return sum(len(str(v).encode()) for v in inner)
    return sum(len(v) for v in inner)  # BS


def item_size(item: dict[str, Any] | None) -> int:
    """Attribute names plus values, in bytes (0 for no item)."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def blocks(size: int, block: int) -> int:
    return max(1, -(-size // block))


class Schema:
    """What capacity depends on in a table's description: its keys and its global
    secondary indexes (name, key attributes, projection)."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.keys = [k["AttributeName"] for k in description["KeySchema"]]
        self.indexes: list[tuple[str, list[str], dict[str, Any]]] = [
            (
                index["IndexName"],
                [k["AttributeName"] for k in index["KeySchema"]],
                index.get("Projection", {"ProjectionType": "ALL"}),
            )
            for index in description.get("GlobalSecondaryIndexes", [])
        ]

    def projected(self, item: dict[str, Any], keys: list[str], projection: dict[str, Any]) -> Any:
        kind = projection.get("ProjectionType", "ALL")
        if kind == "ALL":
            return dict(item)
        wanted = {*self.keys, *keys}
        if kind == "INCLUDE":
            wanted |= set(projection.get("NonKeyAttributes", []))
        return {k: v for k, v in item.items() if k in wanted}


def write_units(
    schema: Schema,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    transactional: bool = False,
) -> tuple[int, dict[str, int]]:
    """Write units one item write costs: the table's (1 per KB of the larger of the item
    before and after; doubled in a transaction) and each index's, by DynamoDB's rules: an
    index is written when the item carries its keys before or after; a changed index key
    costs a delete and a put; an entry whose keys and projected attributes did not change
    costs nothing."""
    table = blocks(max(item_size(old), item_size(new)), KB) * (2 if transactional else 1)
    indexes: dict[str, int] = {}
    for name, keys, projection in schema.indexes:
        before = old is not None and all(k in old for k in keys)
        after = new is not None and all(k in new for k in keys)
        was = schema.projected(old, keys, projection) if before and old else None
        now = schema.projected(new, keys, projection) if after and new else None
        units = 0
        if was is not None and now is not None:
            if any(was[k] != now[k] for k in keys):
                units = blocks(item_size(was), KB) + blocks(item_size(now), KB)
            elif was != now:
                units = blocks(max(item_size(was), item_size(now)), KB)
        elif was is not None:
            units = blocks(item_size(was), KB)
        elif now is not None:
            units = blocks(item_size(now), KB)
        if units:
            indexes[name] = units
    return table, indexes


def read_units(sizes: list[int], consistent: bool, per_item: bool, factor: int = 1) -> float:
    """Read request units: 4 KB blocks, half for an eventually consistent read; per item
    for GetItem/BatchGetItem/TransactGetItems, of the summed size for Query and Scan."""
    if per_item:
        count = sum(blocks(s, READ_BLOCK) for s in sizes) or 1
    else:
        count = blocks(sum(sizes), READ_BLOCK)
    return count * factor * (1.0 if consistent else 0.5)
