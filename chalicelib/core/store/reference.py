"""Departments, categories and platform settings: small, read on most transitions, changed
by the admin. Reads are cached in the process for a short time (``reference_cache_seconds``)
so a warm function does not pay a DynamoDB read for them; admin writes clear the cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBConnectionError,
    ScanError,
)

from chalicelib.core.config import settings
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import Conflict, ServiceUnavailable
from chalicelib.core.store.models import CategoryModel, DepartmentModel, SettingModel

T = TypeVar("T")
_cache: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _cached(key: str, load: Callable[[], T]) -> T:
    ttl = settings().reference_cache_seconds
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


@frozen
class Department:
    id: str
    name: str
    kind: str
    active: bool
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@frozen
class Category:
    code: str
    name: str
    group: str | None
    default_department: str | None
    keywords: tuple[str, ...]
    reply_working_days: dict[str, int]
    active: bool
    auto_dispatch: bool = False
    updated_at: str = ""
    # Consultations in the category are answered with a policy reference (the reply check).
    policy_reference: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["keywords"] = list(self.keywords)
        return data


M = TypeVar("M", CategoryModel, DepartmentModel, SettingModel)


def _get(model: type[M], key: str, *, consistent: bool = False) -> M | None:
    try:
        return model.get(key, consistent_read=consistent)
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the reference data store is unreachable") from exc


def _category(item: CategoryModel) -> Category:
    days = item.reply_working_days.as_dict() if item.reply_working_days else {}
    return Category(
        code=item.code,
        name=item.name,
        group=item.group,
        default_department=item.default_department,
        keywords=tuple(item.keywords or ()),
        reply_working_days={str(k): int(v) for k, v in days.items()},
        active=bool(item.active),
        auto_dispatch=bool(item.auto_dispatch),
        updated_at=item.updated_at,
        policy_reference=bool(item.policy_reference),
    )


def _department(item: DepartmentModel) -> Department:
    return Department(
        id=item.id,
        name=item.name,
        kind=item.kind,
        active=bool(item.active),
        updated_at=item.updated_at,
    )


def get_category(code: str) -> Category | None:
    def load() -> Category | None:
        item = _get(CategoryModel, code)
        return _category(item) if item else None

    return _cached(f"category:{code}", load)


def category_errors(code: str | None) -> list[dict[str, str]]:
    """The problem with a category a request names (none when it names none): it must
    exist and be active."""
    if code is None:
        return []
    category = get_category(code)
    if category is None or not category.active:
        return [{"field": "category", "message": "is not a known category"}]
    return []


def get_department(department_id: str) -> Department | None:
    def load() -> Department | None:
        item = _get(DepartmentModel, department_id)
        return _department(item) if item else None

    return _cached(f"department:{department_id}", load)


def list_departments() -> list[Department]:
    """The whole (small) departments table: tens to a few hundred items."""
    try:
        return sorted((_department(i) for i in DepartmentModel.scan()), key=lambda d: d.id)
    except (ScanError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the reference data store is unreachable") from exc


def places() -> list[tuple[str, str]]:
    """(id, name) of the active towns and streets (what early warning counts by), cached
    like single reads."""

    def load() -> list[tuple[str, str]]:
        return [
            (d.id, d.name) for d in list_departments() if d.active and d.kind in ("town", "street")
        ]

    return _cached("departments:places", load)


def active_department_names() -> dict[str, str]:
    """id -> name of the active departments, cached like single reads: public figures
    need it on requests no login limits."""

    def load() -> dict[str, str]:
        return {d.id: d.name for d in list_departments() if d.active}

    return _cached("departments:active", load)


def list_categories() -> list[Category]:
    try:
        return sorted((_category(i) for i in CategoryModel.scan()), key=lambda c: c.code)
    except (ScanError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the reference data store is unreachable") from exc


def active_departments() -> list[Department]:
    """The active departments, cached like single reads (public requests read them)."""
    return _cached("departments:active-list", lambda: [d for d in list_departments() if d.active])


def active_categories() -> list[Category]:
    """The active categories, cached like single reads: the public category tree is
    read on requests no login limits."""
    return _cached("categories:active", lambda: [c for c in list_categories() if c.active])


def _save(item: CategoryModel | DepartmentModel | SettingModel, *, create: bool) -> None:
    hash_key = type(item)._hash_keyname
    condition = None
    if create:
        condition = getattr(type(item), hash_key).does_not_exist()
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("it exists already, or was changed meanwhile: read it again") from exc
        raise ServiceUnavailable("the reference data store did not accept the write") from exc
    finally:
        clear_cache()


def put_department(
    department_id: str,
    name: str,
    kind: str,
    updated_at: str,
    active: bool = True,
    *,
    create: bool = False,
    version: int | None = None,
) -> Department:
    item = DepartmentModel(
        department_id, name=name, kind=kind, active=active, updated_at=updated_at
    )
    if version:
        item.version = version
    _save(item, create=create)
    return _department(item)


def department_with_version(department_id: str) -> tuple[Department, int] | None:
    """What is stored now (not the cache), with the version to write against."""
    item = _get(DepartmentModel, department_id, consistent=True)
    return (_department(item), int(item.version or 0)) if item else None


def put_category(
    code: str,
    *,
    name: str,
    group: str | None,
    default_department: str | None,
    keywords: list[str],
    updated_at: str,
    auto_dispatch: bool = False,
    reply_working_days: dict[str, int] | None = None,
    active: bool = True,
    create: bool = False,
    version: int | None = None,
    policy_reference: bool = False,
) -> Category:
    item = CategoryModel(
        code,
        name=name,
        group=group,
        default_department=default_department,
        auto_dispatch=auto_dispatch,
        keywords=keywords or None,
        reply_working_days=reply_working_days or None,
        active=active,
        updated_at=updated_at,
        policy_reference=policy_reference,
    )
    if version:
        item.version = version
    _save(item, create=create)
    return _category(item)


def category_with_version(code: str) -> tuple[Category, int] | None:
    item = _get(CategoryModel, code, consistent=True)
    return (_category(item), int(item.version or 0)) if item else None


# --- settings ------------------------------------------------------------------------------

CALENDAR_KEY = "calendar"


def get_setting(key: str) -> tuple[dict[str, Any], int]:
    """(data, version) of a setting; ({}, 0) when never set."""

    def load() -> tuple[dict[str, Any], int]:
        item = _get(SettingModel, key)
        if item is None:
            return {}, 0
        data = item.data.as_dict() if item.data else {}
        return data, int(item.version or 0)

    return _cached(f"setting:{key}", load)


def setting_with_version(key: str) -> tuple[dict[str, Any], int]:
    """What is stored now (not the cache, a consistent read), to write against."""
    item = _get(SettingModel, key, consistent=True)
    if item is None:
        return {}, 0
    return (item.data.as_dict() if item.data else {}), int(item.version or 0)


def put_setting(key: str, data: dict[str, Any], updated_at: str, version: int) -> None:
    """Write a setting if it is still at ``version`` (0: never set)."""
    item = SettingModel(key, data=data, updated_at=updated_at)
    if version:
        item.version = version
    _save(item, create=version == 0)
