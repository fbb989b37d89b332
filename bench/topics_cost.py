"""What one accepted appeal costs the topics consumer: DynamoDB requests, items written in
its transaction, and what the stats table holds afterwards, for a citizen's first appeal
about some words, a repeat by the same citizen (same category, then another), and a
redelivered record. Requests are counted with botocore hooks (moto's ConsumedCapacity is a
placeholder); the write units are what DynamoDB charges for a transaction: 2 per item of
up to 1 KB.

    .venv/bin/python bench/topics_cost.py [--json rows.json]
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from _harness import ItemsRead, emit, parser, provision, row

# Fifteen or more content words: the most an appeal counts (MAX_TOPIC_WORDS).
TEXT = (
    "小区暖气不热温度太低，楼道路灯损坏，道路积水严重，垃圾清运不及时，噪音扰民，"
    "违章停车堵塞消防通道，供水管道漏水，燃气表故障，物业服务差，电梯维修缓慢，"
    "绿化带破坏，广场舞噪音，油烟污染，窨井盖缺失"
)


class Writes:
    """Items in each TransactWriteItems (a ``before-parameter-build`` hook on every client)."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.transactions: list[int] = []
        original = BaseClient.__init__
        meter = self

        def init(client: Any, *args: Any, **kwargs: Any) -> None:
            original(client, *args, **kwargs)
            client.meta.events.register(
                "before-parameter-build.dynamodb.TransactWriteItems", meter.count
            )

        BaseClient.__init__ = init  # type: ignore[method-assign]

    def count(self, params: dict[str, Any], **_: Any) -> None:
        self.transactions.append(len(params["TransactItems"]))


def change(sequence: str, citizen: str, category: str) -> Any:
    from chalicelib.core.services.activity import AppealChange

    at = "2026-11-26T09:00:00.000+08:00"
    submitted = {"type": "submitted", "at": at, "data": {}}
    accepted = {"type": "accepted", "at": at, "data": {}}
    image = {
        "title": "多项问题",
        "content": TEXT,
        "category": category,
        "citizen_id": citizen,
        "created_at": at,
    }
    return AppealChange(
        appeal_id=f"20261126-{sequence}",
        sequence=sequence,
        old={**image, "timeline": [submitted]},
        new={**image, "timeline": [submitted, accepted]},
    )


def table_items() -> Counter[str]:
    import boto3

    from chalicelib.core.config import settings

    kinds: Counter[str] = Counter()
    pages = boto3.client("dynamodb").get_paginator("scan")
    for page in pages.paginate(TableName=settings().stats_table):
        for item in page["Items"]:
            kinds[item["pk"]["S"].split("#")[0]] += 1
    return kinds


def main() -> None:
    args = parser(__doc__).parse_args()
    rows = []
    reads = ItemsRead()
    writes = Writes()
    from moto import mock_aws

    with mock_aws():
        provision()
        from chalicelib.figures.services import statistics

        print(f"words counted: {len(statistics.topic_words(TEXT))} (at most 15)")
        print(f"{'record':<38}{'counted':>8}  {'requests':<36}{'items':>6}{'WCU':>6}")
        for label, record in (
            ("citizen A, first appeal (heating)", change("00000001", "citizen-a", "heating")),
            ("citizen A again, same category", change("00000002", "citizen-a", "heating")),
            ("citizen A again, another category", change("00000003", "citizen-a", "water-supply")),
            ("citizen B, first appeal (heating)", change("00000004", "citizen-b", "heating")),
            ("citizen B's record redelivered", change("00000004", "citizen-b", "heating")),
        ):
            reads.start()
            writes.transactions = []
            counted = statistics.count_topics(record)
            _items, calls = reads.stop()
            items = sum(writes.transactions)
            requests = ", ".join(f"{name} {n}" for name, n in sorted(calls.items()))
            print(f"{label:<38}{counted!s:>8}  {requests:<36}{items:>6}{2 * items:>6}")
            if label.startswith(("citizen A, first", "citizen B's")):
                rows.append(
                    row(
                        f"topics consumer: items in one transaction, {label}",
                        items,
                        "items",
                        at_most=100,
                        target="≤ 100 (DynamoDB's limit)",
                    )
                )
        print(f"stats table after these 5 records: {dict(table_items())}")
    print(
        "items per transaction: 1 dedup marker + per period (day, week, month) and word the "
        "word's counter item and, when the citizen is new to the word, the citizen's marker: "
        "at most 1 + 3 x 15 x 2 = 91 (DynamoDB allows 100). A redelivery's transaction is "
        "cancelled on its dedup marker; a race with the same citizen's other record is read "
        "again and retried."
    )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
