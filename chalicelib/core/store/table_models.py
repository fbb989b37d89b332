"""The other tables' PynamoDB models. Imported through ``models.py``."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.appeal_models import ActorMap, AppealModel, CommentModel, _Meta

_S = settings()


class DepartmentModel(Model):
    class Meta(_Meta):
        table_name = _S.departments_table

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="department")  # department, town, street, utility
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class CategoryModel(Model):
    class Meta(_Meta):
        table_name = _S.categories_table

    code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    group = UnicodeAttribute(null=True)
    default_department = UnicodeAttribute(null=True)
    auto_dispatch = BooleanAttribute(default=False)
    keywords = ListAttribute(of=UnicodeAttribute, null=True)
    reply_working_days = MapAttribute[str, Any](null=True)  # per kind overrides
    active = BooleanAttribute(default=True)
    # Consultations in the category are answered with a policy reference (the reply check).
    policy_reference = BooleanAttribute(default=False)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class SettingModel(Model):
    """Platform settings the admin changes at run time (e.g. the loaded calendar years)."""

    class Meta(_Meta):
        table_name = _S.settings_table

    key = UnicodeAttribute(hash_key=True)
    data = MapAttribute[str, Any](null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


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


class StatsModel(Model):
    """Derived data, one table: period counters in write shards
    (``stats#{period}#{scope}#{shard}`` / scope, ``dept#{id}``, ``platform`` or ``intake``),
    marks (``marks#{period}#{scope}#{shard}`` / appeal id), topic counts
    (``hot-topics#{period}`` / word), ranking snapshots (``ranking#{period}`` / board) and
    the stream consumers' dedup markers (``dedup#{consumer}#{sequence}`` / sequence number,
    expiring)."""

    class Meta(_Meta):
        table_name = _S.stats_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = TTLAttribute(null=True)


class IdempotencyModel(Model):
    """The table Powertools idempotency writes to (its default attribute names)."""

    class Meta(_Meta):
        table_name = _S.idempotency_table

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)


class SupportModel(Model):
    """A citizen's 附议 ("me too") on a public appeal, at most one each. Its stream feeds hot
    topics (a supporter counts as a citizen raising the appeal's words); the count per
    appeal is a counter in the stats table, written in the same transaction."""

    class Meta(_Meta):
        table_name = _S.supports_table
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE

    appeal_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()


class ApiKeyModel(Model):
    """An Open311 integrator's API key: only the SHA-256 of the key is kept, so a key is
    shown once, when it is made. ``key_id`` is the key's public part (it names the key in
    the admin's calls and in the appeals it submits)."""

    class Meta(_Meta):
        table_name = _S.api_keys_table

    key_id = UnicodeAttribute(hash_key=True)
    key_hash = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    revoked_at = UnicodeAttribute(null=True)


class RatingLinkTokenIndex(GlobalSecondaryIndex["RatingLinkModel"]):
    """The link a token opens (by the token's SHA-256)."""

    class Meta:
        index_name = "by-token"
        projection = KeysOnlyProjection()

    token_hash = UnicodeAttribute(hash_key=True)


class RatingLinkModel(Model):
    """An SMS rating link (短信回访) for a caller without the app: one per reply notice
    (``id`` is the notice's id, so a redelivered notice sends one SMS). Only the token's
    SHA-256 is kept; the link opens once, until ``expires_at``."""

    class Meta(_Meta):
        table_name = _S.rating_links_table

    id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute()
    appeal_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    sms_message_id = UnicodeAttribute(null=True)
    used_at = UnicodeAttribute(null=True)
    expiration = TTLAttribute(null=True)

    by_token = RatingLinkTokenIndex()


class LimitModel(Model):
    """Abuse limits: how many appeals one owner submitted in one window (``subject`` is the
    owner key, ``window`` e.g. ``60#29400000`` for a minute's bucket); and each signed
    WeChat request's ``(timestamp, nonce)`` (``subject`` ``wechat#{timestamp}#{nonce}``,
    ``window`` ``once``, ``digest`` the request's). Each item expires with its window."""

    class Meta(_Meta):
        table_name = _S.limits_table

    subject = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    n = NumberAttribute(default=0)
    digest = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class FlaggedMailIndex(GlobalSecondaryIndex["MailModel"]):
    """Sparse: letters waiting for an operator (auto-replies, bounces, no text, refused),
    newest first."""

    class Meta:
        index_name = "flagged"
        projection = AllProjection()

    flagged = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class MailModel(Model):
    """A letter to the mayor's mailbox (区长信箱), one per Message-ID (or digest of the raw
    message when it has none): the first write claims it, so a letter delivered twice is
    one appeal. The raw message stays in the inbox bucket under ``s3_key``."""

    class Meta(_Meta):
        table_name = _S.mail_table

    message_id = UnicodeAttribute(hash_key=True)
    s3_key = UnicodeAttribute()
    received_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sender = UnicodeAttribute()  # the owner key of the From address (domain/identities.py)
    sender_masked = UnicodeAttribute()  # z***@example.com, for the operators' list
    subject = UnicodeAttribute(default="")
    size = NumberAttribute(default=0)
    status = UnicodeAttribute()  # received (being handled), appeal, note, flagged
    reason = UnicodeAttribute(null=True)
    appeal_id = UnicodeAttribute(null=True)  # reserved when received; the appeal or noted one
    attachments_kept = NumberAttribute(default=0)
    attachments_ignored = NumberAttribute(default=0)
    flagged = UnicodeAttribute(null=True)  # "flagged" while an operator should look

    flagged_list = FlaggedMailIndex()


class KnowledgeOwnerIndex(GlobalSecondaryIndex["KnowledgeModel"]):
    """Sparse: the current articles of one owner (a department or ``center``), soonest
    review date first (the weekly report lists those past it)."""

    class Meta:
        index_name = "by-owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    review_at = UnicodeAttribute(range_key=True)


class KnowledgeModel(Model):
    """The knowledge base, one table: the current articles (``article`` / id: one
    partition the search index is built from), every version of each
    (``version#{id}`` / zero-padded number, never rewritten), the index's version stamp
    (``stamp`` / ``articles``, bumped in every article write's transaction), helpful
    answers (``helpful`` / id: a count; ``helpful#{id}`` / citizen key: one each)."""

    class Meta(_Meta):
        table_name = _S.knowledge_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner = UnicodeAttribute(null=True)  # current articles only
    review_at = UnicodeAttribute(null=True)  # current articles only

    by_owner = KnowledgeOwnerIndex()


class UsersIndex(GlobalSecondaryIndex["UserModel"]):
    """Sparse: every staff account (``listed`` is ``staff`` on account records only), by
    user name."""

    class Meta:
        index_name = "directory"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class UsersByRoleIndex(GlobalSecondaryIndex["UserModel"]):
    class Meta:
        index_name = "by-role"
        projection = AllProjection()

    role = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class UsersByDepartmentIndex(GlobalSecondaryIndex["UserModel"]):
    class Meta:
        index_name = "by-department"
        projection = AllProjection()

    department_id = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class UserModel(Model):
    """Staff accounts beside the user pool, one table: each account's record (user name /
    ``account``: role, department, contact, enabled, MFA seen, signed out at), every change
    made to it (``history#{username}`` / time and id: who, what, before and after, never
    rewritten), and the guard of the last admin (``#admins`` / ``guard``: the enabled
    admins' user names, changed in the same transaction as each admin's record). Export
    records (``export#{id}`` / ``export``: who asked for which file, when, its state) are
    written by ``chalicelib/exports/store/exports.py`` with attributes of their own, none
    of the indexes' keys."""

    class Meta(_Meta):
        table_name = _S.users_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute(null=True)
    sub = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    department_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    mfa = BooleanAttribute(null=True)
    mfa_checked_at = NumberAttribute(null=True)
    signed_out_at = NumberAttribute(null=True)  # epoch seconds: older tokens are refused
    created_at = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    listed = UnicodeAttribute(null=True)
    # A change: when, by whom, which, and the fields it changed as they were and became
    # (``by``, ``before`` and ``after`` as JSON objects).
    at = UnicodeAttribute(null=True)
    by = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)
    # The guard: the enabled admins.
    admins = UnicodeSetAttribute(null=True)
    rev = NumberAttribute(null=True)  # an account record's revision (each change names it)

    directory = UsersIndex()
    by_role = UsersByRoleIndex()
    by_department = UsersByDepartmentIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    AppealModel,
    CommentModel,
    DepartmentModel,
    CategoryModel,
    SettingModel,
    FollowModel,
    StatsModel,
    IdempotencyModel,
    WebhookModel,
    WebhookHistoryModel,
    DeliveryModel,
    NotificationModel,
    SupportModel,
    ApiKeyModel,
    RatingLinkModel,
    LimitModel,
    MailModel,
    KnowledgeModel,
    UserModel,
)
