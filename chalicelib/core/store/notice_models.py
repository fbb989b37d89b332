"""The notification tables' PynamoDB models (follows, webhooks and their history,
deliveries, notifications): what the notification functions read and write. Imported
through ``models.py``."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.appeal_models import ActorMap
from chalicelib.core.store.model_meta import TableMeta as _Meta

_S = settings()


class FollowersIndex(GlobalSecondaryIndex["FollowModel"]):
    """Who follows an appeal: the leaders its notifications go to."""

    class Meta:
        index_name = "by-appeal"
        projection = KeysOnlyProjection()

    appeal_id = UnicodeAttribute(hash_key=True)
    leader_id = UnicodeAttribute(range_key=True)


class FollowModel(Model):
    """A leader following an appeal (跟踪关注)."""

    class Meta(_Meta):
        table_name = _S.follows_table

    leader_id = UnicodeAttribute(hash_key=True)
    appeal_id = UnicodeAttribute(range_key=True)
    followed_at = UnicodeAttribute()

    followers = FollowersIndex()


class WebhookModel(Model):
    """A department system's registration: where its work orders are POSTed. The signing
    secrets live in Secrets Manager, never here."""

    class Meta(_Meta):
        table_name = _S.webhooks_table

    department_id = UnicodeAttribute(hash_key=True)
    url = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=False)
    # When the secret that is no longer current stops verifying (a rotation's overlap).
    previous_secret_until = UnicodeAttribute(null=True)
    secret_issued_at = UnicodeAttribute(null=True)
    # Whether the system at ``url`` answered the platform's challenge (it holds the secret):
    # False from each change of the URL until then; absent on registrations made before
    # the challenge existed (they count as verified).
    url_verified = BooleanAttribute(null=True)
    verified_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class WebhookHistoryModel(Model):
    """Every change of a department's webhook registration, newest last (``id`` sorts by
    time): who made it, when, and what the URL and the enabled flag were before and after;
    rotations and revocations of its secret. Written in the change's own transaction, kept
    as long as the table."""

    class Meta(_Meta):
        table_name = _S.webhook_history_table

    department_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # ``{at}#{random}``
    action = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = ActorMap()
    username = UnicodeAttribute(null=True)
    old_url = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    old_enabled = BooleanAttribute(null=True)
    enabled = BooleanAttribute(null=True)


class DepartmentDeliveriesIndex(GlobalSecondaryIndex["DeliveryModel"]):
    class Meta:
        index_name = "by-department"
        projection = AllProjection()

    department_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class StatusDeliveriesIndex(GlobalSecondaryIndex["DeliveryModel"]):
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DeliveryModel(Model):
    """One webhook message to a department and every attempt to deliver it, kept 90 days.
    ``message`` is the queue message itself (no personal data: the work order is read at
    delivery time), so a delivery can be sent again from here."""

    class Meta(_Meta):
        table_name = _S.deliveries_table

    id = UnicodeAttribute(hash_key=True)
    department_id = UnicodeAttribute()
    type = UnicodeAttribute()
    appeal_id = UnicodeAttribute(null=True)  # none for a notice about the webhook itself
    status = UnicodeAttribute()  # pending, retrying, delivered, dead
    message = UnicodeAttribute()
    attempts = ListAttribute(of=MapAttribute, default=list)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = TTLAttribute()

    for_department = DepartmentDeliveriesIndex()
    with_status = StatusDeliveriesIndex()


class NotificationModel(Model):
    """What the mobile app shows a user (what a push service would deliver), newest first:
    ``id`` sorts by time."""

    class Meta(_Meta):
        table_name = _S.notifications_table

    user_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    appeal_id = UnicodeAttribute(null=True)  # none for a change of a department's webhook
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
