"""The other tables' PynamoDB models (accounts and their keys, rating links, limits,
idempotency, the mailbox, the knowledge base). Imported through ``models.py``."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.model_meta import TableMeta as _Meta

_S = settings()


class IdempotencyModel(Model):
    """The table Powertools idempotency writes to (its default attribute names)."""

    class Meta(_Meta):
        table_name = _S.idempotency_table

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)


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
