"""A simulated week for the report tests: real traffic through the services, the stream fed
to the statistics and topics consumers, rankings refreshed; plus SES as moto keeps it."""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from typing import Any

import boto3

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from chalicelib.core.domain.principal import Principal, Role
from tests.integration.conftest import Stack
from tests.integration.test_events import stream_records

# Monday 30 November 2026, 08:00 Asia/Shanghai: the daily covers Sunday the 29th, the
# weekly covers 2026-W48 (23–29 November).
SEND_AT = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
TRAFFIC_END = datetime(2026, 11, 30, 7, 0, tzinfo=TZ)
DAY, WEEK, MONTH = "2026-11-29", "2026-W48", "2026-11"
SCRIPT_TITLE = "<script>alert(1)</script>"
LEADERS = ["leader.one@example.com", "leader.two@example.com"]
WEEKLY = {
    "transport-bureau": ["transport@example.com"],
    "urban-management-bureau": ["city@example.com", "city.head@example.com"],
}


def verify_sender() -> None:
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().report_sender
    )


def feed_consumers(client: Any) -> None:
    """Every stream record to the statistics and topics consumers, as Lambda would."""
    records = stream_records()
    for handler in ("appeal_statistics", "appeal_topics"):
        for start in range(0, len(records), 100):
            result = client.lambda_.invoke(handler, {"Records": records[start : start + 100]})
            assert result.payload == {"batchItemFailures": []}, handler


def simulated_week(client: Any, *, per_day: int = 12) -> dict[str, str]:
    """Eight days of traffic ending Monday 07:00, a deputy's appeal on Sunday, and a work
    order titled with markup left unsigned past its deadline (overdue when the report is
    made). Returns the ids of the two."""
    from chalicelib.figures.services import rankings
    from chalicelib.intake.services import intake
    from chalicelib.local.simulate import simulate
    from chalicelib.work_orders.services import dispatch, sla

    simulate(TRAFFIC_END, days=8, per_day=per_day, seed=11, sweep_minutes=60)
    operator = Principal("report-operator", Role.OPERATOR)
    citizen = Principal("report-citizen", Role.CITIZEN)
    moments = iter(
        [
            datetime(2026, 11, 29, 10, 0, tzinfo=TZ),
            datetime(2026, 11, 29, 10, 5, tzinfo=TZ),
            datetime(2026, 11, 29, 14, 0, tzinfo=TZ),
            datetime(2026, 11, 29, 14, 1, tzinfo=TZ),
        ]
    )
    at = next(moments)
    clock.set_clock(lambda: at)
    try:
        deputy = intake.record_appeal(
            Principal("deputy-wang", Role.CITIZEN),
            {
                "kind": "suggestion",
                "title": "关于般阳路学校门口增设信号灯的建议",
                "content": "学校门口上下学时段车流量大，建议增设信号灯。",
                "channel": "deputy",
            },
        )
        at = next(moments)
        dispatch.dispatch_appeal(operator, deputy.id, {"department_id": "transport-bureau"})
        at = next(moments)
        markup = intake.record_appeal(
            citizen,
            {
                "kind": "complaint",
                "title": SCRIPT_TITLE,
                "content": "路灯不亮，联系电话13812345678。",
                "channel": "hotline",
            },
        )
        at = next(moments)
        dispatch.dispatch_appeal(operator, markup.id, {"department_id": "transport-bureau"})
    finally:
        clock.set_clock(None)
    sla.sweep(TRAFFIC_END)
    feed_consumers(client)
    clock.set_clock(lambda: TRAFFIC_END)
    try:
        rankings.refresh()
    finally:
        clock.set_clock(None)
    return {"deputy": deputy.id, "markup": markup.id}


def put_recipients(client: Any, stack: Stack, admin_token: str) -> None:
    response = client.http.put(
        "/report-recipients",
        headers=stack.headers(admin_token),
        body=json.dumps({"daily": LEADERS, "weekly": WEEKLY}),
    )
    assert response.status_code == 200, response.body


def fire(client: Any, handler: str, at: datetime) -> Any:
    """Fire a schedule as EventBridge would, with the platform's clock at ``at``."""
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    clock.set_clock(lambda: at)
    try:
        return client.lambda_.invoke(handler, event).payload
    finally:
        clock.set_clock(None)


@dataclass
class Sent:
    to: list[str]
    source: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_type() == f"text/{subtype}"
        return str(body.get_content())  # type: ignore[attr-defined]


def sent_messages() -> list[Sent]:
    """What moto's SES took, parsed back from the raw MIME messages."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    out = []
    for raw in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        message = email.message_from_string(raw.raw_data, policy=default)
        assert isinstance(message, EmailMessage)
        out.append(Sent(sorted(set(raw.destinations)), raw.source, message))
    return out
