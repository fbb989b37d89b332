"""Warm reads of the console's busiest page and the public feed: a whole ``GET
/work-orders?limit=20`` by an operator (the queue the console opens on: token check, the
account check, the index page, each row shaped and masked) and a whole ``GET
/public/appeals?limit=20`` (the public feed's first page), through Chalice's test client on
in-process moto, each next to a bare boto3 ``query`` of the same index page on the same
backend. Medians and 99th percentiles; targets: at most 3 times the bare query at the
median and 5 times at p99. Runs are interleaved so that other load falls on both alike.

    .venv/bin/python bench/warm_reads.py [--runs 200] [--days 7 --per-day 40] [--json rows.json]
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from _harness import ROOT, emit, parser, provision, row

MEDIAN_TARGET, P99_TARGET = 3.0, 5.0


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def timed(calls: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            began = time.perf_counter()
            call()
            out[name].append(time.perf_counter() - began)
    return out


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--runs", type=int, default=200)
    arguments.add_argument("--days", type=int, default=7)
    arguments.add_argument("--per-day", type=int, default=40)
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
            cognito, identity.user_pool_id, "operator", "Bench-Password1", "operator", None
        )
        token = cognito.initiate_auth(
            ClientId=identity.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "operator", "PASSWORD": "Bench-Password1"},
        )["AuthenticationResult"]["IdToken"]

        from app import app
        from chalicelib.core.config import settings
        from chalicelib.core.domain import clock
        from chalicelib.local.simulate import simulate

        summary = simulate(clock.now(), args.days, args.per_day, seed=3, sweep_minutes=180)
        ddb = boto3.client("dynamodb")
        table = settings().appeals_table
        month = clock.iso(clock.now())[:7]
        headers = {"Authorization": f"Bearer {token}"}
        with Client(app, stage_name="local", project_dir=str(ROOT)) as http:

            def page(path: str) -> Callable[[], int]:
                def call() -> int:
                    response = http.http.get(path, headers=headers)
                    assert response.status_code == 200, response.body
                    return len(response.body)

                return call

            def bare(index: str, key: str) -> Callable[[], int]:
                def call() -> int:
                    found = ddb.query(
                        TableName=table,
                        IndexName=index,
                        KeyConditionExpression="#k = :k",
                        ExpressionAttributeNames={"#k": key},
                        ExpressionAttributeValues={":k": {"S": month}},
                        ScanIndexForward=False,
                        Limit=20,
                    )
                    return len(found["Items"])

                return call

            calls = {
                "queue": page("/work-orders?limit=20"),
                "queue bare": bare("by-month", "created_month"),
                "feed": page("/public/appeals?limit=20"),
                "feed bare": bare("public-feed", "feed_month"),
            }
            shown = {name: call() for name, call in calls.items()}  # warm, and non-empty
            assert shown["queue bare"] == 20 and shown["feed bare"] > 0, shown
            samples = timed(calls, args.runs)
    print(
        f"runs {args.runs}, interleaved, on {summary.appeals} appeals;"
        f" the feed's first page holds {shown['feed bare']} items"
    )
    rows = []
    for name, label in (("queue", "GET /work-orders (operator)"), ("feed", "GET /public/appeals")):
        full, base = samples[name], samples[f"{name} bare"]
        for stat, fn, target in (
            ("median", statistics.median, MEDIAN_TARGET),
            ("p99", p99, P99_TARGET),
        ):
            whole, raw = fn(full), fn(base)
            print(
                f"{label:<30} {stat:<6} {whole * 1000:7.2f} ms, bare query"
                f" {raw * 1000:6.2f} ms, ratio {whole / raw:5.2f} (target <= {target:g})"
            )
            rows.append(
                row(
                    f"warm {label} {stat}",
                    whole * 1000,
                    "ms",
                    baseline=raw * 1000,
                    at_most=target,
                )
            )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
