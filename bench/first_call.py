"""A function's cold start up to its first AWS call: in a fresh interpreter, the CPU time to
import its entry module and create the AWS clients and PynamoDB connections its first
invocation creates (no request is made: creating a client sends nothing), next to ``import
boto3, chalice`` plus one boto3 client, what a Chalice function with one client pays before
its first call. Target: at most 1.25 times that, as for the import alone (cold_start.py).

Each botocore session reads and parses botocore's data files (the endpoints, the retry
rules, the SDK defaults, the service's model and its endpoint rule set) through its own
loader, unless they share one. The second figure per function is the number of those files
parsed, against the number of distinct files: the target is each file once.

What each function creates was found by invoking it on moto once, the caches cleared, with
``botocore.session.Session.create_client`` and ``Model._get_connection`` recorded (the
operator's queue: the account check's users model and the pool, then the appeals index).

    .venv/bin/python bench/first_call.py [--runs 15] [--json rows.json]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from typing import Any

from _harness import ROOT, emit, parser, row

from tests.support.botocore_files import COUNT_PARSED

TARGET = 1.25
BASELINE = "import boto3, chalice; boto3.client('dynamodb')"
STORE = "chalicelib.core.store."
QUEUE = "chalicelib.work_orders.http.operator:bp"

# function -> (what its entry imports, the models whose connection it opens, the services of
# its boto3 clients), in the order its first invocation creates them.
FUNCTIONS: dict[str, tuple[str, list[str], list[str]]] = {
    "APIHandler, operator's queue (GET /work-orders)": (
        f"import app; from chalicelib.core.http.lazy import load; load({QUEUE!r})",
        ["table_models.UserModel", "appeal_models.AppealModel"],
        ["dynamodb", "cognito-idp"],
    ),
    "SlaSweep": (
        "import chalicelib.work_orders.events.sla",
        ["appeal_models.AppealModel"],
        ["dynamodb"],
    ),
    "RankingsRefresh": (
        "import chalicelib.figures.events.rankings",
        ["reference_models.DepartmentModel"],
        ["dynamodb"],
    ),
    "DailyReport (with recipients)": (
        "import chalicelib.figures.events.reports",
        ["reference_models.SettingModel"],
        ["dynamodb", "sesv2"],
    ),
    # Not one function: every client the product makes and every table's model, as a
    # long-lived process (the local stack, a test run) builds them.
    "every client and model": (
        "import app",
        [
            "appeal_models.AppealModel",
            "appeal_models.CommentModel",
            "reference_models.DepartmentModel",
            "reference_models.CategoryModel",
            "reference_models.SettingModel",
            "table_models.UserModel",
            "table_models.IdempotencyModel",
            "figure_models.StatsModel",
            "notice_models.DeliveryModel",
            "notice_models.NotificationModel",
        ],
        ["dynamodb", "sqs", "s3", "sesv2", "sns", "cognito-idp", "secretsmanager"],
    ),
}

CREATE = """
import importlib
from chalicelib.core.integrations.aws import client
for path in {models!r}:
    module, name = path.rsplit('.', 1)
    getattr(importlib.import_module(module), name)._get_connection().connection.client
for service in {services!r}:
    client(service)
"""

TIMED = "import time\nt = time.process_time()\n{body}\nprint(time.process_time() - t)\n"

# Every data file a botocore loader parses (tests/support/botocore_files.py).
COUNTED = "import json\n" + COUNT_PARSED + "{body}\nprint(json.dumps(parsed))\n"


def statement(name: str) -> str:
    entry, models, services = FUNCTIONS[name]
    return entry + "\n" + CREATE.format(models=[STORE + m for m in models], services=services)


def run(code: str) -> str:
    env = {
        **os.environ,
        "MINSHENG_STAGE": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--runs", type=int, default=15)
    args = arguments.parse_args()
    bodies = {BASELINE: BASELINE, **{name: statement(name) for name in FUNCTIONS}}
    parsed = {name: json.loads(run(COUNTED.format(body=body))) for name, body in bodies.items()}
    for body in bodies.values():
        run(TIMED.format(body=body))  # the bytecode cache, warm for all
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.runs):
        for name, body in bodies.items():
            samples[name].append(float(run(TIMED.format(body=body))))
    base = statistics.median(samples[BASELINE])
    base_files = len(parsed[BASELINE])
    print(f"runs per figure {args.runs}, interleaved; CPU time (median), data files parsed")
    print(f"{BASELINE:<52}{base * 1000:8.1f} ms  {base_files:3} files")
    rows: list[dict[str, Any]] = []
    for name in FUNCTIONS:
        took = statistics.median(samples[name])
        files, distinct = len(parsed[name]), len(set(parsed[name]))
        print(
            f"{name:<52}{took * 1000:8.1f} ms  {files:3} files ({distinct} distinct)"
            f"  ratio {took / base:5.2f}"
        )
        repeated = sorted({p for p in parsed[name] if parsed[name].count(p) > 1})
        if repeated:
            print(f"{'':<4}parsed more than once: {', '.join(repeated)}")
        rows.append(
            row(
                f"first call {name}: import and clients",
                took * 1000,
                "ms",
                baseline=base * 1000,
                at_most=TARGET,
            )
        )
        rows.append(
            row(
                f"first call {name}: botocore data files parsed",
                files,
                "files",
                baseline=distinct,
                at_most=1.0,
                target="each once",
            )
        )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
