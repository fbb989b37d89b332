"""The local stack's translation of AWS behaviour: stream records, schedules, discovery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.local.pump import lambda_record, subscriptions, table_of
from chalicelib.local.scheduler import cron_matches, schedules


def test_stream_record_gets_source_arn_and_epoch_seconds() -> None:
    raw = {
        "eventID": "1",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
            "Keys": {"id": {"S": "a"}},
            "SequenceNumber": "100",
        },
    }
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026"
    record = lambda_record(raw, arn)
    assert record["eventSourceARN"] == arn
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1795654800
    assert table_of(arn) == "t"


def test_handlers_and_schedules_are_discovered_from_the_app() -> None:
    from app import app

    assert [(s.name, s.batch_size) for s in subscriptions(app)] == [
        ("appeal_activity", 100),
        ("appeal_routing", 25),
        ("appeal_statistics", 100),
        ("appeal_topics", 50),
    ]
    assert [(s.name, s.rate_seconds) for s in schedules(app)] == [
        ("sla_sweep", 60.0),
        ("auto_close", 3600.0),
        ("rankings_refresh", 900.0),
    ]


@pytest.mark.parametrize(
    ("expression", "moment", "fires"),
    [
        # 08:00 Asia/Shanghai daily is 00:00 UTC
        ("cron(0 0 * * ? *)", datetime(2026, 11, 26, 0, 0, tzinfo=UTC), True),
        ("cron(0 0 * * ? *)", datetime(2026, 11, 26, 0, 1, tzinfo=UTC), False),
        # Monday 08:00 Shanghai: Monday 00:00 UTC (2026-11-30 is a Monday)
        ("cron(0 0 ? * MON *)", datetime(2026, 11, 30, 0, 0, tzinfo=UTC), True),
        ("cron(0 0 ? * MON *)", datetime(2026, 11, 29, 0, 0, tzinfo=UTC), False),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 26, 3, 45, tzinfo=UTC), True),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 26, 3, 50, tzinfo=UTC), False),
        ("cron(30 1-3 ? * 2-6 *)", datetime(2026, 11, 27, 2, 30, tzinfo=UTC), True),
    ],
)
def test_cron_matches_like_eventbridge(expression: str, moment: datetime, fires: bool) -> None:
    assert cron_matches(expression, moment) is fires
