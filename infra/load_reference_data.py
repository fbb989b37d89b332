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
import sys
from pathlib import Path


def arguments() -> argparse.ArgumentParser:
    from infra.package import stage_name

    parser = argparse.ArgumentParser(prog="python -m infra.load_reference_data")
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--stage", required=True, type=stage_name, help="the stage the stack was packaged for"
    )
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    if args.district is None and args.users is None:
        parser.error("give a district file, --users FILE.csv, or both")

    import boto3

    from chalicelib.core.config import settings
    from infra.stack_settings import stack_environment

    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    # The settings its functions have: parts that are off, or no pool, give no outputs.
    stack_environment(stack, args.stage)
    if args.users is not None and not settings().has_user_pool:
        parser.error(f"{args.stack} has no user pool (Accounts=issuer): add staff at its issuer")

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
