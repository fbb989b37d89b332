"""Upgrades guarded: infra/tables.json describes every table's keys and indexes as the models
do, and a change since the last release that CloudFormation cannot make in place (a key
change, an index changed, more than one index added to a table, a table removed) fails
until the upgrade page has a migration note naming the table and the change.

To watch them fail: add a second GlobalSecondaryIndex to a model (the file no longer
matches; after ``python -m infra.schema --write`` the missing note is named), or change a
table's range key."""

from __future__ import annotations

import copy
import re
from typing import Any

from infra import schema

APPEALS = {
    "key": {"hash": "id:S"},
    "stream": "NEW_AND_OLD_IMAGES",
    "indexes": {
        "by-state": {"hash": "state:S", "range": "state_at:S", "projection": "ALL"},
    },
}


def released() -> dict[str, Any]:
    return {
        "AppealTable": copy.deepcopy(APPEALS),
        "StatsTable": {"key": {"hash": "pk:S"}, "indexes": {}},
    }


def with_index(tables: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        tables["AppealTable"]["indexes"][name] = {"hash": f"{name}:S", "projection": "KEYS_ONLY"}
    return tables


def notes(changes: list[schema.Change]) -> list[str]:
    return [c.note for c in changes]


# -- the checked-in file and the page, as they are -----------------------------------------


def test_checked_in_description_equals_the_models() -> None:
    data = schema.load()
    assert data["current"] == schema.describe(), (
        f"infra/tables.json does not describe the models: run `{schema.REGENERATE}` "
        "and commit infra/tables.json (and a migration note if the test below asks for one)"
    )


def test_every_change_since_the_last_release_cloudformation_cannot_make_has_a_note() -> None:
    data = schema.load()
    page = schema.UPGRADE_PAGE.read_text(encoding="utf-8")
    found = schema.problems(data, schema.describe(), page)
    assert not found, "\n".join(found)


def test_the_description_covers_every_table_of_the_template() -> None:
    from infra.template import table_resources

    described = schema.describe()
    resources = table_resources()
    assert set(described) == set(resources)
    for table, resource in resources.items():
        properties = resource["Properties"]
        assert len(described[table]["indexes"]) == len(properties.get("GlobalSecondaryIndexes", []))
        assert [k["AttributeName"] for k in properties["KeySchema"]] == [
            v.split(":")[0] for v in described[table]["key"].values()
        ]


def test_the_released_description_is_a_release() -> None:
    data = schema.load()
    assert re.fullmatch(r"\d+\.\d+\.\d+", data["released"]["version"])
    assert data["released"]["tables"]["AppealTable"]["key"] == {"hash": "id:S"}


# -- what counts as a change CloudFormation cannot make -------------------------------------


def test_new_tables_one_new_index_and_one_dropped_index_are_made_in_place() -> None:
    new = released()
    new["UserTable"] = {"key": {"hash": "pk:S", "range": "sk:S"}, "indexes": {}}
    assert schema.unsafe_changes(released(), with_index(new, "by-kind")) == []
    dropped = released()
    dropped["AppealTable"]["indexes"].clear()
    assert schema.unsafe_changes(released(), dropped) == []
    assert schema.unsafe_changes(released(), released()) == []


def test_a_key_change_of_a_table_is_named() -> None:
    new = released()
    new["AppealTable"]["key"] = {"hash": "id:S", "range": "created_at:S"}
    assert notes(schema.unsafe_changes(released(), new)) == ["AppealTable: key changed"]
    retyped = released()
    retyped["StatsTable"]["key"] = {"hash": "pk:N"}
    assert notes(schema.unsafe_changes(released(), retyped)) == ["StatsTable: key changed"]


def test_a_change_of_an_index_keys_or_projection_is_named() -> None:
    new = released()
    new["AppealTable"]["indexes"]["by-state"]["range"] = "updated_at:S"
    assert notes(schema.unsafe_changes(released(), new)) == ["AppealTable: index by-state changed"]
    projected = released()
    projected["AppealTable"]["indexes"]["by-state"]["projection"] = "KEYS_ONLY"
    assert notes(schema.unsafe_changes(released(), projected)) == [
        "AppealTable: index by-state changed"
    ]


def test_more_than_one_index_added_to_one_table_is_named() -> None:
    new = with_index(released(), "by-kind", "by-channel")
    assert notes(schema.unsafe_changes(released(), new)) == [
        "AppealTable: indexes added: by-channel, by-kind"
    ]


def test_an_index_added_and_another_removed_together_is_named() -> None:
    new = with_index(released(), "by-kind")
    del new["AppealTable"]["indexes"]["by-state"]
    assert notes(schema.unsafe_changes(released(), new)) == [
        "AppealTable: indexes added and removed"
    ]


def test_a_table_removed_or_renamed_is_named() -> None:
    new = released()
    new["StatisticsTable"] = new.pop("StatsTable")
    assert notes(schema.unsafe_changes(released(), new)) == ["StatsTable: table removed"]


# -- the migration note --------------------------------------------------------------------

PAGE = """# Upgrades

## Migration notes

### 0.2.0

- `AppealTable`: indexes added: by-channel, by-kind. Deploy twice: ...

## Owner keys

StatsTable: key changed (not a note: outside the section)
"""


def test_a_note_under_migration_notes_naming_table_and_change_lets_it_through() -> None:
    data = {"released": {"version": "0.1.0", "tables": released()}, "current": None}
    current = with_index(released(), "by-kind", "by-channel")
    data["current"] = current
    assert schema.problems(data, current, PAGE) == []
    current = copy.deepcopy(current)
    current["StatsTable"]["key"] = {"hash": "pk:S", "range": "sk:S"}
    data["current"] = current
    (problem,) = schema.problems(data, current, PAGE)
    assert "StatsTable: key changed" in problem and "docs/operate/upgrades.md" in problem
    assert "since release 0.1.0" in problem


def test_without_a_note_the_change_fails_and_says_what_to_write() -> None:
    data = {"released": {"version": "0.1.0", "tables": released()}}
    current = with_index(released(), "by-kind", "by-channel")
    data["current"] = current
    (problem,) = schema.problems(data, current, "# Upgrades\n")
    assert "'AppealTable: indexes added: by-channel, by-kind'" in problem
    assert schema.NOTES_HEADING in problem


def test_a_stale_file_fails_and_says_how_to_regenerate() -> None:
    data = {"released": {"version": "0.1.0", "tables": released()}, "current": released()}
    current = with_index(released(), "by-kind")
    (problem,) = schema.problems(data, current, PAGE)
    assert schema.REGENERATE in problem


def test_the_command_checks_what_the_tests_check() -> None:
    assert schema.main(["--check"]) == 0
