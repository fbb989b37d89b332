"""The stream and schedule handlers, invoked as Lambda would, on real moto stream records."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from chalicelib.core.config import settings
from chalicelib.local.pump import lambda_record
from tests.integration.conftest import Stack, body
from tests.integration.test_intake_api import APPEAL, post


def stream_records(table: str | None = None) -> list[dict[str, Any]]:
    """Every record on a table's stream (the appeals table's by default), shaped as Lambda
    delivers them."""
    cfg = Config(account_id_endpoint_mode="disabled")
    ddb = boto3.client("dynamodb", region_name="us-east-1", config=cfg)
    streams = boto3.client("dynamodbstreams", region_name="us-east-1", config=cfg)
    name = table or settings().appeals_table
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:  # get_records returns at most 1,000 records a call
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [lambda_record(r, arn) for r in page["Records"]]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return records


def test_stream_handler_counts_new_events(
    client: Any, stack: Stack, capsys: Any, caplog: Any
) -> None:
    # Given an appeal submitted over the API
    appeal = body(post(client, stack, stack.token(), APPEAL))
    records = stream_records()
    assert [r["eventName"] for r in records] == ["INSERT"]
    # When the stream handler receives the table's real stream record
    result = client.lambda_.invoke("appeal_activity", {"Records": records}).payload
    # Then nothing failed and the submission was recorded as activity
    assert result == {"batchItemFailures": []}
    activity = [r for r in caplog.records if r.getMessage() == "appeal activity"]
    assert [(r.appeal_id, r.events) for r in activity] == [(appeal["id"], ["submitted"])]
    assert '"Event_submitted"' in capsys.readouterr().out


def test_stream_handler_reports_only_the_failing_record(client: Any, stack: Stack) -> None:
    token = stack.token()
    for _ in range(3):
        post(client, stack, token, APPEAL)
    records = stream_records()
    # A record whose image cannot be read (as a corrupt delivery would be)
    records[1]["dynamodb"]["NewImage"] = {"timeline": {"Z": "not a type"}}
    result = client.lambda_.invoke("appeal_activity", {"Records": records}).payload
    assert result == {
        "batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]
    }


def dispatch_directly(appeal_id: str, due: str) -> None:
    """Put a stored appeal in the dispatched state with every deadline at ``due`` (the
    lifecycle endpoints come later; this goes through the repository)."""
    from chalicelib.core.domain.appeal import State
    from chalicelib.core.store import appeals as store

    stored = store.get(appeal_id)
    assert stored is not None
    stored.state = State.DISPATCHED
    stored.deadlines = {"sign_due": due, "contact_due": due, "reply_due": due}
    store._to_model(stored).save()


def test_sla_schedule_reads_due_work_orders(client: Any, stack: Stack) -> None:
    # Given a dispatched work order past its deadlines, one not yet due, one not dispatched
    token = stack.token()
    past, future, _submitted = (body(post(client, stack, token, APPEAL))["id"] for _ in range(3))
    dispatch_directly(past, "2026-01-01T09:15:00.000+08:00")
    dispatch_directly(future, "2099-01-01T09:15:00.000+08:00")
    # When the schedule fires
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    result = client.lambda_.invoke("sla_sweep", event).payload
    # Then it found the one due work order
    assert result == {"due": 1, "warnings": 0, "overdue": 3, "escalated": 1, "skipped": 0}
