"""Staff accounts as the admin describes them: a CSV file's rows with their line numbers
(the header is row 1), each field's rule, duplicates within the file, masking."""

from __future__ import annotations

from chalicelib.administration.domain.users import (
    Problems,
    check_rows,
    check_user,
    read_csv,
    same_account,
    shown,
)

HEADER = "username,name,role,department_id,email,phone\n"
UNITS = {"transport-bureau", "banyanglu-street"}


def known(unit: str) -> bool:
    return unit in UNITS


def rows_of(text: str) -> tuple[list[tuple[int, object]], list[dict[str, object]]]:
    problems = Problems()
    rows = read_csv(text.encode("utf-8"), problems)
    users = check_rows(rows, known, problems) if not problems.errors else []
    return users, problems.errors  # type: ignore[return-value]


def test_rows_are_numbered_from_the_header_and_quoted_fields_are_read() -> None:
    text = "\ufeff" + HEADER + '\nzhang.wei,"张, 伟",department,transport-bureau,zw@example.gov,\n'
    users, errors = rows_of(text)
    assert errors == []
    assert [(n, u.name) for n, u in users] == [(3, "张, 伟")]  # type: ignore[attr-defined]


def test_each_rule_names_its_row_and_field() -> None:
    text = HEADER + (
        "Bad Name,,king,,,\n"
        "li.na,李娜,operator,transport-bureau,lina@example.gov,\n"
        "wang.fang,王芳,department,nowhere,,13912345003\n"
        "li.na,李娜,operator,,lina@example.gov,+86 139 1234 5002\n"
    )
    _users, errors = rows_of(text)
    found = {(e["row"], e["field"]) for e in errors}
    assert found == {
        (2, "username"),
        (2, "name"),
        (2, "role"),
        (2, "email"),
        (3, "department_id"),
        (4, "department_id"),
        (5, "username"),
    }


def test_the_header_must_name_every_column_and_no_other() -> None:
    _users, errors = rows_of("username,name,role,unit\nx.y.z,某,operator,\n")
    assert {(e["row"], e["field"]) for e in errors} == {
        (1, "department_id"),
        (1, "email"),
        (1, "phone"),
        (1, "unit"),
    }
    _users, errors = rows_of("")
    assert errors[0]["field"] == "file"
    problems = Problems()
    read_csv(b"\xff\xfe not utf-8", problems)
    assert problems.errors == [{"row": 1, "field": "file", "message": "is not UTF-8 text"}]


def test_a_mobile_is_mainland_and_written_in_e164() -> None:
    problems = Problems()
    base = {"username": "zhao.lei", "name": "赵磊", "role": "leader"}
    user = check_user({**base, "phone": "139-1234-5678"}, known, problems)
    assert user is not None and user.phone == "+8613912345678"
    for phone in ("010 6512 3456", "+1 650 253 0000", "12345"):
        problems = Problems()
        assert check_user({**base, "phone": phone}, known, problems) is None
        assert problems.errors[0]["field"] == "phone"


def test_an_existing_account_is_the_same_only_with_the_same_details() -> None:
    problems = Problems()
    user = check_user(
        {"username": "li.na", "name": "李娜", "role": "operator", "email": "lina@example.gov"},
        known,
        problems,
    )
    assert user is not None
    stored = {
        "name": "李娜",
        "role": "operator",
        "department_id": None,
        "email": "lina@example.gov",
        "phone": None,
    }
    assert same_account(user, stored)
    assert not same_account(user, {**stored, "role": "leader"})


def test_other_staff_read_the_contact_masked() -> None:
    account = {
        "username": "li.na",
        "name": "李娜",
        "role": "operator",
        "department_id": None,
        "email": "lina@example.gov",
        "phone": "+8613912345002",
        "enabled": True,
        "status": "CONFIRMED",
        "mfa": True,
    }
    masked = shown(account, admin=False)
    assert masked["email"] == "l***@example.gov" and masked["phone"] == "139****5002"
    assert "status" not in masked and "mfa" not in masked
    assert shown(account, admin=True) == account


def test_the_api_takes_at_most_200_rows_a_file_and_the_loader_any_number() -> None:
    rows = "".join(f"user.{n:03d},某,operator,,u{n}@example.gov,\n" for n in range(201))
    problems = Problems()
    read_csv((HEADER + rows).encode(), problems)
    assert problems.errors == [
        {"row": 1, "field": "file", "message": "has 201 rows: at most 200 a file"}
    ]
    problems = Problems()
    assert len(read_csv((HEADER + rows).encode(), problems, max_rows=None)) == 201
    assert problems.errors == []
