"""Load a district's departments and categories into a deployed stack, from a JSON file
shaped like ``chalicelib/data/district.json``. Table names come from the stack's outputs;
credentials and region from the usual AWS environment.

    python -m infra.load_reference_data --stack minsheng-prod --stage prod district.json \
        --knowledge chalicelib/data/knowledge.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.load_reference_data")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--stage", required=True, choices=["dev", "prod"])
    parser.add_argument("district", type=Path)
    parser.add_argument(
        "--knowledge",
        type=Path,
        help="knowledge-base articles to add (shaped like chalicelib/data/knowledge.json)",
    )
    args = parser.parse_args(argv)
    data = json.loads(args.district.read_text("utf-8"))

    import boto3

    from chalicelib.core.config import deployed_fields, env_name
    from infra.template import output_name

    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    os.environ["MINSHENG_STAGE"] = args.stage
    for field in deployed_fields():
        os.environ[env_name(field)] = outputs[output_name(field)]

    from chalicelib.core.domain import clock
    from chalicelib.local.demo import load_reference_data

    departments, categories = load_reference_data(clock.iso(clock.now()), data)
    print(f"{departments} departments and {categories} categories loaded into {args.stack}")
    if args.knowledge:
        from chalicelib.knowledge.services.knowledge import import_articles

        rows = json.loads(args.knowledge.read_text("utf-8"))
        added = import_articles(rows, clock.iso(clock.now()), by="load_reference_data")
        print(f"{added} knowledge-base articles added ({len(rows) - added} were there)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
