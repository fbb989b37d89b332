"""Every table's PynamoDB model, in the order the local stack creates the tables and
``infra/`` declares them. Imported through ``models.py`` (it imports every table group)."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.core.store.appeal_models import AppealModel, CommentModel
from chalicelib.core.store.figure_models import StatsModel, SupportModel
from chalicelib.core.store.notice_models import (
    DeliveryModel,
    FollowModel,
    NotificationModel,
    WebhookHistoryModel,
    WebhookModel,
)
from chalicelib.core.store.reference_models import CategoryModel, DepartmentModel, SettingModel
from chalicelib.core.store.table_models import (
    ApiKeyModel,
    IdempotencyModel,
    KnowledgeModel,
    LimitModel,
    MailModel,
    RatingLinkModel,
    UserModel,
)

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
