"""Rebuild a deployed stack's derived data (counters, marks, rankings, hot topics, supporters,
deflected answers) from its appeals, supports and knowledge tables: after a table was
restored or migrated (docs/operate/backup.md).

    python -m infra.rebuild_derived --stack minsheng-prod --stage prod [--segments 8]
        [--checkpoint rebuild-minsheng-prod.json]

It deletes the derived items of the stats table first, then counts every appeal, support
and helpful answer as the stream consumers do (chalicelib/figures/services/rebuild.py).
Stopped, it continues where it was when started again with the same checkpoint file
(within three days: the markers that keep each item counted once expire then); a finished
checkpoint starts a new run. Run it when nobody works on appeals: a change made during the
run may count twice (run it again to settle).

Table names, the parts that are on and the ranking minimum come from the stack;
credentials and region from the usual AWS environment (the caller needs Scan on the
appeals, supports, knowledge and stats tables, and GetItem, BatchGetItem, PutItem,
UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems on the stats table).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(checkpoint: Path, segments: int) -> int:
    from chalicelib.figures.services import rebuild

    done = rebuild.rebuild(checkpoint, segments, progress=lambda line: print(line, flush=True))
    print(f"Rebuilt (run {done.run}):")
    for name, count in sorted(done.counts.items()):
        print(f"  {name}: {count}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.rebuild_derived", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--stage", required=True, help="the stage the stack was packaged for")
    parser.add_argument("--segments", type=int, default=4, help="parallel scan segments")
    parser.add_argument(
        "--checkpoint", type=Path, help="default: rebuild-<stack>.json in this directory"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.segments <= 64:
        parser.error("--segments: from 1 to 64")
    import boto3

    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    from infra.stack_settings import stack_environment

    stack_environment(stack, args.stage)
    return run(args.checkpoint or Path(f"rebuild-{args.stack}.json"), args.segments)


if __name__ == "__main__":
    sys.exit(main())
