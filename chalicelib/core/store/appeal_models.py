"""The appeals table's PynamoDB models (the appeal with its maps and indexes, the leaders'
comments): what nearly every function reads. Imported through ``models.py``."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
)
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.model_meta import TableMeta as _Meta

_S = settings()

# What list views need; projected into the list indexes instead of the whole item (the
# timeline and content stay out, so a transition costs little index write capacity).
SUMMARY_ATTRIBUTES = [
    "state",
    "kind",
    "category",
    "channel",
    "title",
    "is_public",
    "department_id",
    "deadlines",
    "overdue",
    "escalation",
    "updated_at",
    "state_at",
    "created_at",
    "citizen_id",
]


def _summary(*index_keys: str) -> IncludeProjection:
    """The summary attributes an index does not already carry as its own keys."""
    return IncludeProjection([a for a in SUMMARY_ATTRIBUTES if a not in index_keys])


class LocationMap(MapAttribute[str, Any]):
    lat = NumberAttribute()
    lng = NumberAttribute()
    address = UnicodeAttribute(null=True)


class ContactMap(MapAttribute[str, Any]):
    name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)


class ActorMap(MapAttribute[str, Any]):
    role = UnicodeAttribute()
    id = UnicodeAttribute()


class EventMap(MapAttribute[str, Any]):
    type = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = ActorMap()
    note = UnicodeAttribute(null=True)
    data = MapAttribute[str, Any](null=True)


class DeadlinesMap(MapAttribute[str, Any]):
    sign_due = UnicodeAttribute(null=True)
    contact_due = UnicodeAttribute(null=True)
    reply_due = UnicodeAttribute(null=True)
    decision_due = UnicodeAttribute(null=True)  # returned: the center decides the dispute


class CitizenIndex(GlobalSecondaryIndex["AppealModel"]):
    """A citizen's appeals, newest first."""

    class Meta:
        index_name = "by-citizen"
        projection = _summary("citizen_id", "created_at")

    citizen_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DepartmentStateIndex(GlobalSecondaryIndex["AppealModel"]):
    """A department's work orders in one state (``{department_id}#{state}``)."""

    class Meta:
        index_name = "by-department-state"
        projection = _summary("dept_state", "created_at")

    dept_state = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DepartmentIndex(GlobalSecondaryIndex["AppealModel"]):
    """A department's work orders in any state, newest first."""

    class Meta:
        index_name = "by-department"
        projection = _summary("department_id", "created_at")

    department_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DepartmentChangesIndex(GlobalSecondaryIndex["AppealModel"]):
    """A department's work orders by when they last changed: its system catches up with
    what changed since a time (the signed reads)."""

    class Meta:
        index_name = "by-department-changes"
        projection = IncludeProjection(
            [a for a in SUMMARY_ATTRIBUTES if a not in ("department_id", "updated_at")]
            + ["version"]
        )

    department_id = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class StateIndex(GlobalSecondaryIndex["AppealModel"]):
    """Appeals in one state, by when they entered it (the center's queues, auto-close)."""

    class Meta:
        index_name = "by-state"
        projection = _summary("state", "state_at")

    state = UnicodeAttribute(hash_key=True)
    state_at = UnicodeAttribute(range_key=True)


class MonthIndex(GlobalSecondaryIndex["AppealModel"]):
    """Every appeal by month of submission: the operator's unfiltered list."""

    class Meta:
        index_name = "by-month"
        projection = _summary("created_month", "created_at")

    created_month = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class SupervisionIndex(GlobalSecondaryIndex["AppealModel"]):
    """Sparse: open work orders that are escalated or overdue (the leaders' list)."""

    class Meta:
        index_name = "supervision"
        projection = _summary("supervision", "updated_at")

    supervision = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["AppealModel"]):
    """Sparse and sharded: only work orders with an open deadline carry ``due_shard``, so
    the SLA sweep reads what is due and never the closed bulk of the table. It projects the
    whole item: the sweep writes from what it read, one item read per due work order."""

    class Meta:
        index_name = "by-next-due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    next_due = UnicodeAttribute(range_key=True)


class PublicFeedIndex(GlobalSecondaryIndex["AppealModel"]):
    """Sparse: public appeals the center has vetted, partitioned by month of submission."""

    class Meta:
        index_name = "public-feed"
        projection = _summary("feed_month", "created_at")

    feed_month = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class AppealModel(Model):
    class Meta(_Meta):
        table_name = _S.appeals_table
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE

    id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    kind = UnicodeAttribute()
    channel = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    content = UnicodeAttribute()
    citizen_id = UnicodeAttribute()
    location = LocationMap(null=True)
    contact = ContactMap(null=True)
    is_public = BooleanAttribute(default=False)
    media = ListAttribute(of=UnicodeAttribute, null=True)
    department_id = UnicodeAttribute(null=True)
    co_department_ids = ListAttribute(of=UnicodeAttribute, null=True)
    deadlines = DeadlinesMap(null=True)
    overdue = ListAttribute(of=UnicodeAttribute, null=True)
    escalation = MapAttribute[str, Any](null=True)
    rating = MapAttribute[str, Any](null=True)
    timeline = ListAttribute(of=EventMap)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    state_at = UnicodeAttribute()
    extension = MapAttribute[str, Any](null=True)
    reply = MapAttribute[str, Any](null=True)
    merged_into = UnicodeAttribute(null=True)
    rounds = NumberAttribute(default=0)
    warned = ListAttribute(of=UnicodeAttribute, null=True)
    comments = NumberAttribute(default=0)  # how many CommentModel items the appeal has
    request_keys = MapAttribute[str, Any](null=True)  # Idempotency-Keys applied inline
    version = VersionAttribute()

    # Index keys, derived from the fields above on every write (dal/appeals.py).
    dept_state = UnicodeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    next_due = UnicodeAttribute(null=True)
    feed_month = UnicodeAttribute(null=True)
    created_month = UnicodeAttribute()
    supervision = UnicodeAttribute(null=True)

    by_citizen = CitizenIndex()
    by_department = DepartmentIndex()
    by_department_changes = DepartmentChangesIndex()
    by_state = StateIndex()
    by_month = MonthIndex()
    supervision_list = SupervisionIndex()
    by_department_state = DepartmentStateIndex()
    by_next_due = DueIndex()
    public_feed = PublicFeedIndex()


class CommentModel(Model):
    """A leader's instruction (点评批示) on an appeal, numbered from 1 in order. Kept apart
    from the appeal's timeline so the appeal item stays small however many there are;
    written in the same transaction as the appeal's new version."""

    class Meta(_Meta):
        table_name = _S.comments_table

    appeal_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    actor = ActorMap()
    text = UnicodeAttribute()
