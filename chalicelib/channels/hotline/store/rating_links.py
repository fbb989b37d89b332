"""SMS rating links: issued once per reply notice, opened by their token, used once."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBConnectionError,
    QueryError,
    UpdateError,
)

from chalicelib.core.domain import clock
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import NotFound, ServiceUnavailable
from chalicelib.core.store.appeals import Alongside
from chalicelib.core.store.models import RatingLinkModel

# Links are kept this long after they expire (what was sent, and whether it was used).
KEEP_AFTER_EXPIRY_DAYS = 90


@frozen
class RatingLink:
    id: str
    appeal_id: str
    created_at: str
    expires_at: str
    sent_at: str | None
    used_at: str | None


def _link(item: RatingLinkModel) -> RatingLink:
    return RatingLink(
        item.id, item.appeal_id, item.created_at, item.expires_at, item.sent_at, item.used_at
    )


def get(link_id: str) -> RatingLink | None:
    try:
        return _link(RatingLinkModel.get(link_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the rating link store is unreachable") from exc


def issue(link_id: str, token_hash: str, appeal_id: str, at: str, expires: datetime) -> bool:
    """Record a new token for the notice's link, unless its SMS was sent already (then
    False). A token that was made but never sent is replaced."""
    from datetime import timedelta

    item = RatingLinkModel(
        link_id,
        token_hash=token_hash,
        appeal_id=appeal_id,
        created_at=at,
        expires_at=clock.iso(expires),
        expiration=expires + timedelta(days=KEEP_AFTER_EXPIRY_DAYS),
    )
    try:
        item.save(condition=RatingLinkModel.sent_at.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the rating link store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the rating link store is unreachable") from exc
    return True


def mark_sent(link_id: str, at: str, message_id: str) -> None:
    try:
        RatingLinkModel(link_id).update(
            actions=[
                RatingLinkModel.sent_at.set(at),
                RatingLinkModel.sms_message_id.set(message_id),
            ],
            condition=RatingLinkModel.id.exists(),
        )
    except (UpdateError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the rating link store did not accept the write") from exc


def by_token(token_hash: str) -> RatingLink | None:
    """The link a token opens, read consistently once found in the index."""
    try:
        keys = list(RatingLinkModel.by_token.query(token_hash, limit=1))
    except (QueryError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the rating link store is unreachable") from exc
    return get(keys[0].id) if keys else None


def use_alongside(link_id: str, token_hash: str, at: str) -> Alongside:
    """The link marked used in the same transaction as the rating it gives, if it was not
    used and the token is still its token (the appeal is not written otherwise): a rating
    the store refuses leaves the link as it was."""
    return Alongside(
        item=RatingLinkModel(link_id),
        actions=[RatingLinkModel.used_at.set(at)],
        condition=RatingLinkModel.used_at.does_not_exist()
        & (RatingLinkModel.token_hash == token_hash)
        & (RatingLinkModel.expires_at > at),
        refused=NotFound("this link is not valid any more"),
    )
