"""Letters to the mayor's mailbox: claimed once per Message-ID, finished once handled."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import (
    DoesNotExist,
    GetError,
    PutError,
    PynamoDBConnectionError,
    ScanError,
    UpdateError,
)

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.store.models import MailModel
from chalicelib.core.store.paging import query_page

RECEIVED = "received"  # claimed, being handled (a crash leaves it so: the redelivery ends it)
STATUSES = ("appeal", "note", "flagged")
FLAGGED = "flagged"
# DynamoDB's bound on a partition key is 2 KB; Message-IDs are far shorter. Longer ones
# (and none at all) are keyed by a digest the domain computes.
MAX_KEY_LENGTH = 1024


@dataclass
class Letter:
    message_id: str
    s3_key: str
    received_at: str
    sender: str
    sender_masked: str
    subject: str
    size: int
    status: str
    reason: str | None = None
    appeal_id: str | None = None
    attachments_kept: int = 0
    attachments_ignored: int = 0


def _letter(item: MailModel) -> Letter:
    return Letter(
        message_id=item.message_id,
        s3_key=item.s3_key,
        received_at=item.received_at,
        sender=item.sender,
        sender_masked=item.sender_masked,
        subject=item.subject or "",
        size=int(item.size or 0),
        status=item.status,
        reason=item.reason,
        appeal_id=item.appeal_id,
        attachments_kept=int(item.attachments_kept or 0),
        attachments_ignored=int(item.attachments_ignored or 0),
    )


def get(message_id: str) -> Letter | None:
    try:
        return _letter(MailModel.get(message_id, consistent_read=True))
    except DoesNotExist:
        return None
    except (GetError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc


def claim(letter: Letter) -> tuple[Letter, bool]:
    """Record ``letter`` as received unless its Message-ID is known: (the record, whether
    this call created it). The one conditional write that makes a letter one appeal."""
    item = MailModel(
        letter.message_id,
        s3_key=letter.s3_key,
        received_at=letter.received_at,
        updated_at=letter.received_at,
        sender=letter.sender,
        sender_masked=letter.sender_masked,
        subject=letter.subject,
        size=letter.size,
        status=RECEIVED,
        appeal_id=letter.appeal_id,
    )
    try:
        item.save(condition=MailModel.message_id.does_not_exist())
        return _letter(item), True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise ServiceUnavailable("the mailbox store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc
    found = get(letter.message_id)
    if found is None:
        raise ServiceUnavailable("the mailbox record vanished")
    return found, False


def finish(
    message_id: str,
    status: str,
    at: str,
    *,
    reason: str | None = None,
    appeal_id: str | None = None,
    kept: int = 0,
    ignored: int = 0,
) -> None:
    """The letter's outcome; a flagged one joins the operators' list."""
    actions: list[Any] = [
        MailModel.status.set(status),
        MailModel.updated_at.set(at),
        MailModel.attachments_kept.set(kept),
        MailModel.attachments_ignored.set(ignored),
    ]
    actions.append(MailModel.reason.set(reason) if reason else MailModel.reason.remove())
    if appeal_id:
        actions.append(MailModel.appeal_id.set(appeal_id))
    elif status == FLAGGED:
        actions.append(MailModel.appeal_id.remove())
    if status == FLAGGED:
        actions.append(MailModel.flagged.set(FLAGGED))
    else:
        actions.append(MailModel.flagged.remove())
    try:
        MailModel(message_id).update(actions=actions, condition=MailModel.message_id.exists())
    except UpdateError as exc:
        raise ServiceUnavailable("the mailbox store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc


def appeals_of(message_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(message id, appeal id) of the known letters among ``message_ids`` that led to an
    appeal or a note: how a reply finds the appeal its thread belongs to."""
    keys = [m for m in dict.fromkeys(message_ids) if m and len(m) <= MAX_KEY_LENGTH][:50]
    if not keys:
        return []
    try:
        found = {i.message_id: i for i in MailModel.batch_get(keys)}
    except (GetError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc
    return [
        (m, str(found[m].appeal_id))
        for m in keys
        if m in found and found[m].status in ("appeal", "note") and found[m].appeal_id
    ]


def page_flagged(limit: int, cursor: str | None) -> tuple[list[Letter], str | None]:
    """Flagged letters, newest first, through the sparse index (never a scan)."""
    items, next_cursor = query_page(
        MailModel,
        MailModel.flagged_list,
        FLAGGED,
        list_name="mail-flagged",
        limit=limit,
        cursor=cursor,
    )
    return [_letter(i) for i in items], next_cursor


def scan_senders(prefix: str) -> Iterator[Letter]:
    """Every letter whose sender key starts with ``prefix``. A scan of the table: for
    one-off maintenance (the owner-key migration), never a request."""
    try:
        for item in MailModel.scan(filter_condition=MailModel.sender.startswith(prefix)):
            yield _letter(item)
    except (ScanError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc


def rekey_sender(message_id: str, old: str, new: str) -> bool:
    """The letter's sender key replaced, if it is still ``old`` (False otherwise)."""
    try:
        MailModel(message_id).update(
            actions=[MailModel.sender.set(new)], condition=MailModel.sender == old
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the mailbox store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the mailbox store is unreachable") from exc
    return True
