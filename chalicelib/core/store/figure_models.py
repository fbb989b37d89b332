"""The figures' PynamoDB models (the statistics counters, the supports): what the
statistics consumers and the rankings read and write. Imported through ``models.py``."""

from __future__ import annotations

from pynamodb.attributes import (
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.models import Model

from chalicelib.core.config import settings
from chalicelib.core.store.model_meta import TableMeta as _Meta

_S = settings()


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
