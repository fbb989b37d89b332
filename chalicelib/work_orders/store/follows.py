"""Leaders following appeals."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError, PynamoDBConnectionError, QueryError

from chalicelib.core.errors import ServiceUnavailable, ValidationFailed
from chalicelib.core.store.cursors import decode_cursor, encode_cursor
from chalicelib.core.store.models import FollowModel


def follow(leader_id: str, appeal_id: str, at: str) -> None:
    try:
        FollowModel(leader_id, appeal_id, followed_at=at).save(
            condition=FollowModel.appeal_id.does_not_exist()
        )
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return  # following already: PUT is idempotent
        raise ServiceUnavailable("the follow store did not accept the write") from exc


def unfollow(leader_id: str, appeal_id: str) -> None:
    try:
        FollowModel(leader_id, appeal_id).delete()
    except (DeleteError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the follow store did not accept the write") from exc


def following(leader_id: str, limit: int, cursor: str | None) -> tuple[list[str], str | None]:
    start = None
    if cursor:
        key = decode_cursor(cursor, {"leader_id": leader_id})
        if set(key) != {"leader_id", "appeal_id"}:
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
        start = {k: {"S": v} for k, v in key.items()}
    try:
        results = FollowModel.query(
            leader_id, scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        ids = [item.appeal_id for item in results]
        last = results.last_evaluated_key
    except QueryError as exc:
        raise ServiceUnavailable("the follow store is unreachable") from exc
    next_cursor = None
    if last and len(ids) >= limit:
        next_cursor = encode_cursor({k: v["S"] for k, v in last.items()})
    return ids, next_cursor


# A bound on one appeal's followers read per notice (a district has a few dozen leaders).
MAX_FOLLOWERS = 500


def followers(appeal_id: str) -> list[str]:
    """The leaders following an appeal (the by-appeal index)."""
    try:
        return [
            item.leader_id for item in FollowModel.followers.query(appeal_id, limit=MAX_FOLLOWERS)
        ]
    except (QueryError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the follow store is unreachable") from exc
