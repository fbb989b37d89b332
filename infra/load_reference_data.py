"""Load a district's departments and categories into a deployed stack, from a JSON file
shaped like ``chalicelib/data/district.json``, and staff accounts (the first admin among
them) from a CSV file as ``POST /users/import`` takes it. Table names come from the stack's
outputs; credentials and region from the usual AWS environment.

    python -m infra.load_reference_data --stack minsheng-prod --stage prod district.json \
        --knowledge chalicelib/data/knowledge.json --users staff.csv
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
    parser.add_argument("district", type=Path, nargs="?")
    parser.add_argument(
        "--knowledge",
        type=Path,
        help="knowledge-base articles to add (shaped like chalicelib/data/knowledge.json)",
    )
    parser.add_argument(
        "--users",
        type=Path,
        help="staff accounts to add: a CSV file with the header "
        "username,name,role,department_id,email,phone",
    )
    args = parser.parse_args(argv)
    if args.district is None and args.users is None:
        parser.error("give a district file, --users FILE.csv, or both")

    import boto3

    from chalicelib.core.config import deployed_fields, env_name
    from infra.template import output_name

    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    os.environ["MINSHENG_STAGE"] = args.stage
    for field in deployed_fields():
        os.environ[env_name(field)] = outputs[output_name(field)]

    from chalicelib.core.domain import clock

    if args.district is not None:
        from chalicelib.local.demo import load_reference_data

        data = json.loads(args.district.read_text("utf-8"))
        departments, categories = load_reference_data(clock.iso(clock.now()), data)
        print(f"{departments} departments and {categories} categories loaded into {args.stack}")
    if args.users is not None and not load_users(args.users):
        return 1
    if args.knowledge:
        from chalicelib.knowledge.services.knowledge import import_articles

        rows = json.loads(args.knowledge.read_text("utf-8"))
        added = import_articles(rows, clock.iso(clock.now()), by="load_reference_data")
        print(f"{added} knowledge-base articles added ({len(rows) - added} were there)")
    return 0


LOADER = "load_reference_data"


def load_users(path: Path) -> bool:
    """The accounts of a CSV file, checked whole as ``POST /users/import`` checks them: all
    made (the pool sends each its temporary password) or, on any problem, none."""
    from chalicelib.administration.services.users import import_users
    from chalicelib.core.domain.principal import Principal, Role
    from chalicelib.core.errors import ValidationFailed

    loader = Principal(id=LOADER, role=Role.ADMIN, username=LOADER)
    try:
        # Any number of rows: the loader has no API Gateway time limit.
        answer, _made = import_users(loader, path.read_bytes(), max_rows=None)
    except ValidationFailed as problem:
        print(f"{path}: {problem.detail}", file=sys.stderr)
        for error in problem.errors:
            print(
                f"  row {error.get('row', '?')}, {error['field']}: {error['message']}",
                file=sys.stderr,
            )
        return False
    print(
        f"{len(answer['created'])} staff accounts made ({', '.join(answer['created']) or 'none'}); "
        f"{len(answer['unchanged'])} were there already"
    )
    return True


if __name__ == "__main__":
    sys.exit(main())
