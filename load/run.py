"""``make load``: start the local stack, run a bounded mix of traffic against it with Locust
(headless), let the pump drain, then check the platform's own invariants and print the
figures. Exits 1 when an invariant breaks.

Invariants:
- every accepted submission (201) is stored once: one appeal per Idempotency-Key, every
  answered id in the table, no appeal the clients did not get an answer for;
- every transition a client was told succeeded is in that appeal's timeline, once;
- the statistics, once the pump has drained the streams, equal what the appeals' timelines
  say (submitted, dispatched, signed, contacted, replied);
- no answer was a 5xx.

    python -m load.run [--clients 50] [--submissions 1000] [--max-seconds 360]

The traffic stops at the number of submissions or the time, whichever comes first (on a
2-core machine the local stack takes about 2.5 appeals a second with the rest of the mix,
so the defaults keep ``make load`` under 10 minutes).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENT_OF = {
    "dispatched": "dispatched",
    "sign": "signed",
    "contact": "contacted",
    "reply": "replied",
}
COUNTED = ("submitted", "dispatched", "signed", "contacted", "replied")
PREFIX = "minsheng-local"  # the local stack's table names (chalicelib/local/stack.py)


def start_stack(state: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))}
    # Many appeals from few test citizens: limits stay on, wide enough for the mix.
    env["MINSHENG_SUBMISSION_LIMITS"] = "120/minute,5000/day"
    log = (state / "stack.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chalicelib.local",
            "--api-port",
            "0",
            "--aws-port",
            "0",
            "--state-dir",
            str(state),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    stack_file = state / "stack.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local stack stopped: see {state / 'stack.log'}")
        if stack_file.exists():
            try:
                return process, json.loads(stack_file.read_text("utf-8"))
            except ValueError:
                pass
        time.sleep(0.5)
    raise SystemExit("the local stack did not start within 240 s")


def aws(info: dict[str, Any], service: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=info["aws_endpoint"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def sign_in(cognito: Any, info: dict[str, Any], username: str, password: str) -> str:
    answer = cognito.initiate_auth(
        ClientId=info["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(answer["AuthenticationResult"]["IdToken"])


def users(info: dict[str, Any], citizens: int) -> dict[str, Any]:
    """Tokens: ``citizens`` new citizens, the demo operator, five demo departments."""
    cognito = aws(info, "cognito-idp")
    tokens: list[str] = []
    for n in range(citizens):
        username, password = f"load-{n:03d}-{uuid.uuid4().hex[:6]}", "Load-" + uuid.uuid4().hex
        cognito.admin_create_user(
            UserPoolId=info["user_pool_id"], Username=username, MessageAction="SUPPRESS"
        )
        cognito.admin_set_user_password(
            UserPoolId=info["user_pool_id"], Username=username, Password=password, Permanent=True
        )
        tokens.append(sign_in(cognito, info, username, password))
    demo = {u["username"]: u for u in info["users"]}
    staff = [u for u in info["users"] if u["role"] == "department"][:5]
    return {
        "citizens": tokens,
        "operator": sign_in(cognito, info, "operator1", demo["operator1"]["password"]),
        "departments": {
            u["department_id"]: sign_in(cognito, info, u["username"], u["password"]) for u in staff
        },
    }


def run_locust(api: str, folder: Path, clients: int, seconds: int, submissions: int) -> int:
    env = {
        **os.environ,
        "LOAD_USERS": str(folder / "users.json"),
        "LOAD_SUBMISSIONS": str(submissions),
        "LOAD_LOG": str(folder / "requests.jsonl"),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(clients),
        "--spawn-rate",
        str(max(1, clients // 2)),
        "--host",
        api,
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(folder / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        found += [{k: deserializer.deserialize(v) for k, v in i.items()} for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def platform_counters(info: dict[str, Any], day: str) -> dict[str, int]:
    import requests

    answer = requests.get(f"{info['api_url']}/public/stats", params={"period": day}, timeout=30)
    answer.raise_for_status()
    return {k: int(v) for k, v in answer.json()["counters"].items()}


def check(
    info: dict[str, Any], folder: Path, drain_seconds: int
) -> tuple[list[str], dict[str, Any]]:
    log = [json.loads(line) for line in (folder / "requests.jsonl").read_text("utf-8").splitlines()]
    broken: list[str] = []
    submits = [e for e in log if e["op"] == "submit"]
    by_key: dict[str, set[str]] = {}
    for entry in submits:
        by_key.setdefault(entry["key"], set()).add(entry["id"])
    if any(len(ids) != 1 for ids in by_key.values()):
        broken.append("a submission key was answered with two appeals")
    answered = {entry["id"] for entry in submits}
    ddb = aws(info, "dynamodb")
    appeals = {a["id"]: a for a in scan(ddb, f"{PREFIX}-appeals")}
    load_appeals = {i for i, a in appeals.items() if str(a["content"]).startswith("负载测试")}
    if answered - load_appeals:
        broken.append(f"{len(answered - load_appeals)} answered appeals are not stored")
    if load_appeals - answered:
        broken.append(f"{len(load_appeals - answered)} stored appeals were never answered")
    told = Counter((e["id"], EVENT_OF[e["op"]]) for e in log if e["op"] in EVENT_OF)
    for (appeal_id, event), times in told.items():
        in_timeline = sum(1 for e in appeals[appeal_id]["timeline"] if e["type"] == event)
        if in_timeline < times:
            broken.append(f"{appeal_id}: told {event} {times}x, timeline has {in_timeline}")
            break
    if any(e["op"] == "5xx" for e in log):
        broken.append(f"{sum(1 for e in log if e['op'] == '5xx')} answers were 5xx")
    # The statistics equal the timelines once the pump has drained the streams. The
    # appeals are read again at each look: a request in flight when the traffic stopped may
    # still have written after the first read.
    deadline = time.monotonic() + drain_seconds
    drained_after = None
    started = time.monotonic()
    counters: dict[str, int] = {}
    expected: Counter[str] = Counter()
    while time.monotonic() < deadline:
        expected, day = _timeline_counts(scan(ddb, f"{PREFIX}-appeals"))
        counters = platform_counters(info, day)
        if all(counters.get(name, 0) == expected[name] for name in COUNTED):
            drained_after = time.monotonic() - started
            break
        time.sleep(2)
    if drained_after is None:
        shown = {n: (counters.get(n, 0), expected[n]) for n in COUNTED}
        broken.append(f"statistics (counted, expected) after {drain_seconds} s: {shown}")
    figures = {
        "accepted submissions": len(answered),
        "retries that found their first answer": sum(1 for e in submits if e["try"]),
        "gave up (429/503 three times)": sum(1 for e in log if e["op"] == "submit-gave-up"),
        "transitions": sum(told.values()),
        "statistics drained after s": None if drained_after is None else round(drained_after, 1),
    }
    return broken, figures


def _timeline_counts(appeals: list[dict[str, Any]]) -> tuple[Counter[str], str]:
    """What the statistics should count, from the appeals' timelines, and their day."""
    expected: Counter[str] = Counter()
    day = ""
    for appeal in appeals:
        for event in appeal["timeline"]:
            if event["type"] in COUNTED:
                expected[event["type"]] += 1
                day = max(day, str(event["at"])[:10])
    return expected, day


def latency(folder: Path) -> dict[str, Any]:
    with (folder / "locust_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    posts = next((r for r in rows if r["Name"] == "POST /appeals"), None)
    figures = {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput req/s": round(float(total["Requests/s"]), 1),
        "p50 ms": total["50%"],
        "p95 ms": total["95%"],
        "p99 ms": total["99%"],
    }
    if posts:
        figures["POST /appeals p50/p95/p99 ms"] = f"{posts['50%']}/{posts['95%']}/{posts['99%']}"
    return figures


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return (
        f"{os.cpu_count()} cores {model}, Python {platform.python_version()}, {platform.system()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m load.run", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--max-seconds", type=int, default=360, help="the traffic's longest run")
    parser.add_argument("--drain-seconds", type=int, default=600)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="minsheng-load-"))
    (folder / "stack").mkdir()
    print(f"Starting the local stack in {folder} ...", flush=True)
    process, info = start_stack(folder / "stack")
    try:
        (folder / "users.json").write_text(json.dumps(users(info, args.clients)), "utf-8")
        (folder / "requests.jsonl").write_text("", "utf-8")
        print(
            f"Load: {args.clients} clients, {args.submissions} submissions with department "
            f"actions and public reads, against {info['api_url']} ...",
            flush=True,
        )
        began = time.monotonic()
        run_locust(info["api_url"], folder, args.clients, args.max_seconds, args.submissions)
        traffic_seconds = time.monotonic() - began
        print("Traffic done; waiting for the pump to drain the streams ...", flush=True)
        broken, figures = check(info, folder, args.drain_seconds)
        figures = {**latency(folder), "traffic s": round(traffic_seconds, 1), **figures}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    print(f"\nmachine: {machine()}")
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value}")
    if broken:
        print("\nINVARIANTS BROKEN:")
        for line in broken:
            print(f"  - {line}")
        return 1
    print(
        "\nEvery invariant holds: each accepted appeal stored once, each transition in its "
        "timeline, the statistics equal to the appeals, no 5xx."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
