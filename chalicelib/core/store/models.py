"""PynamoDB models: the one definition of every table.

The local stack, the tests and ``infra/`` all create tables from these classes (see
``infra/schema.py``). They are defined by table group: ``appeal_models.py`` (the appeals
table, which nearly every function reads), ``reference_models.py`` (departments,
categories, settings), ``notice_models.py`` (follows, webhooks, deliveries,
notifications), ``figure_models.py`` (statistics, supports) and ``table_models.py`` (the
rest), with ``ALL_MODELS`` in ``all_models.py``; each is imported when one of its names is
first asked for here, so a function builds only the classes of the tables it reads in its
cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time, __getattr__ below
    from chalicelib.core.store.all_models import ALL_MODELS as ALL_MODELS
    from chalicelib.core.store.appeal_models import *  # noqa: F403
    from chalicelib.core.store.figure_models import *  # noqa: F403
    from chalicelib.core.store.notice_models import *  # noqa: F403
    from chalicelib.core.store.reference_models import *  # noqa: F403
    from chalicelib.core.store.table_models import *  # noqa: F403

_HOMES = {
    **dict.fromkeys(
        (
            "_Meta",
            "LocationMap",
            "ContactMap",
            "ActorMap",
            "EventMap",
            "DeadlinesMap",
            "CitizenIndex",
            "DepartmentStateIndex",
            "DepartmentIndex",
            "DepartmentChangesIndex",
            "StateIndex",
            "MonthIndex",
            "SupervisionIndex",
            "DueIndex",
            "PublicFeedIndex",
            "AppealModel",
            "CommentModel",
            "SUMMARY_ATTRIBUTES",
        ),
        "appeal_models",
    ),
    **dict.fromkeys(
        (
            "IdempotencyModel",
            "ApiKeyModel",
            "RatingLinkTokenIndex",
            "RatingLinkModel",
            "LimitModel",
            "FlaggedMailIndex",
            "MailModel",
            "KnowledgeOwnerIndex",
            "KnowledgeModel",
            "UsersIndex",
            "UsersByRoleIndex",
            "UsersByDepartmentIndex",
            "UserModel",
        ),
        "table_models",
    ),
    "ALL_MODELS": "all_models",
    **dict.fromkeys(
        (
            "DepartmentModel",
            "CategoryModel",
            "SettingModel",
        ),
        "reference_models",
    ),
    **dict.fromkeys(
        (
            "FollowersIndex",
            "FollowModel",
            "WebhookModel",
            "WebhookHistoryModel",
            "DepartmentDeliveriesIndex",
            "StatusDeliveriesIndex",
            "DeliveryModel",
            "NotificationModel",
        ),
        "notice_models",
    ),
    **dict.fromkeys(
        (
            "StatsModel",
            "SupportModel",
        ),
        "figure_models",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"chalicelib.core.store.{home}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_HOMES)
