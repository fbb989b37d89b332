"""The appeals repository: domain objects in, domain objects out, DynamoDB errors turned
into domain errors. The index keys are derived here, on every write, from the fields."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBConnectionError,
    QueryError,
    ScanError,
)

from chalicelib.core.config import settings
from chalicelib.core.domain.appeal import (
    PUBLIC_STATES,
    TERMINAL_STATES,
    Appeal,
    Channel,
    Event,
    Kind,
    State,
)
from chalicelib.core.domain.records import frozen
from chalicelib.core.domain.sla import next_open_deadline
from chalicelib.core.errors import Conflict, DomainError, ServiceUnavailable, ValidationFailed
from chalicelib.core.store.cursors import decode_cursor, encode_cursor
from chalicelib.core.store.models import (
    ActorMap,
    AppealModel,
    CommentModel,
    ContactMap,
    DeadlinesMap,
    EventMap,
    LocationMap,
)

# Event types the store keeps as their own items, not in the appeal's timeline: leaders'
# instructions can be long and without number, and the appeal item must stay far below
# DynamoDB's 400 KB. An appeal read from the store has none of them in its timeline, so a
# comment event in a timeline being saved is a new one.
KEPT_APART = frozenset({"commented"})


class AppealIdTaken(Conflict):
    """The generated id exists already (retry with another)."""


def _shard(appeal_id: str) -> str:
    return str(zlib.crc32(appeal_id.encode()) % settings().due_index_shards)


def _to_model(appeal: Appeal) -> AppealModel:
    item = AppealModel(
        appeal.id,
        state=appeal.state.value,
        kind=appeal.kind.value,
        channel=appeal.channel.value,
        category=appeal.category,
        title=appeal.title,
        content=appeal.content,
        citizen_id=appeal.citizen_id,
        is_public=appeal.is_public,
        media=list(appeal.media) or None,
        department_id=appeal.department_id,
        co_department_ids=list(appeal.co_department_ids) or None,
        deadlines=DeadlinesMap(**appeal.deadlines) if appeal.deadlines else None,
        overdue=list(appeal.overdue) or None,
        escalation=appeal.escalation,
        rating=appeal.rating,
        timeline=[
            EventMap(type=e.type, at=e.at, actor=e.actor, note=e.note, data=e.data or None)
            for e in appeal.timeline
            if e.type not in KEPT_APART
        ],
        created_at=appeal.created_at,
        updated_at=appeal.updated_at,
        state_at=appeal.state_at,
        extension=appeal.extension,
        reply=appeal.reply,
        merged_into=appeal.merged_into,
        rounds=appeal.rounds,
        warned=list(appeal.warned) or None,
        comments=appeal.comments,
        request_keys=dict(appeal.request_keys) or None,
    )
    if appeal.location:
        item.location = LocationMap(**appeal.location)
    if appeal.contact:
        item.contact = ContactMap(**appeal.contact)
    if appeal.version:
        item.version = appeal.version
    _derive_keys(item, appeal)
    return item


def _derive_keys(item: AppealModel, appeal: Appeal) -> None:
    item.dept_state = (
        f"{appeal.department_id}#{appeal.state.value}" if appeal.department_id else None
    )
    due = next_open_deadline(appeal)
    item.due_shard = _shard(appeal.id) if due else None
    item.next_due = due[1] if due else None
    visible = appeal.publishable and appeal.state in PUBLIC_STATES
    item.feed_month = appeal.created_at[:7] if visible else None
    item.created_month = appeal.created_at[:7]
    # Leaders watch what is escalated or overdue, and every open deputy's appeal.
    flagged = appeal.escalation or appeal.overdue or appeal.channel is Channel.DEPUTY
    watched = appeal.state not in TERMINAL_STATES and flagged
    item.supervision = "open" if watched else None


def _plain(value: Any) -> Any:
    """PynamoDB maps and lists to plain Python."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    return value


def _from_model(item: AppealModel) -> Appeal:
    return Appeal(
        id=item.id,
        state=State(item.state),
        kind=Kind(item.kind),
        channel=Channel(item.channel),
        title=item.title,
        content=item.content or "",
        citizen_id=item.citizen_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        category=item.category,
        location=_plain(item.location) if item.location else None,
        contact=_plain(item.contact) if item.contact else None,
        is_public=bool(item.is_public),
        media=list(item.media or []),
        department_id=item.department_id,
        co_department_ids=list(item.co_department_ids or []),
        deadlines={k: v for k, v in _plain(item.deadlines or {}).items() if v},
        overdue=list(item.overdue or []),
        escalation=_plain(item.escalation) if item.escalation else None,
        rating=_plain(item.rating) if item.rating else None,
        timeline=[
            Event(
                type=e.type,
                at=e.at,
                actor=_plain(e.actor),
                note=e.note,
                data=_plain(e.data) if e.data else {},
            )
            for e in (item.timeline or [])
        ],
        version=int(item.version or 0),
        state_at=item.state_at or item.created_at,
        extension=_plain(item.extension) if item.extension else None,
        reply=_plain(item.reply) if item.reply else None,
        merged_into=item.merged_into,
        rounds=int(item.rounds or 0),
        warned=list(item.warned or []),
        comments=int(item.comments or 0),
        request_keys={str(k): str(v) for k, v in _plain(item.request_keys or {}).items()},
    )


def create(appeal: Appeal) -> Appeal:
    """Store a new appeal; the id must be new (AppealIdTaken otherwise)."""
    item = _to_model(appeal)
    try:
        item.save(condition=AppealModel.id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise AppealIdTaken(f"appeal id {appeal.id} exists") from exc
        raise ServiceUnavailable("the appeal store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return _from_model(item)


def get(appeal_id: str) -> Appeal | None:
    """A strongly consistent read: what follows is often a write conditional on the version
    read, or an answer to the caller who just wrote."""
    try:
        return _from_model(AppealModel.get(appeal_id, consistent_read=True))
    except DoesNotExist:
        return None
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc


def list_by_owners(
    owners: Sequence[str], limit: int, cursor: str | None
) -> tuple[list[Appeal], str | None]:
    """The appeals of every owner key a citizen holds (their own id, the ``tel:`` key of
    their verified phone), merged newest first. With one key this is ``list_by_citizen``;
    with more, each partition is read from the cursor's time down, ``limit + 1`` items at
    most each, so a page costs at most that many reads per key."""
    if len(owners) == 1:
        return list_by_citizen(owners[0], limit, cursor)
    bound = {"owners": ",".join(owners)}
    after: tuple[str, str] | None = None  # (created_at, id) of the last item shown
    if cursor:
        key = decode_cursor(cursor, bound)
        if set(key) != {"owners", "created_at", "id"}:
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
        after = (key["created_at"], key["id"])
    found: list[Appeal] = []
    try:
        for owner in owners:
            condition = AppealModel.created_at <= after[0] if after else None
            results = AppealModel.by_citizen.query(
                owner, condition, scan_index_forward=False, limit=limit + 2
            )
            found.extend(_summary_from_model(i) for i in results)
    except QueryError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    found = [a for a in found if after is None or (a.created_at, a.id) < after]
    found.sort(key=lambda a: (a.created_at, a.id), reverse=True)
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    last = page[-1]
    return page, encode_cursor({**bound, "created_at": last.created_at, "id": last.id})


def list_by_citizen(
    citizen_id: str, limit: int, cursor: str | None
) -> tuple[list[Appeal], str | None]:
    """Newest first. Reads ``limit + 1`` items to know whether another page exists."""
    start = None
    if cursor:
        key = decode_cursor(cursor, {"citizen_id": citizen_id})
        if set(key) != {"id", "citizen_id", "created_at"}:
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
        start = {name: {"S": value} for name, value in key.items()}
    try:
        results = AppealModel.by_citizen.query(
            citizen_id,
            scan_index_forward=False,
            limit=limit + 1,
            last_evaluated_key=start,
        )
        items = [_summary_from_model(i) for i in results]
    except QueryError as exc:
        if "ValidationException" in str(exc.cause_response_code):
            raise ValidationFailed.one("cursor", "is not a cursor this list issued") from exc
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(
            {"id": last.id, "citizen_id": citizen_id, "created_at": last.created_at}
        )
    return items, next_cursor


def _summary_from_model(item: AppealModel) -> Appeal:
    """An index item carries the summary attributes only; content and timeline stay empty."""
    item.content = item.content or ""
    item.timeline = item.timeline or []
    return _from_model(item)


def due_by(moment: str) -> list[Appeal]:
    """Work orders with a sweep action due at or before ``moment``: one query per shard of
    the sparse index, so the cost follows the number due, not the table."""
    found: list[Appeal] = []
    try:
        for shard in range(settings().due_index_shards):
            query = AppealModel.by_next_due.query(str(shard), AppealModel.next_due <= moment)
            found += [_from_model(item) for item in query]
    except QueryError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return found


@frozen
class Alongside:
    """An update of another table's item that must happen with the appeal's write, or not
    at all (an SMS rating link used by the rating it gives): ``item`` names it (a model
    with its key), ``actions`` and ``condition`` as for ``Model.update``. When its
    condition fails, the appeal is not written and ``refused`` is raised."""

    item: Any
    actions: list[Any]
    condition: Any
    refused: DomainError


def save_transition(after: Appeal, alongside: Sequence[Alongside] = ()) -> Appeal:
    """Write the appeal as ``after`` says, if nobody else wrote it since it was read at
    ``after.version``: one conditional PutItem, or, with a new comment or a write
    ``alongside``, one transaction that also makes those. The loser of a race gets
    Conflict with the current state."""
    apart = [e for e in after.timeline if e.type in KEPT_APART]
    if apart or alongside:
        return _save_in_transaction(after, apart, alongside)
    item = _to_model(after)
    try:
        item.save()
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise _changed_meanwhile(after.id) from exc
        raise ServiceUnavailable("the appeal store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return _from_model(item)


def _changed_meanwhile(appeal_id: str) -> Conflict:
    current = get(appeal_id)
    return Conflict(
        "the appeal was changed by someone else meanwhile",
        state=current.state.value if current else None,
        version=current.version if current else None,
    )


def _save_in_transaction(
    after: Appeal, comments: list[Event], alongside: Sequence[Alongside]
) -> Appeal:
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    item = _to_model(after)
    connection = AppealModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            for event in comments:
                comment = CommentModel(
                    after.id,
                    int(event.data["seq"]),
                    at=event.at,
                    actor=ActorMap(**event.actor),
                    text=event.note or "",
                )
                transaction.save(comment, condition=CommentModel.seq.does_not_exist())
            transaction.save(item)
            for write in alongside:
                transaction.update(write.item, actions=write.actions, condition=write.condition)
    except TransactWriteError as exc:
        # DynamoDB answers a reason per item, in the order PynamoDB sends them: the puts
        # (the comments, then the appeal), then the updates (``alongside``).
        reasons = exc.cancellation_reasons or []
        others = reasons[len(comments) + 1 :]
        for write, reason in zip(alongside, others, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                raise write.refused from exc
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
            raise _changed_meanwhile(after.id) from exc
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            raise Conflict("the appeal is being changed by someone else: try again") from exc
        raise ServiceUnavailable("the appeal store did not accept the write") from exc
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return _from_model(item)


def _comment_event(item: CommentModel) -> Event:
    return Event(
        type="commented",
        at=item.at,
        actor=_plain(item.actor),
        note=item.text,
        data={"seq": int(item.seq)},
    )


def latest_comments(appeal_id: str, limit: int) -> list[Event]:
    """The appeal's last ``limit`` comments, oldest first (one query)."""
    try:
        found = CommentModel.query(appeal_id, scan_index_forward=False, limit=limit)
        return [_comment_event(item) for item in found][::-1]
    except QueryError as exc:
        raise ServiceUnavailable("the comment store is unreachable") from exc


def list_comments(appeal_id: str, limit: int, cursor: str | None) -> tuple[list[Event], str | None]:
    """One page of the appeal's comments, oldest first; the cursor is bound to the appeal."""
    start = None
    if cursor:
        key = decode_cursor(cursor, {"appeal_id": appeal_id})
        seq = key.get("seq")
        if set(key) != {"appeal_id", "seq"} or not str(seq).isdigit():
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
        start = {"appeal_id": {"S": appeal_id}, "seq": {"N": str(seq)}}
    try:
        results = CommentModel.query(appeal_id, limit=limit, last_evaluated_key=start)
        events = [_comment_event(item) for item in results]
        last = results.last_evaluated_key
    except QueryError as exc:
        raise ServiceUnavailable("the comment store is unreachable") from exc
    next_cursor = None
    if last and len(events) >= limit:
        next_cursor = encode_cursor({"appeal_id": appeal_id, "seq": str(events[-1].data["seq"])})
    return events, next_cursor


def batch_get(ids: list[str], *, consistent: bool = False) -> list[Appeal]:
    """The appeals with these ids that exist, in the order asked (``consistent``: strongly
    consistent reads, as ``get``)."""
    try:
        found = {
            item.id: _from_model(item)
            for item in AppealModel.batch_get(ids, consistent_read=consistent)
        }
    except PynamoDBConnectionError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return [found[i] for i in ids if i in found]


def submitted_between(since: str, until: str, limit: int) -> list[Appeal]:
    """The appeals submitted from ``since`` to ``until`` (ISO times), newest first, at
    most ``limit`` of them, whole: one query per month partition of the month index (newest
    month first, stopping once ``limit`` are found) and one batch read. Never a scan."""
    months: list[str] = []
    month = until[:7]
    while month >= since[:7]:
        months.append(month)
        year, number = int(month[:4]), int(month[5:7])
        month = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
    ids: list[str] = []
    try:
        for month in months:
            if len(ids) >= limit:
                break
            query = AppealModel.by_month.query(
                month,
                AppealModel.created_at.between(since, until),
                scan_index_forward=False,
                limit=limit - len(ids),
                page_size=limit - len(ids),
            )
            ids += [item.id for item in query]
    except QueryError as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    return batch_get(ids[:limit]) if ids else []


def submitted_pages(
    since: str, until: str, page_size: int, keep: Callable[[Appeal], bool] | None = None
) -> Iterator[list[Appeal]]:
    """The appeals submitted from ``since`` to ``until`` (ISO times, both included), oldest
    first, a page at a time and whole: each page is one query of a month partition of the
    month index (its summaries passed through ``keep``) and one batch read of those kept.
    Never a scan, and never more than one page in memory (an export of a month)."""
    months: list[str] = []
    month = since[:7]
    while month <= until[:7]:
        months.append(month)
        year, number = int(month[:4]), int(month[5:7])
        month = f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
    for month in months:
        start: dict[str, Any] | None = None
        while True:
            try:
                pages = AppealModel.by_month.query(
                    month,
                    AppealModel.created_at.between(since, until),
                    scan_index_forward=True,
                    page_size=page_size,
                    last_evaluated_key=start,
                ).page_iter
                page = next(pages)
            except StopIteration:
                break
            except QueryError as exc:
                raise ServiceUnavailable("the appeal store is unreachable") from exc
            start = page.get("LastEvaluatedKey")
            summaries = [
                _summary_from_model(AppealModel.from_raw_data(raw)) for raw in page.get("Items", [])
            ]
            ids = [a.id for a in summaries if keep is None or keep(a)]
            if ids:
                yield batch_get(ids)
            if not start:
                break


INDEXES: dict[str, Any] = {
    "by-citizen": AppealModel.by_citizen,
    "by-department-state": AppealModel.by_department_state,
    "by-department": AppealModel.by_department,
    "by-department-changes": AppealModel.by_department_changes,
    "by-state": AppealModel.by_state,
    "by-month": AppealModel.by_month,
    "supervision": AppealModel.supervision_list,
    "public-feed": AppealModel.public_feed,
}


FILTERED_READ_FACTOR = 5
"""A filtered list request reads at most this many times ``limit`` index items (500 at the
largest page of 100), however few of them match: its cost is bounded, not the partition's."""


def query_index(
    index_name: str,
    hash_value: str,
    *,
    limit: int,
    cursor: str | None,
    range_condition: Any = None,
    filter_condition: Any = None,
    newest_first: bool = True,
) -> tuple[list[Appeal], str | None]:
    """One page of an index partition (never a scan). Without a filter a page reads
    ``limit`` items; with one it reads at most ``FILTERED_READ_FACTOR * limit`` items and
    may hold fewer than ``limit`` matches, even none, with a cursor to go on. No cursor
    means the partition is exhausted. The cursor is bound to the index and partition it
    came from."""
    index = INDEXES[index_name]
    hash_name = index._hash_key_attribute().attr_name
    start = None
    if cursor:
        key = decode_cursor(cursor, {"~index": index_name, hash_name: hash_value})
        start = {k: {"S": v} for k, v in key.items() if k != "~index"}
    budget = limit if filter_condition is None else limit * FILTERED_READ_FACTOR
    read = 0
    matched: list[dict[str, Any]] = []
    key_names: list[str] = []
    try:
        while True:
            # One Query per pass, its Limit the items still allowed; a pass ends early only
            # when DynamoDB's 1 MB page size cuts it.
            pages = index.query(
                hash_value,
                range_key_condition=range_condition,
                filter_condition=filter_condition,
                scan_index_forward=not newest_first,
                page_size=budget - read,
                last_evaluated_key=start,
            ).page_iter
            page = next(pages)
            read += int(page.get("ScannedCount", 0))
            matched += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            key_names = list(pages.key_names)
            if start is None or len(matched) >= limit or read >= budget:
                break
    except QueryError as exc:
        if cursor and "ValidationException" in str(exc.cause_response_code):
            raise ValidationFailed.one("cursor", "is not a cursor this list issued") from exc
        raise ServiceUnavailable("the appeal store is unreachable") from exc
    if len(matched) > limit:
        matched = matched[:limit]
        start = {name: matched[-1][name] for name in key_names}
    items = [_summary_from_model(AppealModel.from_raw_data(raw)) for raw in matched]
    next_cursor = None
    if start:
        plain = {k: v["S"] for k, v in start.items()}
        next_cursor = encode_cursor({"~index": index_name, **plain})
    return items, next_cursor


def changed_for_department(
    department_id: str, since: str | None, limit: int, cursor: str | None
) -> tuple[list[Appeal], str | None]:
    """The department's work orders (as lead) changed at or after ``since`` (an ISO time
    in the store's own form), oldest change first, a page at a time."""
    condition = AppealModel.updated_at >= since if since else None
    return query_index(
        "by-department-changes",
        department_id,
        limit=limit,
        cursor=cursor,
        range_condition=condition,
        newest_first=False,
    )


def save_merge(after: Appeal, into: str) -> Appeal:
    """Write the merged appeal and check, in the same transaction, that the appeal it is
    merged into exists and is neither rejected nor merged itself (no extra read)."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    item = _to_model(after)
    connection = AppealModel._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            transaction.condition_check(
                AppealModel,
                into,
                condition=AppealModel.id.exists()
                & AppealModel.state.is_in(*(s.value for s in State if s not in _UNMERGEABLE)),
            )
            transaction.save(item)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise ValidationFailed.one("into", "is not an appeal that can take a merge") from exc
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            raise Conflict("the appeal or its merge target is being changed: try again") from exc
        if len(reasons) > 1 and reasons[1] is not None:
            raise _changed_meanwhile(after.id) from exc
        raise ServiceUnavailable("the appeal store did not accept the write") from exc
    return _from_model(item)


_UNMERGEABLE = frozenset({State.REJECTED, State.MERGED})


def scan_by_owner_prefix(prefixes: Sequence[str]) -> Iterator[Appeal]:
    """Every appeal whose owner key starts with one of ``prefixes``, read whole. A scan of
    the table: for one-off maintenance (``infra/migrate_owner_keys.py``), never a request."""
    condition: Any = None
    for prefix in prefixes:
        starts = AppealModel.citizen_id.startswith(prefix)
        condition = starts if condition is None else condition | starts
    try:
        for item in AppealModel.scan(filter_condition=condition, consistent_read=True):
            yield _from_model(item)
    except (ScanError, PynamoDBConnectionError) as exc:
        raise ServiceUnavailable("the appeal store is unreachable") from exc
