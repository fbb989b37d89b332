"""DynamoDB requests each lifecycle transition makes on the request path, counted with
botocore event hooks (``before-call``) on every DynamoDB client the app uses, against
in-process moto. Prints one line per call of a full walk (submit, accept, dispatch, return,
re-dispatch, sign, contact, extension, decision, comment, escalate, reply, rework, ... rate),
for a warm function (reference data cached) and in total for a cold one, with the write
units the base table is charged (item sizes from the requests, rounded up to 1 KB per item,
doubled inside transactions; index writes not included), and what one more comment costs
on an appeal that already has 300 comments of 2,100 characters.

    .venv/bin/python bench/lifecycle_cost.py
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from _harness import ROOT, provision

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
DEPARTMENT = "transport-bureau"


def _size(value: dict[str, Any]) -> int:
    """DynamoDB's item size rules, near enough: names and UTF-8 values, 3 bytes per map or
    list and 1 per element, numbers about half their digits."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_size(v) + 1 for v in inner)
    return sum(len(str(v)) for v in inner)


def _item_units(item: dict[str, Any], factor: int) -> int:
    size = sum(len(k.encode()) + _size(v) for k, v in item.items())
    return factor * max(1, -(-size // 1024))


def write_units(operation: str, params: dict[str, Any]) -> int:
    if operation == "PutItem":
        return _item_units(params["Item"], 1)
    if operation == "TransactWriteItems":
        units = 0
        for entry in params["TransactItems"]:
            ((_kind, body),) = entry.items()
            units += _item_units(body.get("Item") or body.get("Key") or {}, 2)
        return units
    if operation in ("UpdateItem", "DeleteItem"):
        return 1
    return 0


class Meter:
    """Counts every DynamoDB call of every botocore client, through its event hooks."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.units = 0
        self.calls: Counter[str] = Counter()
        original = BaseClient.__init__
        meter = self

        def init(client: Any, *args: Any, **kwargs: Any) -> None:
            original(client, *args, **kwargs)
            client.meta.events.register("before-call.dynamodb", meter.count)
            client.meta.events.register("before-parameter-build.dynamodb", meter.measure)

        BaseClient.__init__ = init  # type: ignore[method-assign]

    def count(self, model: Any, **_kwargs: Any) -> None:
        self.calls[model.name] += 1

    def measure(self, model: Any, params: dict[str, Any], **_kwargs: Any) -> None:
        self.units += write_units(model.name, params)

    def take(self) -> tuple[int, int, int, Counter[str]]:
        calls, self.calls = self.calls, Counter()
        units, self.units = self.units, 0
        reads = sum(n for op, n in calls.items() if op in READS)
        writes = sum(n for op, n in calls.items() if op in WRITES)
        return reads, writes, units, calls


def main() -> None:
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    meter = Meter()  # before any client exists
    with mock_aws():
        from chalicelib.local import provision as resources

        cognito = boto3.client("cognito-idp")
        identity = resources.create_user_pool(cognito, "bench")
        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
        provision()

        def token(role: str, department: str | None = None) -> str:
            name = f"{role}-{department or 'bench'}"
            resources.create_user(
                cognito,
                identity.user_pool_id,
                name,
                "Bench-Password1",
                None if role == "citizen" else role,
                department,
            )
            result = cognito.initiate_auth(
                ClientId=identity.user_pool_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": "Bench-Password1"},
            )
            return str(result["AuthenticationResult"]["IdToken"])

        people = {
            "citizen": token("citizen"),
            "operator": token("operator"),
            "staff": token("department", DEPARTMENT),
            "leader": token("leader"),
            "other staff": token("department", "health-commission"),
        }

        from app import app
        from chalicelib.dal.reference import clear_cache

        with Client(app, stage_name="local", project_dir=str(ROOT)) as http:

            def call(who: str, path: str, payload: Any, key: str | None = None) -> Any:
                headers = {
                    "Authorization": f"Bearer {people[who]}",
                    "Content-Type": "application/json",
                }
                if key:
                    headers["Idempotency-Key"] = key
                meter.take()
                response = http.http.post(path, headers=headers, body=json.dumps(payload))
                assert response.status_code in (200, 201), (path, response.body)
                return json.loads(response.body)

            def walk(label: str) -> list[tuple[str, int, int, int, Counter[str]]]:
                rows = []
                appeal = call(
                    "citizen",
                    "/appeals",
                    {
                        "kind": "complaint",
                        "title": "路灯",
                        "content": "东门路灯不亮",
                        "category": "road-facilities",
                    },
                )
                rows.append(("submit", *meter.take()))
                base = f"/appeals/{appeal['id']}/"
                reply = {
                    "content": "已修复",
                    "handler_name": "王强",
                    "handler_phone": "13900001111",
                }
                steps = [
                    ("operator", "accept", {}),
                    ("operator", "dispatch", {"department_id": "health-commission"}),
                ]
                for who, action, payload in steps:
                    call(who, base + action, payload)
                    rows.append((action, *meter.take()))
                call("other staff", base + "return", {"reason": "非本单位"})
                rows.append(("return", *meter.take()))
                for who, action, payload in [
                    ("operator", "dispatch", {"department_id": DEPARTMENT}),
                    ("staff", "sign", {}),
                    ("staff", "contact", {"method": "phone"}),
                    ("staff", "extension", {"days": 2, "reason": "协调"}),
                    ("operator", "extension/decision", {"approve": True}),
                    ("leader", "comments", {"text": "请尽快"}),
                    ("operator", "escalate", {"level": 1, "reason": "督办"}),
                    ("staff", "reply", reply),
                    ("citizen", "rating", {"score": 1, "resolved": False, "rework": True}),
                    ("staff", "sign", {}),
                    ("staff", "contact", {"method": "phone"}),
                    ("staff", "reply", reply),
                    ("citizen", "rating", {"score": 5, "resolved": True}),
                ]:
                    call(who, base + action, payload)
                    rows.append((action, *meter.take()))
                other = call(
                    "citizen", "/appeals", {"kind": "help", "title": "重复", "content": "同一件事"}
                )
                meter.take()
                call("operator", f"/appeals/{other['id']}/merge", {"into": appeal["id"]})
                rows.append(("merge", *meter.take()))
                keyed = call(
                    "citizen",
                    "/appeals",
                    {"kind": "help", "title": "t", "content": "c"},
                    key=f"{label}-k",
                )
                meter.take()
                call("operator", f"/appeals/{keyed['id']}/accept", {}, key=f"{label}-a")
                rows.append(("accept + Idempotency-Key", *meter.take()))
                if label == "warm":
                    long_text = "请相关部门高度重视此事并限期整改到位。" * 105
                    busy = call(
                        "citizen", "/appeals", {"kind": "help", "title": "t", "content": "c"}
                    )
                    at = f"/appeals/{busy['id']}/"
                    call("operator", at + "dispatch", {"department_id": DEPARTMENT})
                    for _ in range(300):
                        call("leader", at + "comments", {"text": long_text})
                    meter.take()
                    call("leader", at + "comments", {"text": long_text})
                    rows.append(("comment #301 (2,100 chars)", *meter.take()))
                    call("staff", at + "sign", {})
                    rows.append(("sign after 301 comments", *meter.take()))
                return rows

            clear_cache()
            cold = walk("cold")
            warm = walk("warm")

        print("DynamoDB requests per call on the request path (warm function)")
        print(f"{'call':<28}{'reads':>6}{'writes':>7}{'WCU':>5}   operations")
        for name, reads, writes, units, ops in warm:
            detail = ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
            print(f"{name:<28}{reads:>6}{writes:>7}{units:>5}   {detail}")
        transitions = [
            r
            for r in warm
            if r[0] not in ("submit", "accept + Idempotency-Key") and "#" not in r[0]
        ]
        print(
            f"transitions: {len(transitions)}, max reads {max(r[1] for r in transitions)}, "
            f"max writes {max(r[2] for r in transitions)} (target: 1 write, <= 1 read)"
        )
        print(
            "merge writes the appeal and checks its target in one TransactWriteItems; an "
            "Idempotency-Key adds the idempotency record's put and update; a comment is "
            "stored as its own item in the same transaction as the appeal, and its answer "
            "reads the latest comments (one Query)"
        )
        print(
            f"cold function, whole walk: {sum(r[1] for r in cold)} reads, "
            f"{sum(r[2] for r in cold)} writes (reference data loaded on first use)"
        )


if __name__ == "__main__":
    main()
