"""Every table's keys and indexes, checked in (``infra/tables.json``), and the changes
CloudFormation cannot make to a running stack in place.

``infra/tables.json`` holds two descriptions: ``current`` (what the models say today; the
tests fail until it is regenerated after a schema change) and ``released`` (what the last
release deployed, so what a stack being upgraded has). A change from ``released`` to
``current`` that CloudFormation cannot make in place must have a migration note on the
upgrade page (``docs/operate/upgrades.md``, section "Migration notes")::

    python -m infra.schema --write              # after changing a model
    python -m infra.schema --check              # what the tests check, with the notes needed
    python -m infra.schema --release 0.2.0      # when cutting a release: current becomes released
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "infra" / "tables.json"
UPGRADE_PAGE = ROOT / "docs" / "operate" / "upgrades.md"
NOTES_HEADING = "## Migration notes"
REGENERATE = "python -m infra.schema --write"


def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> dict[str, str]:
    return {
        k["KeyType"].lower(): f"{k['AttributeName']}:{types[k['AttributeName']]}" for k in schema
    }


def describe_model(model: Any) -> dict[str, Any]:
    """A table's keys (with their types), stream and indexes (keys and projection): all that
    decides whether CloudFormation can change the table in place."""
    from chalicelib.core.store.tables import create_table_request

    request = create_table_request(model)
    types = {d["AttributeName"]: d["AttributeType"] for d in request["AttributeDefinitions"]}
    indexes: dict[str, Any] = {}
    for index in request.get("GlobalSecondaryIndexes", []):
        projection = index["Projection"]
        described: dict[str, Any] = {
            **_keys(index["KeySchema"], types),
            "projection": projection["ProjectionType"],
        }
        if projection.get("NonKeyAttributes"):
            described["attributes"] = sorted(projection["NonKeyAttributes"])
        indexes[index["IndexName"]] = described
    stream = request.get("StreamSpecification", {}).get("StreamViewType")
    return {
        "key": _keys(request["KeySchema"], types),
        "stream": stream,
        "indexes": dict(sorted(indexes.items())),
    }


def describe(models: Any = None) -> dict[str, Any]:
    """Logical id of each table in the template -> its description."""
    from chalicelib.core.store.models import ALL_MODELS
    from infra.template import table_logical_id

    return {
        table_logical_id(m): describe_model(m)
        for m in sorted(models or ALL_MODELS, key=lambda m: m.__name__)
    }


@dataclass(frozen=True)
class Change:
    """A change CloudFormation cannot make to the table in place; ``note`` is the phrase a
    migration note on the upgrade page must contain."""

    table: str
    what: str
    detail: str

    @property
    def note(self) -> str:
        return f"{self.table}: {self.what}"

    def __str__(self) -> str:
        return f"{self.note} ({self.detail})"


def unsafe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What an update from ``old`` to ``new`` cannot do in place:

    - a table's key changed: CloudFormation replaces the table, and with ``Retain`` on
      replacement the functions are pointed at a new, empty table;
    - a table gone (a model removed or renamed: a new logical id is a new, empty table):
      the stack stops using the old one, which stays in the account with its data;
    - an index's keys or projection changed: that is a deletion and a creation of the index;
    - more than one index created, or one created and one deleted, on one table: the update
      fails (CloudFormation creates or deletes one global secondary index per table per
      update).

    New tables, a single new or dropped index, and anything outside keys and indexes are
    made in place."""
    changes: list[Change] = []
    for table, before in sorted(old.items()):
        after = new.get(table)
        if after is None:
            changes.append(Change(table, "table removed", "its data stays, unused"))
            continue
        if before["key"] != after["key"]:
            changes.append(Change(table, "key changed", f"{before['key']} -> {after['key']}"))
            continue  # a new table: its indexes come with it
        old_ix, new_ix = before["indexes"], after["indexes"]
        changed = sorted(n for n in old_ix.keys() & new_ix.keys() if old_ix[n] != new_ix[n])
        for name in changed:
            changes.append(
                Change(table, f"index {name} changed", f"{old_ix[name]} -> {new_ix[name]}")
            )
        added = sorted(new_ix.keys() - old_ix.keys())
        removed = sorted(old_ix.keys() - new_ix.keys())
        if len(added) > 1:
            changes.append(
                Change(table, "indexes added: " + ", ".join(added), "one per update at most")
            )
        if added and removed:
            changes.append(
                Change(
                    table,
                    "indexes added and removed",
                    f"added {added}, removed {removed}: one per update at most",
                )
            )
    return changes


def migration_notes(page: str) -> str:
    """The upgrade page's "Migration notes" section."""
    start = page.find(NOTES_HEADING)
    if start < 0:
        return ""
    rest = page[start + len(NOTES_HEADING) :]
    end = re.search(r"^## ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def missing_notes(changes: list[Change], page: str) -> list[Change]:
    """The changes no migration note names (the note's phrase, in backquotes or not)."""
    notes = migration_notes(page).replace("`", "")
    return [c for c in changes if c.note not in notes]


def load(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def dump(data: dict[str, Any], path: Path = SCHEMA_FILE) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def problems(data: dict[str, Any], current: dict[str, Any], page: str) -> list[str]:
    """Why the checked-in file or the upgrade page is not up to date, each with its fix."""
    found: list[str] = []
    if data["current"] != current:
        found.append(
            f"infra/tables.json does not describe the models: run `{REGENERATE}` and commit it"
        )
    released = data["released"]
    for change in missing_notes(unsafe_changes(released["tables"], current), page):
        found.append(
            f"{change}: CloudFormation cannot make this change to a running stack in place "
            f"(since release {released['version']}); add a migration note containing "
            f"'{change.note}' under '{NOTES_HEADING}' in docs/operate/upgrades.md saying "
            "how a district upgrades"
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.schema", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="describe the models as current")
    group.add_argument("--check", action="store_true", help="what the tests check")
    group.add_argument("--release", metavar="VERSION", help="current becomes released")
    args = parser.parse_args(argv)
    os.environ.setdefault("MINSHENG_STAGE", "local")  # table names do not matter here
    data = load()
    current = describe()
    if args.write:
        data["current"] = current
        dump(data)
        for change in unsafe_changes(data["released"]["tables"], current):
            print(f"needs a migration note: {change}")
        return 0
    if args.release:
        data["released"] = {"version": args.release, "tables": current}
        data["current"] = current
        dump(data)
        return 0
    found = problems(data, current, UPGRADE_PAGE.read_text(encoding="utf-8"))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
