"""The local stack's translation of AWS behaviour: stream records, schedules, discovery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core.event_sources import STREAM_CONSUMERS, Delivery
from chalicelib.local.pump import (
    deliver,
    lambda_record,
    queue_subscriptions,
    settled,
    sqs_record,
    subscriptions,
    table_of,
)
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

    found = subscriptions(app)
    assert [(s.name, s.batch_size) for s in found] == [
        ("appeal_activity", 100),
        ("appeal_routing", 25),
        ("appeal_statistics", 100),
        ("appeal_topics", 50),
        ("appeal_notifications", 100),
        ("support_topics", 100),
    ]
    assert [(q.name, q.queue, q.batch_size) for q in queue_subscriptions(app)] == [
        ("deliver_notifications", "notifications", 10),
        ("receive_mail", "mailbox", 1),  # one letter a batch: a slow one fails only itself
        ("build_exports", "exports", 1),  # one export a batch: each is a long run
    ]
    # The pump delivers as the deployed mappings are configured: one declaration
    assert all(s.delivery == STREAM_CONSUMERS[s.name].delivery for s in found)
    assert [(s.name, s.rate_seconds) for s in schedules(app)] == [
        ("sla_sweep", 60.0),
        ("auto_close", 3600.0),
        ("rankings_refresh", 900.0),
        ("daily_report", None),
        ("weekly_report", None),
        ("monthly_report", None),
    ]
    crons = {s.name: s.expression for s in schedules(app) if s.rate_seconds is None}
    assert crons == {
        "daily_report": "cron(0 0 * * ? *)",
        "weekly_report": "cron(0 0 ? * MON *)",
        # 09:00 Asia/Shanghai, 01:00 UTC: on the 1st the bulletin, on other days retries
        "monthly_report": "cron(0 1 * * ? *)",
    }


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


def _records(count: int) -> list[dict[str, Any]]:
    return [{"dynamodb": {"SequenceNumber": str(100 + i)}} for i in range(count)]


def _run(handler: Any, delivery: Delivery, count: int = 8) -> tuple[list[Any], list[Any]]:
    calls: list[list[str]] = []
    set_aside: list[tuple[list[str], int]] = []

    def invoke(batch: list[dict[str, Any]]) -> Any:
        calls.append([r["dynamodb"]["SequenceNumber"] for r in batch])
        return handler(batch)

    deliver(
        invoke,
        _records(count),
        delivery,
        wait=lambda seconds: False,
        set_aside=lambda rest, attempts: set_aside.append(
            ([r["dynamodb"]["SequenceNumber"] for r in rest], attempts)
        ),
    )
    return calls, set_aside


def test_a_raising_batch_is_bisected_until_the_poison_record_is_set_aside() -> None:
    """Given a handler that raises whenever record 105 is in its batch, when a batch of 8 is
    delivered with bisecting, then only 105 goes to the on-failure queue, after 1 + the
    declared retries, and every other record is handled."""
    delivery = STREAM_CONSUMERS["appeal_statistics"].delivery
    assert delivery.bisect_on_error

    def handler(batch: list[dict[str, Any]]) -> Any:
        if any(r["dynamodb"]["SequenceNumber"] == "105" for r in batch):
            raise RuntimeError("poison")
        return {"batchItemFailures": []}

    calls, set_aside = _run(handler, delivery)
    assert set_aside == [(["105"], delivery.maximum_retry_attempts + 1)]
    handled = {seq for batch in calls if "105" not in batch for seq in batch}
    assert handled == {str(100 + i) for i in range(8)} - {"105"}
    assert calls.count(["105"]) == delivery.maximum_retry_attempts + 1


def test_reported_failures_are_retried_from_the_first_failed_record() -> None:
    """Given a handler reporting 103 as failed, the retry starts at 103 (not the whole
    batch); without bisecting, a raise sets the whole batch aside after the retries."""
    delivery = Delivery(maximum_retry_attempts=2, bisect_on_error=False)

    def reporting(batch: list[dict[str, Any]]) -> Any:
        failed = [r for r in batch if r["dynamodb"]["SequenceNumber"] == "103"]
        return {"batchItemFailures": [{"itemIdentifier": "103"}] if failed else []}

    calls, set_aside = _run(reporting, delivery, count=5)
    assert calls[0] == ["100", "101", "102", "103", "104"]
    assert calls[1:] == [["103", "104"], ["103", "104"]]
    assert set_aside == [(["103", "104"], 3)]

    def raising(batch: list[dict[str, Any]]) -> Any:
        raise RuntimeError("down")

    calls, set_aside = _run(raising, delivery, count=3)
    assert len(calls) == 3 and set_aside == [(["100", "101", "102"], 3)]


def test_metrics_never_fail_the_work_they_describe(monkeypatch: Any) -> None:
    """In the local stack another thread can empty the shared metric set between the
    check for metrics and their serialisation; the request must still be answered."""
    from aws_lambda_powertools.metrics.exceptions import SchemaValidationError

    from chalicelib.core.observability import flush_metrics, metrics

    def emptied_meanwhile(*_args: Any, **_kwargs: Any) -> Any:
        raise SchemaValidationError("Must contain at least one metric.")

    monkeypatch.setattr(metrics.provider, "serialize_metric_set", emptied_meanwhile)
    metrics.add_metric(name="Probe", unit="Count", value=1)
    flush_metrics()  # no exception


def test_queue_events_are_lambda_shaped_and_failures_stay_on_the_queue() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1795654800000"},
    }
    arn = "arn:aws:sqs:us-east-1:123456789012:q"
    record = sqs_record(message, arn, "us-east-1")
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "3"
    records = [record, sqs_record({**message, "MessageId": "m2", "ReceiptHandle": "r2"}, arn, "x")]
    # Reported failures stay; the rest are deleted; an error deletes nothing
    assert settled(records, {"batchItemFailures": [{"itemIdentifier": "m1"}]}, True) == ["r2"]
    assert settled(records, {"batchItemFailures": []}, True) == ["r1", "r2"]
    assert settled(records, RuntimeError("boom"), True) == []


def test_an_inbox_hands_out_batches_in_order_and_is_empty_only_once_handled() -> None:
    from chalicelib.local.pump import Inbox

    # Given records read once from a stream, for one consumer with batches of 2
    inbox = Inbox()
    inbox.put([{"n": 1}, {"n": 2}, {"n": 3}])
    # When the consumer takes a batch, it gets the first two, in stream order
    assert inbox.take(2, 0) == [{"n": 1}, {"n": 2}]
    # Then the inbox is not empty while the batch is being handled, nor with one waiting
    assert not inbox.empty()
    inbox.done()
    assert inbox.take(2, 0) == [{"n": 3}]
    assert not inbox.empty()
    inbox.done()
    assert inbox.empty()
    assert inbox.take(2, 0) == []
    assert inbox.empty()


class _LongPollingQueue:
    """An SQS client whose queue holds one message and then stays empty: a receive waits
    as long as it is asked to (or until the test lets it go), as SQS's long polling does."""

    def __init__(self) -> None:
        import threading

        self.waits: list[int] = []
        self.deleted: list[str] = []
        self.release = threading.Event()
        self.waiting = threading.Event()
        self._given = False

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def get_queue_attributes(self, **_: Any) -> dict[str, Any]:
        return {"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q"}}

    def receive_message(self, WaitTimeSeconds: int, **_: Any) -> dict[str, Any]:
        self.waits.append(WaitTimeSeconds)
        if not self._given:
            self._given = True
            return {"Messages": [{"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}"}]}
        self.waiting.set()
        self.release.wait(WaitTimeSeconds)
        return {"Messages": [{"MessageId": "m2", "ReceiptHandle": "r2", "Body": "{}"}]}

    def delete_message_batch(self, Entries: list[dict[str, str]], **_: Any) -> None:
        self.deleted += [e["ReceiptHandle"] for e in Entries]


def test_queue_pollers_long_poll_and_a_stop_does_not_wait_for_their_receive(
    monkeypatch: Any,
) -> None:
    import threading
    import time

    from chalicelib.local import pump as pump_module
    from chalicelib.local.pump import LONG_POLL_SECONDS, QueueSubscription, StreamPump

    monkeypatch.setattr(pump_module, "queue_name", lambda queue: queue)
    handled: list[list[str]] = []

    class App:
        def __init__(self) -> None:
            self.handler_map = {
                "deliver": lambda event, _context: handled.append(
                    [r["messageId"] for r in event["Records"]]
                )
            }

    class Log:
        def write(self, entry: dict[str, Any]) -> None:
            return

    sqs = _LongPollingQueue()
    pump = StreamPump(App(), None, None, Log(), sqs_client=sqs)  # type: ignore[arg-type]
    sub = QueueSubscription("deliver", "notifications", 10, True)
    # Given a poller that handed over the queue's one message and now waits in a receive
    poller = threading.Thread(target=pump._poll_queue, args=(sub,), daemon=True)
    pump._pollers.add(poller)
    pump._threads.append(poller)
    poller.start()
    assert sqs.waiting.wait(5)
    # Then it asked as Lambda's pollers do, waiting for messages rather than asking again
    assert sqs.waits == [LONG_POLL_SECONDS, LONG_POLL_SECONDS] and LONG_POLL_SECONDS == 20
    assert handled == [["m1"]] and sqs.deleted == ["r1"]
    # When the pump stops, it does not wait for the receive to end
    began = time.monotonic()
    pump.stop()
    assert time.monotonic() - began < 1
    # And what the receive brings after the stop is not handed over (it stays on the queue)
    sqs.release.set()
    poller.join(5)
    assert not poller.is_alive()
    assert handled == [["m1"]] and sqs.deleted == ["r1"]
