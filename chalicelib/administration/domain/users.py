"""Staff accounts as the admin describes them: the fields of one, the rules between role and
department, the rows of a CSV file of them, and what others may read of one. Pure: the
departments that exist and the accounts the pool has are handed in."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.core.domain.masking import mask_phone
from chalicelib.core.domain.phones import mainland_mobile
from chalicelib.core.domain.principal import ACCOUNT_ROLES
from chalicelib.core.domain.records import frozen

ROLES = ACCOUNT_ROLES
DEPARTMENT_ROLE = "department"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
COLUMNS = ("username", "name", "role", "department_id", "email", "phone")
MAX_ROWS = 200
MAX_NAME = 64


@frozen
class NewUser:
    username: str
    name: str
    role: str
    department_id: str | None
    email: str | None
    phone: str | None  # E.164

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Problems:
    """What is wrong, field by field (with the CSV row when there is one)."""

    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, field_name: str, message: str, row: int | None = None) -> None:
        entry: dict[str, Any] = {"field": field_name, "message": message}
        if row is not None:
            entry = {"row": row, **entry}
        self.errors.append(entry)


def check_user(
    fields: dict[str, Any],
    departments: Callable[[str], bool],
    problems: Problems,
    row: int | None = None,
) -> NewUser | None:
    """One account's fields (a request body or a CSV row, strings), checked: the user name,
    the name, a known role, a department for department staff only (and one that exists),
    an email address or a mainland mobile number (or both)."""
    before = len(problems.errors)

    def text(name: str) -> str:
        value = fields.get(name)
        return value.strip() if isinstance(value, str) else ""

    username = text("username").lower()
    if not USERNAME.fullmatch(username):
        problems.add(
            "username",
            "must be 3 to 64 lower-case letters, digits, dots, hyphens or underscores",
            row,
        )
    name = text("name")
    if not name or len(name) > MAX_NAME:
        problems.add("name", f"is required (at most {MAX_NAME} characters)", row)
    role = text("role")
    if role not in ROLES:
        problems.add("role", "must be one of: " + ", ".join(ROLES), row)
    department = text("department_id") or None
    if role == DEPARTMENT_ROLE and not department:
        problems.add("department_id", "is required for department staff", row)
    elif department and role in ROLES and role != DEPARTMENT_ROLE:
        problems.add("department_id", "is only for department staff", row)
    elif department and not departments(department):
        problems.add("department_id", f"is not a department: {department}", row)
    email = text("email") or None
    if email and not EMAIL.fullmatch(email):
        problems.add("email", "is not an email address", row)
    raw_phone = text("phone")
    phone = mainland_mobile(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        problems.add("phone", "is not a mainland mobile number", row)
    if not email and not raw_phone:
        problems.add("email", "an email address or a mobile number is required", row)
    if len(problems.errors) > before:
        return None
    return NewUser(username, name, role, department, email, phone)


def read_csv(
    raw: bytes, problems: Problems, max_rows: int | None = MAX_ROWS
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file (with or without a byte-order mark) whose header names
    the columns, each with its line number (the header is row 1); at most ``max_rows``
    (the API's request must end within API Gateway's time; the loader takes any number)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("file", "is not UTF-8 text", 1)
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.add("file", "is empty: the first row names the columns", 1)
        return []
    except csv.Error as exc:
        problems.add("file", f"is not CSV: {exc}", 1)
        return []
    names = [h.strip().lower() for h in header]
    for column in COLUMNS:
        if column not in names:
            problems.add(column, "is a missing column", 1)
    unknown = [n for n in names if n and n not in COLUMNS]
    for column in unknown:
        problems.add(column, "is not a known column", 1)
    if problems.errors:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(names):
                problems.add("row", f"has {len(values)} values for {len(names)} columns", number)
                continue
            rows.append((number, dict(zip(names, values, strict=True))))
    except csv.Error as exc:
        problems.add("file", f"is not CSV: {exc}", reader.line_num)
    if not rows and not problems.errors:
        problems.add("file", "has no rows below its header", 1)
    if max_rows is not None and len(rows) > max_rows:
        problems.add("file", f"has {len(rows)} rows: at most {max_rows} a file", 1)
    return rows


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    departments: Callable[[str], bool],
    problems: Problems,
) -> list[tuple[int, NewUser]]:
    """Every row checked, and no user name twice in the file."""
    users: list[tuple[int, NewUser]] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        user = check_user(values, departments, problems, number)
        key = str(values.get("username", "")).strip().lower()
        if key and key in seen:
            problems.add("username", f"is in the file twice (row {seen[key]} too)", number)
            continue
        if key:
            seen[key] = number
        if user is not None:
            users.append((number, user))
    return users


def same_account(user: NewUser, existing: dict[str, Any]) -> bool:
    """Whether an account the pool has already is the one the row describes."""
    return all(
        (existing.get(name) or None) == (getattr(user, name) or None)
        for name in ("name", "role", "department_id", "email", "phone")
    )


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return local[:1] + "***@" + domain


def shown(account: dict[str, Any], admin: bool) -> dict[str, Any]:
    """An account as the caller may read it: admins everything, other staff the contact
    masked and nothing of the sign-in."""
    if admin:
        return account
    return {
        "username": account["username"],
        "name": account["name"],
        "role": account["role"],
        "department_id": account.get("department_id"),
        "email": mask_email(account.get("email")),
        "phone": mask_phone(str(account.get("phone") or "").removeprefix("+86") or None),
        "enabled": account["enabled"],
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields a change touched, as they were and as they became."""
    names = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in names}, {k: after.get(k) for k in names}
