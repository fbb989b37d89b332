"""One page of a table or index partition, with an opaque cursor bound to the list it came
from (a forged cursor cannot page into another user's or department's list)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBConnectionError, QueryError

from chalicelib.core.errors import ServiceUnavailable, ValidationFailed
from chalicelib.core.store.cursors import decode_cursor, encode_cursor

# A filtered page reads at most this many items per item asked for.
FILTERED_READ_FACTOR = 5


def query_page(
    model: Any,
    source: Any,
    hash_value: str,
    *,
    list_name: str,
    limit: int,
    cursor: str | None,
    filter_condition: Any = None,
    newest_first: bool = True,
) -> tuple[list[Any], str | None]:
    """Up to ``limit`` items of ``source`` (``model`` or one of its indexes) in
    ``hash_value``'s partition, in one Query. With a filter, at most
    ``FILTERED_READ_FACTOR * limit`` items are read and the page may hold fewer matches,
    with a cursor to go on; no cursor means the end."""
    hash_name = source._hash_key_attribute().attr_name
    bound = {"~list": list_name, hash_name: hash_value}
    start = None
    if cursor:
        key = decode_cursor(cursor, bound)
        start = {k: {"S": v} for k, v in key.items() if k != "~list"}
    budget = limit if filter_condition is None else limit * FILTERED_READ_FACTOR
    try:
        pages = source.query(
            hash_value,
            filter_condition=filter_condition,
            scan_index_forward=not newest_first,
            page_size=budget,
            last_evaluated_key=start,
        ).page_iter
        page = next(pages)
        key_names = list(pages.key_names)
    except QueryError as exc:
        if cursor and "ValidationException" in str(exc.cause_response_code):
            raise ValidationFailed.one("cursor", "is not a cursor this list issued") from exc
        raise ServiceUnavailable("the store is unreachable") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the store is unreachable") from exc
    raw = list(page.get("Items", []))
    last = page.get("LastEvaluatedKey")
    if len(raw) > limit:
        raw = raw[:limit]
        last = {name: raw[-1][name] for name in key_names}
    next_cursor = None
    if last:
        plain = {k: str(next(iter(v.values()))) for k, v in last.items()}
        next_cursor = encode_cursor({**bound, **plain})
    return [model.from_raw_data(item) for item in raw], next_cursor
