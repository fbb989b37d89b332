"""What notifications cost per work order: one appeal through dispatch, sign, contact, a
leader's comment, an escalation and the reply, with a leader following it and the
department's system registered. Prints, per stream change, the queue messages and SQS
requests of the notifications consumer, then for the deliverer the DynamoDB requests and
items read, Secrets Manager reads, and POSTs per message; then the same stream records
delivered again (a redelivered batch: messages are queued again, nothing is POSTed or kept
twice). Counts, never times.

    .venv/bin/python bench/notifications_cost.py [--json rows.json]
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from _harness import ItemsRead, emit, parser, provision, row


class Calls:
    """Every AWS request by service and operation (a botocore hook on each client)."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.calls: Counter[str] = Counter()
        original = BaseClient._make_api_call
        meter = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            meter.calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = call  # type: ignore[method-assign]

    def take(self) -> Counter[str]:
        found, self.calls = self.calls, Counter()
        return found


def main() -> None:
    args = parser(__doc__).parse_args()
    rows = []
    import boto3
    from moto import mock_aws

    meter = ItemsRead()
    calls = Calls()
    with mock_aws():
        provision()
        from chalicelib.core.config import settings
        from chalicelib.core.domain.principal import Principal, Role
        from chalicelib.core.services.activity import AppealChange
        from chalicelib.intake.services import intake
        from chalicelib.local import provision as resources
        from chalicelib.notifications.services import delivery, fan_out, webhooks
        from chalicelib.work_orders.services import department_actions, dispatch, leaders
        from chalicelib.work_orders.store import follows
        from tests.support.department_system import Receiver

        resources.create_queues(boto3.client("sqs"))
        identity = resources.create_user_pool(boto3.client("cognito-idp"), "bench")
        import os

        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        settings.cache_clear()
        receiver = Receiver().start()
        admin = Principal("admin-1", Role.ADMIN)
        registered = webhooks.register(admin, "transport-bureau", {"url": receiver.url})
        receiver.secret = registered["secret"]  # what the department's system keeps
        citizen = Principal("citizen-1", Role.CITIZEN)
        operator = Principal("operator-1", Role.OPERATOR)
        staff = Principal("staff-1", Role.DEPARTMENT, department_id="transport-bureau")
        leader = Principal("leader-1", Role.LEADER)
        appeal = intake.submit_appeal(
            citizen, {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}
        )
        images = []

        def snapshot() -> None:
            from chalicelib.core.store.models import AppealModel

            item = AppealModel.get(appeal.id, consistent_read=True)
            images.append(json.loads(json.dumps(item.to_simple_dict(), default=str)))

        snapshot()
        dispatch.dispatch_appeal(operator, appeal.id, {"department_id": "transport-bureau"})
        snapshot()
        follows.follow("leader-1", appeal.id, "2026-11-28T09:00:00.000+08:00")
        for act in (
            lambda: department_actions.sign_work_order(staff, appeal.id, {}),
            lambda: department_actions.record_contact(staff, appeal.id, {"method": "phone"}),
            lambda: leaders.comment_on_appeal(leader, appeal.id, {"text": "请尽快办理"}),
            lambda: dispatch.escalate_appeal(
                leader, appeal.id, {"level": 2, "reason": "群众反映强烈"}
            ),
            lambda: department_actions.reply_to_appeal(
                staff,
                appeal.id,
                {"content": "已修复", "handler_name": "王强", "handler_phone": "13900001111"},
            ),
        ):
            act()
            snapshot()
        changes = [
            AppealChange(appeal.id, str(i), old, new)
            for i, (old, new) in enumerate(zip([None, *images], images, strict=False))
        ]
        sqs = boto3.client("sqs")
        url = settings().notifications_queue

        def run(label: str) -> None:
            calls.take()
            queued = sum(fan_out.notify_change(c) for c in changes)
            produced = calls.take()
            messages = []
            while True:
                got = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
                ).get("Messages", [])
                if not got:
                    break
                messages += got  # in flight until handled (a retry hides one again)
            calls.take()
            posts_before = len(receiver.received)
            meter.start()
            outcomes = Counter(
                delivery.handle(json.loads(m["Body"]), 1, m["ReceiptHandle"]) for m in messages
            )
            items, _ = meter.stop()
            consumed = calls.take()
            for start in range(0, len(messages), 10):
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages[start : start + 10])
                    ],
                )
            calls.take()
            ddb = sum(v for k, v in consumed.items() if k.startswith("dynamodb:"))
            print(f"{label}")
            print(f"  stream changes              {len(changes)}")
            print(
                f"  messages queued             {queued}  ({queued / len(changes):.1f} per change)"
            )
            others = {k: v for k, v in produced.items() if k != "sqs:SendMessageBatch"}
            print(f"  SQS SendMessageBatch        {produced['sqs:SendMessageBatch']}")
            print(f"  consumer's other requests   {others}")
            print(f"  deliverer outcomes          {dict(outcomes)}")
            print(f"  POSTs to the department     {len(receiver.received) - posts_before}")
            per_message = ddb / max(len(messages), 1)
            print(f"  deliverer DynamoDB requests {ddb}  ({per_message:.1f} per message)")
            print(f"  deliverer items read        {items}")
            print(f"  Secrets Manager reads       {consumed['secretsmanager:GetSecretValue']}")
            when = "first delivery" if label.startswith("First") else "redelivered"
            rows.append(
                row(
                    f"notifications ({when}): messages per stream change",
                    queued / len(changes),
                    "messages",
                )
            )
            rows.append(
                row(
                    f"notifications ({when}): deliverer DynamoDB requests per message",
                    per_message,
                    "requests",
                )
            )

        run("First delivery of the lifecycle's stream records")
        run("The same records delivered again (a redelivered batch)")
        receiver.stop()
    emit(rows, args.json)


if __name__ == "__main__":
    main()
