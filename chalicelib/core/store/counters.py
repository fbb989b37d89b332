"""The stats table's counter layout, shared by every writer of counters (the statistics
consumers and the knowledge base's helpful answers): one item per period, scope and write
shard, summed on read."""

from __future__ import annotations

import zlib

# Write shards of every counter item: a period's counters for one scope are spread over
# this many items (each its own partition key), summed on read. With a batch's increments
# aggregated (one update per counter per transaction), this keeps every item and partition
# key under a tenth of DynamoDB's per-partition write limit at 2,000 appeals a second
# (bench/hot_keys.py).
COUNTER_SHARDS = 8


def shard_of(text: str, shards: int) -> int:
    """A stable shard number for ``text`` (the same in every process)."""
    return zlib.crc32(text.encode()) % shards


def counter_pk(period: str, scope: str, shard: int) -> str:
    return f"stats#{period}#{scope}#{shard}"
