"""附议: who supports which public appeal (one each), and how many do. The support and the
appeal's counter (in the stats table) change in one transaction."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, ServiceUnavailable
from chalicelib.core.integrations.aws import client
from chalicelib.core.store import batch_reads
from chalicelib.figures.store.statistics import _add, _key

COUNT_SK = "supporters"


def _counter_pk(appeal_id: str) -> str:
    return f"support#{appeal_id}"


def _transact(items: list[dict[str, Any]]) -> bool:
    """True when written; False when the condition on the support failed (nothing to do)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("dynamodb").transact_write_items(TransactItems=items)
        return True
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        if any(r.get("Code") == "TransactionConflict" for r in reasons):
            raise Conflict("the appeal's support is being changed: try again") from exc
        raise ServiceUnavailable("the support store did not accept the write") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the support store is unreachable") from exc


def support(appeal_id: str, citizen_id: str, at: str) -> bool:
    """Record the citizen's support; False when they support it already."""
    return _transact(
        [
            {
                "Put": {
                    "TableName": settings().supports_table,
                    "Item": {
                        "appeal_id": {"S": appeal_id},
                        "citizen_id": {"S": citizen_id},
                        "at": {"S": at},
                    },
                    "ConditionExpression": "attribute_not_exists(citizen_id)",
                }
            },
            _add(_counter_pk(appeal_id), COUNT_SK, Counter({"count": 1}), at),
        ]
    )


def withdraw(appeal_id: str, citizen_id: str, at: str) -> bool:
    """Take the citizen's support back; False when there was none."""
    return _transact(
        [
            {
                "Delete": {
                    "TableName": settings().supports_table,
                    "Key": {"appeal_id": {"S": appeal_id}, "citizen_id": {"S": citizen_id}},
                    "ConditionExpression": "attribute_exists(citizen_id)",
                }
            },
            _add(_counter_pk(appeal_id), COUNT_SK, Counter({"count": -1}), at),
        ]
    )


def counts(appeal_ids: list[str]) -> dict[str, int]:
    """Supporters per appeal, one BatchGetItem for a page (at most 100 ids)."""
    ids = list(dict.fromkeys(appeal_ids))[:100]
    if not ids:
        return {}
    table = settings().stats_table
    found: dict[str, int] = {}
    for item in batch_reads.get_items(table, [_key(_counter_pk(i), COUNT_SK) for i in ids]):
        found[item["pk"]["S"].removeprefix("support#")] = int(item["count"]["N"])
    return {i: max(found.get(i, 0), 0) for i in ids}
