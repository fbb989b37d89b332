"""Warm intake: the median time of a whole ``POST /appeals`` (token check, validation,
masking, the conditional write, the response) through Chalice's test client on in-process
moto, next to a bare boto3 ``put_item`` of the same item on the same backend. Target: at most
3 times the bare write. Runs are interleaved so that other load falls on both alike.

    .venv/bin/python bench/warm_intake.py [--runs 40] [--json rows.json]
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

from _harness import ROOT, emit, parser, provision, row

TARGET = 3.0
BODY = {
    "kind": "complaint",
    "title": "小区门口路灯不亮",
    "content": "东门路灯坏了一个星期，晚上出行不便，联系电话13800001234，请尽快修复。",
    "category": "road-facilities",
    "location": {"lat": 31.23, "lng": 121.47, "address": "东门路 12 号"},
    "contact": {"name": "张三", "phone": "13800001234"},
}


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--runs", type=int, default=40)
    args = arguments.parse_args()
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from chalicelib.local import provision as resources

        cognito = boto3.client("cognito-idp")
        identity = resources.create_user_pool(cognito, "bench")
        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
        provision()
        resources.create_user(
            cognito, identity.user_pool_id, "citizen", "Bench-Password1", None, None
        )
        token = cognito.initiate_auth(
            ClientId=identity.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "citizen", "PASSWORD": "Bench-Password1"},
        )["AuthenticationResult"]["IdToken"]

        from app import app
        from chalicelib.core.config import settings

        ddb = boto3.client("dynamodb")
        table = settings().appeals_table
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with Client(app, stage_name="local", project_dir=str(ROOT)) as http:

            def intake() -> str:
                response = http.http.post("/appeals", headers=headers, body=json.dumps(BODY))
                assert response.status_code == 201, response.body
                return str(json.loads(response.body)["id"])

            first = intake()  # warm: token keys, reference data, first client
            item: dict[str, Any] = ddb.get_item(TableName=table, Key={"id": {"S": first}})["Item"]
            count = iter(range(10**6))

            def bare() -> None:
                ddb.put_item(
                    TableName=table,
                    Item={**item, "id": {"S": f"20261129-BARE{next(count):04d}"}},
                    ConditionExpression="attribute_not_exists(id)",
                )

            bare()
            full: list[float] = []
            raw: list[float] = []
            for _ in range(args.runs):
                began = time.perf_counter()
                intake()
                full.append(time.perf_counter() - began)
                began = time.perf_counter()
                bare()
                raw.append(time.perf_counter() - began)
    whole, base = statistics.median(full), statistics.median(raw)
    print(f"runs {args.runs}, interleaved; item {len(json.dumps(item))} bytes as JSON")
    print(f"bare put_item             {base * 1000:7.2f} ms (median)")
    print(f"POST /appeals (warm)      {whole * 1000:7.2f} ms (median)")
    print(f"ratio                     {whole / base:7.2f}   (target <= {TARGET:g})")
    emit(
        [
            row(
                "warm intake POST /appeals",
                whole * 1000,
                "ms",
                baseline=base * 1000,
                at_most=TARGET,
            )
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
