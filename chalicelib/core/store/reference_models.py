"""The reference tables' PynamoDB models (departments, categories, settings): what
routing, the rankings and the reports read beside the appeals. Imported through
``models.py``."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.model_meta import TableMeta as _Meta

_S = settings()


class DepartmentModel(Model):
    class Meta(_Meta):
        table_name = _S.departments_table

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="department")  # department, town, street, utility
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class CategoryModel(Model):
    class Meta(_Meta):
        table_name = _S.categories_table

    code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    group = UnicodeAttribute(null=True)
    default_department = UnicodeAttribute(null=True)
    auto_dispatch = BooleanAttribute(default=False)
    keywords = ListAttribute(of=UnicodeAttribute, null=True)
    reply_working_days = MapAttribute[str, Any](null=True)  # per kind overrides
    active = BooleanAttribute(default=True)
    # Consultations in the category are answered with a policy reference (the reply check).
    policy_reference = BooleanAttribute(default=False)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class SettingModel(Model):
    """Platform settings the admin changes at run time (e.g. the loaded calendar years)."""

    class Meta(_Meta):
        table_name = _S.settings_table

    key = UnicodeAttribute(hash_key=True)
    data = MapAttribute[str, Any](null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
