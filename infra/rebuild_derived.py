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
import os
import sys
from pathlib import Path
from typing import Any


def stack_environment(stack: dict[str, Any], stage: str) -> None:
    """The settings a function of ``stack`` (a describe_stacks answer) is given, as far as
    the rebuild reads them: every table name it outputs, the parts that are on and the
    district settings."""
    from chalicelib.core.config import (
        FEATURES_VARIABLE,
        MAILBOX_ADDRESS,
        REPORT_SENDER,
        deployed_fields,
        env_name,
        settings,
    )
    from infra.parts import PARTS
    from infra.template import DISTRICT_SETTINGS, output_name
    from infra.template import MAILBOX_ADDRESS as MAILBOX_PARAMETER
    from infra.template import REPORT_SENDER as SENDER_PARAMETER

    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    os.environ["MINSHENG_STAGE"] = stage
    for field in deployed_fields():
        if output_name(field) in outputs:  # a part that is off outputs none of its own
            os.environ[env_name(field)] = outputs[output_name(field)]
    on = [f for f, part in PARTS.items() if parameters.get(part.parameter, "on") == "on"]
    os.environ[FEATURES_VARIABLE] = ",".join(on) or "none"
    for variable, parameter in (
        (REPORT_SENDER, SENDER_PARAMETER),
        (MAILBOX_ADDRESS, MAILBOX_PARAMETER),
    ):
        if parameters.get(parameter):
            os.environ[variable] = parameters[parameter]
    for parameter, (variable, _default, _text) in DISTRICT_SETTINGS.items():
        if parameters.get(parameter):
            os.environ[variable] = parameters[parameter]
    settings.cache_clear()


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
    stack_environment(stack, args.stage)
    return run(args.checkpoint or Path(f"rebuild-{args.stack}.json"), args.segments)


if __name__ == "__main__":
    sys.exit(main())
