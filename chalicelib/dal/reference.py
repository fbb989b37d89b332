"""Departments and categories: small, read often, changed by the admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBConnectionError

from chalicelib.dal.models import CategoryModel, DepartmentModel
from chalicelib.errors import ServiceUnavailable


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    kind: str
    active: bool


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    group: str | None
    default_department: str | None
    keywords: tuple[str, ...]
    reply_working_days: dict[str, Any]
    active: bool


M = TypeVar("M", CategoryModel, DepartmentModel)


def _get(model: type[M], key: str) -> M | None:
    try:
        return model.get(key)
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the reference data store is unreachable") from exc


def get_category(code: str) -> Category | None:
    item = _get(CategoryModel, code)
    if item is None:
        return None
    return Category(
        code=item.code,
        name=item.name,
        group=item.group,
        default_department=item.default_department,
        keywords=tuple(item.keywords or ()),
        reply_working_days=dict(item.reply_working_days.as_dict())
        if item.reply_working_days
        else {},
        active=bool(item.active),
    )


def get_department(department_id: str) -> Department | None:
    item = _get(DepartmentModel, department_id)
    if item is None:
        return None
    return Department(id=item.id, name=item.name, kind=item.kind, active=bool(item.active))


def put_department(
    department_id: str, name: str, kind: str, updated_at: str, active: bool = True
) -> None:
    DepartmentModel(
        department_id, name=name, kind=kind, active=active, updated_at=updated_at
    ).save()


def put_category(
    code: str,
    *,
    name: str,
    group: str | None,
    default_department: str | None,
    keywords: list[str],
    updated_at: str,
) -> None:
    CategoryModel(
        code,
        name=name,
        group=group,
        default_department=default_department,
        keywords=keywords or None,
        updated_at=updated_at,
    ).save()
