"""Open311's reads of public appeals: the public-feed index's month partitions (sparse:
public appeals in public states only), never a scan of the appeals table."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pynamodb.exceptions import PynamoDBConnectionError, QueryError

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.store.models import AppealModel


def public_ids(
    months: list[str],
    start: str,
    end: str,
    *,
    categories: Collection[str] = (),
    states: Collection[str] = (),
    limit: int,
    read_budget: int,
) -> list[str]:
    """Ids of public appeals submitted in [start, end], newest first, at most ``limit``.
    One Query per page of each month partition (``months`` newest first); the index
    entries read, matching or not, are at most ``read_budget``, however few match."""
    condition: Any = None
    if categories:
        condition = AppealModel.category.is_in(*categories)
    if states:
        by_state = AppealModel.state.is_in(*states)
        condition = by_state if condition is None else condition & by_state
    found: list[str] = []
    read = 0
    try:
        for month in months:
            start_key = None
            while len(found) < limit and read < read_budget:
                pages = AppealModel.public_feed.query(
                    month,
                    AppealModel.created_at.between(start, end),
                    filter_condition=condition,
                    scan_index_forward=False,
                    page_size=min(read_budget - read, limit - len(found))
                    if condition is None
                    else read_budget - read,
                    last_evaluated_key=start_key,
                    attributes_to_get=["id"],
                ).page_iter
                page = next(pages)
                read += int(page.get("ScannedCount", 0))
                found += [item["id"]["S"] for item in page.get("Items", [])]
                start_key = page.get("LastEvaluatedKey")
                if start_key is None:
                    break
            if len(found) >= limit or read >= read_budget:
                break
    except QueryError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return found[:limit]
