"""BatchGetItem to the end: 100 keys a request, keys DynamoDB holds back (UnprocessedKeys,
under throttling) asked again with exponential backoff, and an error rather than a
partial answer when they stay held back (a sum read from part of its items would be
published as if whole)."""

from __future__ import annotations

import random
import time
from typing import Any

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

PAGE = 100
ATTEMPTS = 6
FIRST_PAUSE = 0.05  # seconds, doubled each attempt (with jitter): about 3 s in all at most


def get_items(
    table: str, keys: list[dict[str, Any]], *, consistent: bool = False
) -> list[dict[str, Any]]:
    """The items of ``keys`` that exist, in DynamoDB's low-level form."""
    from botocore.exceptions import BotoCoreError, ClientError

    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), PAGE):
        request: dict[str, Any] = {
            table: {"Keys": keys[start : start + PAGE], "ConsistentRead": consistent}
        }
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(FIRST_PAUSE * 2 ** (attempt - 1) * (0.5 + random.random()))
            try:
                page = client("dynamodb").batch_get_item(RequestItems=request)
            except (BotoCoreError, ClientError) as exc:
                raise ServiceUnavailable(f"the table {table} could not be read") from exc
            found += page.get("Responses", {}).get(table, [])
            request = page.get("UnprocessedKeys") or {}
            if not request:
                break
        if request:
            raise ServiceUnavailable(f"the table {table} held keys back; try again")
    return found
