"""PynamoDB models: the one definition of every table.

The local stack, the tests and ``infra/`` all create tables from these classes (see
``infra/schema.py``). They are defined in ``appeal_models.py`` (the appeals table, which
nearly every function reads) and ``table_models.py`` (the other tables) and imported from
here: each of the two when one of its names is first asked for, so a function that reads
appeals alone does not build the other tables' classes in its cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

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
            "DepartmentModel",
            "CategoryModel",
            "SettingModel",
            "FollowersIndex",
            "FollowModel",
            "WebhookModel",
            "WebhookHistoryModel",
            "DepartmentDeliveriesIndex",
            "StatusDeliveriesIndex",
            "DeliveryModel",
            "NotificationModel",
            "StatsModel",
            "IdempotencyModel",
            "SupportModel",
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
            "ALL_MODELS",
        ),
        "table_models",
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
