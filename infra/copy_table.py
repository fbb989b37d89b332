"""Copy every item of one DynamoDB table into another with the same keys: a restored table
(point-in-time or from a backup, which DynamoDB always makes as a new table) back into the
stack's own table, which keeps its name, stream, grants and alarms.

    python -m infra.copy_table --source minsheng-prod-appeals-restored --target <AppealsTable>
        [--segments 8]

Items are written as they are in the source (an item of the target with the same key is
replaced; items only in the target are left). Running it again writes the same items again.
Credentials and region from the usual AWS environment (Scan on the source; BatchWriteItem
on the target). See docs/operate/backup.md for what to do before and after.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def copy_segment(ddb: Any, source: str, target: str, segment: int, total: int) -> int:
    copied = 0
    kwargs: dict[str, Any] = {"TableName": source, "Segment": segment, "TotalSegments": total}
    while True:
        page = ddb.scan(**kwargs)
        items = page.get("Items", [])
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            for _attempt in range(10):
                if not requests:
                    break
                answer = ddb.batch_write_item(RequestItems={target: requests})
                requests = answer.get("UnprocessedItems", {}).get(target, [])
            if requests:
                raise RuntimeError(f"{target} kept refusing writes")
        copied += len(items)
        if "LastEvaluatedKey" not in page:
            return copied
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def copy_table(ddb: Any, source: str, target: str, segments: int = 4) -> int:
    """Every item of ``source`` put into ``target``, ``segments`` scan segments at once.
    Refuses tables whose keys differ."""
    keys = [ddb.describe_table(TableName=t)["Table"]["KeySchema"] for t in (source, target)]
    if keys[0] != keys[1]:
        raise ValueError(f"{source} and {target} have different keys: {keys[0]} / {keys[1]}")
    with ThreadPoolExecutor(max_workers=segments) as pool:
        counts = pool.map(lambda s: copy_segment(ddb, source, target, s, segments), range(segments))
        return sum(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.copy_table", description=__doc__)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--segments", type=int, default=4)
    args = parser.parse_args(argv)
    import boto3

    copied = copy_table(boto3.client("dynamodb"), args.source, args.target, args.segments)
    print(f"{copied} items copied from {args.source} into {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
