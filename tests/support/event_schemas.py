"""Every delivery the suite's department systems receive, checked against the event
catalogue: the body against its type's JSON Schema (a type with no schema is a failure),
and the headers against the body."""

from __future__ import annotations

import json
from functools import cache
from typing import Any


@cache
def _validator(type_: str) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    from chalicelib.notifications.domain import catalogue

    schema = catalogue.payload_schema(type_)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(headers: dict[str, str], raw: bytes) -> list[str]:
    """What is wrong with one delivery (nothing: an empty list)."""
    from chalicelib.notifications.domain import catalogue

    try:
        body = json.loads(raw)
    except ValueError:
        return [f"a delivery whose body is not JSON: {raw[:80]!r}"]
    type_ = str(body.get("type")) if isinstance(body, dict) else "?"
    if type_ not in catalogue.EVENTS:
        return [f"{type_}: the event catalogue has no schema for this event type"]
    found = [
        f"{type_} {'.'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
        for e in _validator(type_).iter_errors(body)
    ]
    lower = {k.lower(): v for k, v in headers.items()}
    expected = {
        "x-minsheng-event": type_,
        "x-minsheng-delivery": body.get("id"),
        catalogue.SCHEMA_VERSION_HEADER.lower(): body.get("schema_version"),
    }
    found += [
        f"{type_}: header {name} is {lower.get(name)!r}, the body says {value!r}"
        for name, value in expected.items()
        if lower.get(name) != value
    ]
    return found
