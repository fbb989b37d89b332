"""What an appeal costs, counted (never timed) through the real handlers on in-process moto:
DynamoDB requests, read units and write units per call (from item sizes, with the writes to
every global secondary index a write touches: ``capacity.write_units``), for intake, every
transition of a full walk, a comment and a sign on an appeal with many long comments, a
queue page, a public feed page, a rankings read, and one stream record through each
consumer of the appeals stream; the Idempotency-Key path next to the plain one; and the
whole life of one appeal (intake to closed, with a rating) in requests,
units, queue messages, Lambda invocations and sends, priced per million appeals at the
published on-demand prices in ``bench/prices.json`` (region and date stated there).

    .venv/bin/python bench/lifecycle_cost.py [--comments 300] [--json rows.json]
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _harness import ROOT, Meter, Usage, emit, parser, provision, row

DEPARTMENT = "transport-bureau"
PRICES = Path(__file__).with_name("prices.json")
FUNCTION_GB = 128 / 1024  # the template's memory for every function on the life's path
REPLY = {"content": "已修复", "handler_name": "王强", "handler_phone": "13900001111"}
APPEALS_CONSUMERS = (
    "appeal_activity",
    "appeal_routing",
    "appeal_statistics",
    "appeal_topics",
    "appeal_notifications",
)


def describe(label: str, usage: Usage) -> str:
    ops = ", ".join(
        f"{op.split(':', 1)[1]} {n}" for op, n in sorted(usage.calls.items()) if "dynamodb" in op
    )
    indexes = ", ".join(
        f"{name.split('/', 1)[1]} {n}" for name, n in sorted(usage.index_wcu.items())
    )
    return (
        f"{label:<30}{usage.reads:>6}{usage.writes:>7}{usage.total_rru:>6.1f}"
        f"{usage.table_wcu:>6}{usage.index_units:>6}   {ops}"
        + (f"  | {indexes}" if indexes else "")
    )


def price(prices: dict[str, Any], name: str, quantity: float) -> float:
    entry = prices["prices"][name]
    return float(quantity) * float(entry["usd"]) / float(entry["per"])


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--comments", type=int, default=300, help="on the busy appeal")
    args = arguments.parse_args()
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    meter = Meter()  # before any client exists
    rows: list[dict[str, Any]] = []
    with mock_aws():
        from chalicelib.local import provision as resources

        cognito = boto3.client("cognito-idp")
        identity = resources.create_user_pool(cognito, "bench")
        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
        provision()
        resources.create_queues(boto3.client("sqs"))

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
        from chalicelib.core.config import settings
        from chalicelib.core.store.reference import clear_cache
        from chalicelib.local.pump import lambda_record

        keys = iter(range(1_000_000))
        seconds: list[float] = []

        with Client(app, stage_name="local", project_dir=str(ROOT)) as http:

            def call(
                who: str, path: str, payload: Any = None, keyed: bool = False, method: str = "post"
            ) -> tuple[Any, Usage]:
                headers = {"Authorization": f"Bearer {people[who]}"}
                if method == "post":
                    headers["Content-Type"] = "application/json"
                if keyed:
                    headers["Idempotency-Key"] = f"bench-{next(keys)}"
                meter.start()
                began = time.perf_counter()
                if method == "post":
                    response = http.http.post(path, headers=headers, body=json.dumps(payload))
                else:
                    response = http.http.get(path, headers=headers)
                seconds.append(time.perf_counter() - began)
                usage = meter.take()
                meter.on = False
                assert response.status_code in (200, 201), (path, response.body)
                return json.loads(response.body), usage

            def submit(keyed: bool = False, **extra: Any) -> tuple[str, Usage]:
                body = {
                    "kind": "complaint",
                    "title": "路灯",
                    "content": "东门路灯不亮，晚上出行不便，请尽快修复。",
                    "category": "road-facilities",
                    **extra,
                }
                appeal, usage = call("citizen", "/appeals", body, keyed)
                return str(appeal["id"]), usage

            # -- every transition of a full walk (warm: reference data cached) ---------------
            clear_cache()
            # Staff accounts already on record (a staff member's very first request records
            # the account: a one-off write, not a transition's).
            for who in ("operator", "staff", "leader", "other staff"):
                call(who, "/departments", method="get")
            # A warm function: reference data (the category, each department) already cached.
            for department in ("health-commission", DEPARTMENT):
                warm, _ = submit()
                call("operator", f"/appeals/{warm}/dispatch", {"department_id": department})
            walk: list[tuple[str, Usage]] = []
            appeal_id, usage = submit(is_public=True)
            walk.append(("submit", usage))
            base = f"/appeals/{appeal_id}/"
            for who, action, payload in [
                ("operator", "accept", {}),
                ("operator", "dispatch", {"department_id": "health-commission"}),
                ("other staff", "return", {"reason": "非本单位"}),
                ("operator", "dispatch", {"department_id": DEPARTMENT}),
                ("staff", "sign", {}),
                ("staff", "contact", {"method": "phone"}),
                ("staff", "extension", {"days": 2, "reason": "协调"}),
                ("operator", "extension/decision", {"approve": True}),
                ("leader", "comments", {"text": "请尽快"}),
                ("operator", "escalate", {"level": 1, "reason": "督办"}),
                ("staff", "reply", REPLY),
                ("citizen", "rating", {"score": 1, "resolved": False, "rework": True}),
                ("staff", "sign", {}),
                ("staff", "contact", {"method": "phone"}),
                ("staff", "reply", REPLY),
                ("citizen", "rating", {"score": 5, "resolved": True}),
            ]:
                _, usage = call(who, base + action, payload)
                walk.append((action, usage))
            other, _ = submit()
            _, usage = call("operator", f"/appeals/{other}/merge", {"into": appeal_id})
            walk.append(("merge", usage))

            # -- a busy appeal: many comments of 2,100 characters, then one more, then a sign --
            long_text = "请相关部门高度重视此事并限期整改到位。" * 105
            busy, _ = submit()
            at = f"/appeals/{busy}/"
            call("operator", at + "dispatch", {"department_id": DEPARTMENT})
            for _ in range(args.comments):
                call("leader", at + "comments", {"text": long_text})
            _, comment_301 = call("leader", at + "comments", {"text": long_text})
            _, sign_301 = call("staff", at + "sign", {})

            # -- the Idempotency-Key path next to the plain one -----------------------------
            plain, plain_submit = submit()
            _, plain_accept = call("operator", f"/appeals/{plain}/accept", {})
            keyed_id, keyed_submit = submit(keyed=True)
            _, keyed_accept = call("operator", f"/appeals/{keyed_id}/accept", {}, keyed=True)

            # -- reads: a queue page, a public feed page, a rankings read --------------------
            for _ in range(30):
                extra, _ = submit(is_public=True)
                call("operator", f"/appeals/{extra}/dispatch", {"department_id": DEPARTMENT})
            _, queue_page = call("operator", "/work-orders?limit=20", method="get")
            _, feed_page = call("citizen", "/public/appeals?limit=20", method="get")
            _, rankings_read = call("citizen", "/public/rankings", method="get")

            # -- the whole life of one appeal, every POST with an Idempotency-Key ------------
            life: Usage = Usage(Counter(), Counter(), Counter(), {})
            life_http = 0
            life_seconds = 0.0
            life_id = ""
            for keyed_life in (False, True):
                mark = len(seconds)
                life_id, usage = submit(keyed=keyed_life)
                total = usage
                at = f"/appeals/{life_id}/"
                steps = [
                    ("operator", "accept", {}),
                    ("operator", "dispatch", {"department_id": DEPARTMENT}),
                    ("staff", "sign", {}),
                    ("staff", "contact", {"method": "phone"}),
                    ("staff", "reply", REPLY),
                    ("citizen", "rating", {"score": 5, "resolved": True}),
                ]
                for who, action, payload in steps:
                    _, usage = call(who, at + action, payload, keyed=keyed_life)
                    total = total + usage
                if keyed_life:
                    life, life_http = total, 1 + len(steps)
                    life_seconds = sum(seconds[mark:])
                else:
                    plain_life = total

            # -- one stream record through each consumer -----------------------------------
            ddb = boto3.client("dynamodb")
            streams = boto3.client("dynamodbstreams")
            arn = ddb.describe_table(TableName=settings().appeals_table)["Table"]["LatestStreamArn"]
            records: list[dict[str, Any]] = []
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                iterator = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
                while iterator:
                    got = streams.get_records(ShardIterator=iterator, Limit=1000)
                    records += got["Records"]
                    iterator = got.get("NextShardIterator") if got["Records"] else None
            life_records = [
                lambda_record(r, arn)
                for r in records
                if r["dynamodb"]["Keys"]["id"]["S"] == life_id
            ]
            consumers: dict[str, Usage] = {}
            consumer_seconds = 0.0
            for name in APPEALS_CONSUMERS:
                spent = Usage(Counter(), Counter(), Counter(), {})
                for record in life_records:
                    meter.start()
                    began = time.perf_counter()
                    result = http.lambda_.invoke(name, {"Records": [record]})
                    consumer_seconds += time.perf_counter() - began
                    spent = spent + meter.take()
                    meter.on = False
                    assert not (result.payload or {}).get("batchItemFailures"), (name, result)
                consumers[name] = spent

    # -- what it prints --------------------------------------------------------------------
    header = (
        f"{'call':<30}{'reads':>6}{'writes':>7}{'RRU':>6}{'WCU':>6}{'+idx':>6}   "
        "operations | index write units"
    )
    print("DynamoDB per call on the request path (warm function); WCU = table, +idx = indexes")
    print(header)
    for label, usage in walk:
        print(describe(label, usage))
    for label, usage in [
        ("submit (plain)", plain_submit),
        ("submit + Idempotency-Key", keyed_submit),
        ("accept (plain)", plain_accept),
        ("accept + Idempotency-Key", keyed_accept),
        (f"comment #{args.comments + 1} (2,100 chars)", comment_301),
        (f"sign after {args.comments + 1} comments", sign_301),
        ("queue page (20)", queue_page),
        ("public feed page (20)", feed_page),
        ("rankings read", rankings_read),
    ]:
        print(describe(label, usage))
    n = len(life_records)
    print(f"\nThe {n} stream records of one life through each consumer (totals)")
    for name, usage in consumers.items():
        print(describe(name, usage))

    transitions = [(label, u) for label, u in walk if label not in ("submit", "merge")]
    # An appeal with comments adds one Query for the latest ones in the answer; every staff
    # request reads its caller's account record (core/services/accounts.py), one GetItem.
    max_reads = max(u.reads - u.calls["dynamodb:Query"] for _, u in transitions)
    max_writes = max(u.writes for _, u in transitions)
    rows.append(
        row(
            "transition: DynamoDB reads (max, + comments Query, + the caller's account)",
            max_reads,
            "requests",
            at_most=2,
        )
    )
    rows.append(row("transition: DynamoDB writes (max)", max_writes, "requests", at_most=1))
    seen: Counter[str] = Counter()
    for label, usage in walk:
        seen[label] += 1
        if label in ("submit", "accept", "dispatch", "sign", "contact", "reply", "rating"):
            name = "intake" if label == "submit" else label
            if seen[label] > 1:
                name += " (after return)" if label == "dispatch" else " (rework round)"
            rows.append(
                row(
                    f"WCU {name} (table + indexes)",
                    usage.total_wcu,
                    "WCU",
                    baseline=usage.table_wcu,
                )
            )
    rows.append(
        row(
            f"sign after {args.comments + 1} comments: WCU (table + indexes)",
            sign_301.total_wcu,
            "WCU",
            baseline=sign_301.table_wcu,
        )
    )
    rows.append(
        row(
            "Idempotency-Key accept: writes",
            keyed_accept.writes,
            "requests",
            baseline=plain_accept.writes,
            at_most=2,
            target="≤ 2 (plain + 1)",
            holds=keyed_accept.writes <= plain_accept.writes + 1,
        )
    )
    rows.append(
        row(
            "Idempotency-Key accept: reads",
            keyed_accept.reads,
            "requests",
            baseline=plain_accept.reads,
        )
    )
    rows.append(
        row(
            "Idempotency-Key accept: WCU",
            keyed_accept.total_wcu,
            "WCU",
            baseline=plain_accept.total_wcu,
        )
    )
    rows.append(row("queue page (20): RRU", queue_page.total_rru, "RRU"))
    rows.append(row("public feed page (20): RRU", feed_page.total_rru, "RRU"))
    rows.append(row("rankings read: RRU", rankings_read.total_rru, "RRU"))
    for name, usage in consumers.items():
        rows.append(row(f"stream record → {name}: WCU", usage.total_wcu / max(n, 1), "WCU/record"))

    stream_usage = Usage(Counter(), Counter(), Counter(), {})
    for usage in consumers.values():
        stream_usage = stream_usage + usage
    whole = life + stream_usage
    plain_whole = plain_life + stream_usage
    messages = whole.sends["sqs messages"]
    invocations = life_http + n * len(APPEALS_CONSUMERS) + messages
    gb_seconds = (life_seconds + consumer_seconds) * FUNCTION_GB
    prices = json.loads(PRICES.read_text("utf-8"))
    # Each queued message is also received and deleted once (by the event source mapping).
    sqs_requests = whole.count("sqs", {"SendMessage", "SendMessageBatch"}) + 2 * messages
    million = 1_000_000
    costs = {
        "DynamoDB writes": price(prices, "dynamodb_write_request_unit", whole.total_wcu * million),
        "DynamoDB reads": price(prices, "dynamodb_read_request_unit", whole.total_rru * million),
        "Lambda requests": price(prices, "lambda_request", invocations * million),
        "Lambda GB-s": price(prices, "lambda_gb_second", gb_seconds * million),
        "API Gateway": price(prices, "api_gateway_rest_request", life_http * million),
        "SQS": price(prices, "sqs_request", sqs_requests * million),
        "SES": price(prices, "ses_email", whole.sends["emails"] * million),
        "SNS SMS": price(prices, "sns_sms", whole.sends["sms"] * million),
    }
    plain_wcu_cost = price(prices, "dynamodb_write_request_unit", plain_whole.total_wcu * million)
    total = sum(costs.values())
    print("\nThe life of one appeal (submit, accept, dispatch, sign, contact, reply, rating 5),")
    print("every POST with an Idempotency-Key, and its stream records through the 5 consumers:")
    print(
        f"  DynamoDB {whole.reads} reads, {whole.writes} writes, {whole.total_rru:.1f} RRU, "
        f"{whole.table_wcu} table WCU + {whole.index_units} index WCU = {whole.total_wcu} WCU "
        f"(without keys: {plain_whole.total_wcu} WCU)"
    )
    by_index = Counter({k.split("/", 1)[1]: v for k, v in whole.index_wcu.items()})
    print("  index WCU by index: " + ", ".join(f"{k} {v}" for k, v in by_index.most_common()))
    print(
        f"  {life_http} HTTP requests, {n} stream records x {len(APPEALS_CONSUMERS)} consumers, "
        f"{messages} queue messages, {whole.sends['emails']} emails, {whole.sends['sms']} SMS; "
        f"{invocations} Lambda invocations at most (one per record and message: batches "
        f"make it fewer), {gb_seconds:.3f} GB-s (local durations at {FUNCTION_GB * 1024:.0f} MB)"
    )
    print(f"\nPer million appeals, {prices['region']} on-demand prices as of {prices['as_of']}:")
    for name, usd in costs.items():
        print(f"  {name:<18}{usd:>12,.2f} USD")
    print(
        f"  {'total':<18}{total:>12,.2f} USD   (DynamoDB writes without keys: "
        f"{plain_wcu_cost:,.2f} USD)"
    )
    print(f"  {prices['checked']}")

    rows.append(
        row(
            "life of one appeal: WCU (table + indexes)",
            whole.total_wcu,
            "WCU",
            baseline=whole.table_wcu,
        )
    )
    rows.append(
        row("life of one appeal: DynamoDB requests", whole.reads + whole.writes, "requests")
    )
    rows.append(row("life of one appeal: RRU", whole.total_rru, "RRU"))
    rows.append(row("life of one appeal: Lambda invocations (at most)", invocations, "calls"))
    rows.append(row("life of one appeal: SQS messages", messages, "messages"))
    rows.append(
        row(
            f"cost per million appeals ({prices['region']}, prices {prices['as_of']})",
            total,
            "USD",
        )
    )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
