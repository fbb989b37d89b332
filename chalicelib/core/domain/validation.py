"""Validate request bodies against the published schemas, reporting every field at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import ValidationFailed

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError


# Control characters no text needs (NUL and the rest of C0 but tab, line feed and return,
# and DEL): refused rather than stored, shown or sent on. The HTTP layer refuses them in
# every JSON string; a schema refuses them in one field with ``NO_CONTROL``.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

_validators: dict[str, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    key = schema["$id"]
    validator = _validators.get(key)
    if validator is None:
        # jsonschema costs ~80 ms to import: only requests with a body pay for it.
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(schema)
        validator = _validators[key] = Draft202012Validator(schema)
    return validator


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _describe(error: SchemaError) -> list[dict[str, str]]:
    where = _path(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [
            {"field": _join(where, name), "message": "is required"}
            for name in value
            if name not in present
        ]
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - known) if isinstance(error.instance, dict) else []
        return [{"field": _join(where, name), "message": "is not a known field"} for name in extra]
    field = where or "body"
    messages: dict[str, Callable[[], str]] = {
        "type": lambda: (
            f"must be of type {value if isinstance(value, str) else ' or '.join(value)}"
        ),
        "enum": lambda: "must be one of: " + ", ".join(map(str, value)),
        "minLength": lambda: f"must have at least {value} character(s)",
        "maxLength": lambda: f"must have at most {value} characters",
        "pattern": lambda: {
            r"\S": "must not be blank",
            NO_CONTROL: "contains a control character",
        }.get(str(value), "has an invalid format"),
        "minimum": lambda: f"must be at least {value}",
        "maximum": lambda: f"must be at most {value}",
        "maxItems": lambda: f"must have at most {value} items",
        "minItems": lambda: f"must have at least {value} items",
        "uniqueItems": lambda: "must not repeat items",
    }
    message = messages[str(kind)]() if str(kind) in messages else str(error.message)
    return [{"field": field, "message": message}]


def validate(schema: dict[str, Any], body: Any) -> dict[str, Any]:
    """Return ``body`` if it matches the schema; raise ValidationFailed naming every field."""
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    validator = _validator(schema)
    errors: list[dict[str, str]] = []
    found = list(validator.iter_errors(body))
    for error in sorted(found, key=lambda e: [str(p) for p in e.path]):
        for item in _describe(error):
            # One message per field: the first rule it breaks.
            if all(e["field"] != item["field"] for e in errors):
                errors.append(item)
    if errors:
        raise ValidationFailed(errors)
    return body
