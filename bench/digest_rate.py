"""The local stack's digest rate: how long the README's simulated month takes to be seeded
and fully digested (streams drained through every consumer, the notifications queue
delivered, rankings refreshed), and the records per second of each consumer.

It runs what ``make run`` runs, the same way (moto's server on loopback in a process of
its own, the app's clients through it), without the HTTP API: a
smaller month (``--days`` x ``--per-day`` appeals) is seeded, then each consumer reads the
stream and gets its declared batches one after the other, timed apart. The README's month
(30 x 60 appeals) is projected from it: seeding by the number of appeals, digesting by the
number of records (both grow linearly with them). ``--days 30 --per-day 60`` measures the
month itself. Times are CPU time, this process's and moto's process's added up, so a
machine busy with other work does not inflate them (and two processes on two cores do
not halve them: ``bench/local_month.py`` measures the stack's wall time); the wall time
is printed too.

    .venv/bin/python bench/digest_rate.py [--days 30 --per-day 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness  # noqa: F401  (the environment, before any AWS import)
from _streams import REGION, Pump, row, write_json

TARGET_SECONDS = 300.0
README_DAYS, README_PER_DAY = 30, 60


def start_server() -> tuple[Any, str]:
    """moto in a process of its own, and the environment the local stack gives the app."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from chalicelib.local.moto_process import MotoProcess
    from chalicelib.local.stack import _aws_environment

    server = MotoProcess.start("127.0.0.1", 0)
    _aws_environment(server.endpoint)
    os.environ["MINSHENG_TABLE_PREFIX"] = "minsheng-bench"
    return server, server.endpoint


class Cpu:
    """CPU seconds of this process and of moto's, added up."""

    def __init__(self, server: Any) -> None:
        self._stat = Path(f"/proc/{server.process.pid}/stat")
        self._tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float:
        fields = self._stat.read_text().rsplit(")", 1)[1].split()
        moto = (int(fields[11]) + int(fields[12])) / self._tick  # utime + stime
        return time.process_time() + moto


def provision(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    from chalicelib.core.config import settings
    from chalicelib.core.domain import clock
    from chalicelib.core.integrations.aws import reset_clients
    from chalicelib.local import demo
    from chalicelib.local import provision as resources

    cfg = Config(account_id_endpoint_mode="disabled")

    def aws(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION, config=cfg)

    identity = resources.create_user_pool(aws("cognito-idp"), "minsheng-bench")
    os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
    os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
    settings.cache_clear()
    reset_clients()
    resources.create_tables(aws("dynamodb"))
    resources.create_owner_key_secret(aws("secretsmanager"), settings().owner_key_secret)
    resources.create_queues(aws("sqs"))
    resources.create_media_bucket(aws("s3"), settings().media_bucket, REGION)
    resources.create_email_identity(aws("sesv2"), settings().report_sender)
    demo.load_reference_data(clock.iso(clock.now()))
    demo.load_report_recipients(clock.iso(clock.now()))
    from app import app

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=3)
    parser.add_argument("--json", help="write the bench table's rows here")
    args = parser.parse_args()
    server, endpoint = start_server()
    cpu = Cpu(server)
    wall = time.perf_counter()
    try:
        app = provision(endpoint)
        from chalicelib.core.domain import clock
        from chalicelib.figures.services import rankings
        from chalicelib.local.simulate import simulate

        began = cpu()
        summary = simulate(clock.now(), args.days, args.per_day)
        seed = cpu() - began
        pump = Pump(app, endpoint=endpoint, clock=cpu)
        began = cpu()
        records = pump.drain()
        pump.drain_queues()
        began_refresh = cpu()
        rankings.refresh()
        refresh = cpu() - began_refresh
        digest = cpu() - began
    finally:
        server.stop()
    wall = time.perf_counter() - wall
    appeals = summary.appeals
    month_appeals = README_DAYS * README_PER_DAY
    factor = month_appeals / max(appeals, 1)
    projected = seed * factor + (digest - refresh) * factor + refresh
    print(
        f"Seeded {appeals} appeals ({args.days} days x {args.per_day}) in {seed:.1f} s"
        f" ({appeals / seed:.1f} appeals/s); {records} stream records."
    )
    print(
        f"Digested in {digest:.1f} s (stream reads {pump.reads:.1f} s, refresh {refresh:.1f} s);"
        f" CPU seconds throughout, {wall:.0f} s of wall time in all:"
    )
    out = []
    for name in sorted(pump.seconds):
        n, secs = pump.records[name], pump.seconds[name]
        rate = n / secs if secs else 0.0
        print(f"  {name:<24} {n:>7} records {secs:>7.1f} s {rate:>9.1f} records/s")
        out.append(row(f"digest: {name}", rate, "records/s", "(reported)", None))
    if pump.errors:
        print(f"  failed invocations (retried): {dict(pump.errors)} {pump.last_error}")
    scaled = "measured" if factor == 1 else f"projected x{factor:.1f} from this run"
    print(
        f"The README's month ({README_DAYS} x {README_PER_DAY} = {month_appeals} appeals),"
        f" {scaled}: seed {seed * factor:.0f} s + digest"
        f" {(digest - refresh) * factor + refresh:.0f} s = {projected:.0f} s"
        f" (target <= {TARGET_SECONDS:.0f} s)."
    )
    out.insert(
        0,
        row(
            f"local month seeded and digested ({month_appeals} appeals, {scaled})",
            projected,
            "s",
            f"<= {TARGET_SECONDS:.0f} s",
            projected <= TARGET_SECONDS,
        ),
    )
    write_json(args.json, out)


if __name__ == "__main__":
    main()
