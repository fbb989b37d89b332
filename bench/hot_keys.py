"""Hot keys at 2,000 appeals a second: the highest write rate on any single item and any
partition key of every table and global secondary index.

A representative slice of traffic runs through the real services on in-process moto: the
month simulator's appeals (intake on every channel, the center's triage, the departments'
transitions, ratings and rework, the SLA sweep and the hourly auto-close on the simulated
clock), every stream consumer fed in its declared batch size whenever about a full batch
is waiting (as at high load), the notifications queue's consumer, and one rankings refresh.
Every DynamoDB write (PutItem, UpdateItem, DeleteItem, and each item of TransactWriteItems
and BatchWriteItem) is recorded by a botocore hook with the simulated day it happened on;
a global secondary index takes a write when the item carries its key attributes before or
after (read from moto's table, whose indexes come from the model definitions).

Scaling: keys of one appeal, citizen, token or stream record do not take more writes when
there is more traffic (there are more of them): their rate is their busiest simulated
second's writes. Write shards (``stats#...#<n>``, ``marks#...#<n>``) are counted together
and divided by their number (each is picked uniformly). Every other key (periods,
departments, states, words, index buckets) is shared by the traffic: the slice has
``--per-day`` appeals a simulated day; at 2,000 appeals a second every such key's busiest
simulated day is multiplied by 2,000 / (per-day / 86,400 s) and divided by a day, i.e.
rate = busiest-day writes x 2,000 / per-day. Writes a schedule makes once per run outside
the appeals table (the refresh's snapshots) are taken at the deployed cadence instead.
Target: under 100 writes a second (a tenth of DynamoDB's 1,000 per partition).

    .venv/bin/python bench/hot_keys.py [--days 8 --per-day 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness  # noqa: F401  (the environment, before any AWS import)
from _streams import Pump, row, start_stack, write_json

RATE = 2000.0  # appeals a second
TARGET = 100.0  # writes a second, per item and per partition key
# Deployed cadence of the schedules whose own writes do not grow with traffic.
CADENCE_SECONDS = {"rankings_refresh": 900}
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
_PHONE = re.compile(r"1[3-9]\d{9}")
# Keys of one appeal, one citizen, one token or one stream record: more traffic brings more
# of them, not more writes to each (a citizen at 2,000 appeals a second is still one person).
_ENTITY = re.compile(
    r"\d{8}-[0-9A-Z]{8}|sim-citizen-\d+|[0-9a-f]{32}|^dedup#|^support#|^topic-seen#"
)


def per_entity(key: str) -> bool:
    return bool(_ENTITY.search(key))


def _sharded() -> list[tuple[re.Pattern[str], int]]:
    from chalicelib.figures.store.statistics import COUNTER_SHARDS, MARK_SHARDS

    return [
        (re.compile(r"^(stats#.+#)\d+(\|.*)?$"), COUNTER_SHARDS),
        (re.compile(r"^(marks#.+#)\d+(\|.*)?$"), MARK_SHARDS),
    ]


def logical(key: str) -> tuple[str, int]:
    """A write shard's key as its logical key (``#*`` for the shard) and the number of
    shards: a shard is picked uniformly per transaction (counters) or per appeal (marks),
    so each takes the logical key's rate divided by their number (the slice is too small
    for each shard's own count to mean much)."""
    for pattern, shards in _sharded():
        match = pattern.match(key)
        if match:
            return f"{match.group(1)}*{match.group(2) or ''}", shards
    return key, 1


def _display(key: str) -> str:
    """Keys as printed: a phone number in a key is masked (138****1234)."""
    return _PHONE.sub(lambda m: f"{m.group()[:3]}****{m.group()[-4:]}", key)


class WriteMeter:
    """Every DynamoDB write item by item: (source, simulated day, table, index, item key,
    partition key). Hooks on every botocore client (PynamoDB's too), installed before any
    client exists."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.on = False
        self.source = "-"
        self.day = lambda: "-"
        self.rows: Counter[tuple[str, str, str, str, str, str]] = Counter()
        self.second = lambda: 0
        # (table, index, "item"|"pk", key, simulated second) for keys of one entity
        self.bursts: Counter[tuple[str, str, str, str, int]] = Counter()
        self._pending: list[tuple[str, dict[str, Any], Any]] = []
        original = BaseClient.__init__
        meter = self

        def init(client: Any, *args: Any, **kwargs: Any) -> None:
            original(client, *args, **kwargs)
            if client.meta.service_model.service_name == "dynamodb":
                client.meta.events.register("before-parameter-build.dynamodb", meter.before)
                client.meta.events.register("after-call.dynamodb", meter.after)

        BaseClient.__init__ = init  # type: ignore[method-assign]

    @staticmethod
    def _backend() -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def _targets(self, name: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(table, key) of each item the call writes."""
        backend = self._backend()

        def key_of(table: str, item: dict[str, Any]) -> dict[str, Any]:
            t = backend.get_table(table)
            names = [t.hash_key_attr] + ([t.range_key_attr] if t.range_key_attr else [])
            return {n: item[n] for n in names if n in item}

        if name == "PutItem":
            return [(params["TableName"], key_of(params["TableName"], params["Item"]))]
        if name in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"])]
        out = []
        if name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                for op, body in entry.items():
                    if op == "Put":
                        out.append((body["TableName"], key_of(body["TableName"], body["Item"])))
                    elif op in ("Update", "Delete"):
                        out.append((body["TableName"], body["Key"]))
        elif name == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        out.append((table, key_of(table, request["PutRequest"]["Item"])))
                    else:
                        out.append((table, request["DeleteRequest"]["Key"]))
        return out

    def _item(self, table: str, key: dict[str, Any]) -> Any:
        try:
            return self._backend().get_item(table, key)
        except Exception:
            return None

    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.on or model.name not in WRITES:
            return
        for table, key in self._targets(model.name, params):
            before = self._item(table, key)
            self._pending.append((table, key, dict(before.attrs) if before else {}))

    def after(self, model: Any, **_: Any) -> None:
        if not self.on or model.name not in WRITES:
            return
        pending, self._pending = self._pending, []
        backend = self._backend()
        day, second = self.day(), self.second()
        for table, key, before in pending:
            after_item = self._item(table, key)
            after = dict(after_item.attrs) if after_item else {}
            t = backend.get_table(table)
            short = table.removeprefix("minsheng-bench-")
            item = "|".join(str(next(iter(v.values()))) for v in key.values())
            pk = str(next(iter(key[t.hash_key_attr].values())))
            if short == "stats":  # one table, several kinds of derived data: shown apart
                short = f"stats ({pk.split('#', 1)[0]})"
            self.rows[(self.source, day, short, "-", item, pk)] += 1
            self._burst(short, "-", item, pk, second)
            for index in t.global_indexes:
                names = [k["AttributeName"] for k in index.schema]
                holds = [image for image in (before, after) if all(n in image for n in names)]
                if holds:
                    hash_name = next(
                        k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"
                    )
                    gsi_pk = str(holds[-1][hash_name].value)
                    self.rows[(self.source, day, short, index.name, item, gsi_pk)] += 1
                    self._burst(short, index.name, item, gsi_pk, second)

    def _burst(self, table: str, index: str, item: str, pk: str, second: int) -> None:
        if per_entity(item):
            self.bursts[(table, index, "item", item, second)] += 1
        if per_entity(pk):
            self.bursts[(table, index, "pk", pk, second)] += 1


def run(days: int, per_day: int, seed: int) -> tuple[WriteMeter, dict[str, Any]]:
    meter = WriteMeter()
    from moto import mock_aws

    from chalicelib.core.domain import clock
    from chalicelib.core.domain.clock import TZ
    from chalicelib.local.simulate import Simulation

    records_per_appeal = 8  # about, for the drain's cadence: a full batch of 100 waits
    drain_hours = max(1, round(100 / (per_day * records_per_appeal / 24)))
    info: dict[str, Any] = {"drain_hours": drain_hours}
    with mock_aws():
        app = start_stack()
        pump = Pump(app)
        end = datetime(2026, 11, 26, 23, 59, tzinfo=TZ)
        start = (end - timedelta(days=days)).replace(hour=0, minute=0)
        sim = Simulation(start, days, per_day, seed, sweep_minutes=60)
        sim.end = end
        original_act = sim.act

        def act(name: str, fn: Any, *args: Any) -> Any:
            meter.source = name
            return original_act(name, fn, *args)

        sim.act = act  # type: ignore[method-assign]

        def drain() -> None:
            pump.drain(lambda name: setattr(meter, "source", f"stream:{name}"))
            meter.source = "queue:deliver_notifications"
            pump.drain_queues()

        moment = start
        while moment < end:
            moment += timedelta(hours=drain_hours)
            sim.at(moment, drain)
        meter.day = lambda: clock.now().astimezone(TZ).strftime("%Y-%m-%d")
        meter.second = lambda: int(clock.now().timestamp())
        meter.on = True
        began = time.perf_counter()
        summary = sim.run()
        clock.set_clock(lambda: end)
        try:
            drain()
            from chalicelib.figures.services import rankings

            meter.source = "rankings_refresh"
            rankings.refresh(end)
        finally:
            clock.set_clock(None)
        meter.on = False
        info.update(
            appeals=summary.appeals,
            actions=dict(summary.actions or {}),
            seconds=time.perf_counter() - began,
            records=dict(pump.records),
            failures=pump.failures,
        )
    return meter, info


def rates(
    meter: WriteMeter, per_day: int
) -> tuple[dict[tuple[str, str], Counter[str]], dict[tuple[str, str], Counter[str]]]:
    """(table, index) -> item -> writes a second at RATE, and the same per partition key."""
    scale = RATE / per_day  # busiest day's writes -> writes a second at RATE
    by_day_item: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    by_day_pk: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    fixed_item: dict[tuple[str, str, str], float] = defaultdict(float)
    fixed_pk: dict[tuple[str, str, str], float] = defaultdict(float)
    for (source, day, table, index, item, pk), n in meter.rows.items():
        if source in CADENCE_SECONDS:
            fixed_item[(table, index, item)] += n / CADENCE_SECONDS[source]
            fixed_pk[(table, index, pk)] += n / CADENCE_SECONDS[source]
            continue
        by_day_item[(table, index, item)][day] += n
        by_day_pk[(table, index, pk)][day] += n
    items: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    pks: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for found, by_day in ((items, by_day_item), (pks, by_day_pk)):
        grouped: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
        shards_of: dict[str, int] = {}
        for (table, index, key), days in by_day.items():
            if not per_entity(key):
                name, shards_of[name] = logical(key)
                grouped[(table, index, name)].update(days)
        for (table, index, name), days in grouped.items():
            found[(table, index)][name] = max(days.values()) * scale / shards_of[name]
    for (table, index, kind, key, _second), n in meter.bursts.items():
        found = items if kind == "item" else pks
        found[(table, index)][key] = max(found[(table, index)][key], float(n))
    for (table, index, item), rate in fixed_item.items():
        items[(table, index)][item] += rate
    for (table, index, pk), rate in fixed_pk.items():
        pks[(table, index)][pk] += rate
    return items, pks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--per-day", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--json", help="write the bench table's rows here")
    args = parser.parse_args()
    meter, info = run(args.days, args.per_day, args.seed)
    items, pks = rates(meter, args.per_day)
    print(
        f"Slice: {info['appeals']} appeals over {args.days} simulated days ({args.per_day} a day),"
        f" {sum(info['records'].values())} records to the consumers, streams drained every"
        f" {info['drain_hours']} simulated hours; {info['seconds']:.0f} s."
    )
    print(
        f"Rates at {RATE:,.0f} appeals/s = busiest simulated day's writes x {RATE:,.0f} /"
        f" {args.per_day} (steady state); target < {TARGET:.0f} writes/s per item and per"
        " partition key.\n"
    )
    out: list[dict[str, Any]] = []
    worst_item = worst_pk = 0.0
    for table, index in sorted(set(items) | set(pks)):
        name = table if index == "-" else f"{table} / {index}"
        top_items = items[(table, index)].most_common(args.top)
        top_pks = pks[(table, index)].most_common(args.top)
        item_max = top_items[0][1] if top_items else 0.0
        pk_max = top_pks[0][1] if top_pks else 0.0
        worst_item, worst_pk = max(worst_item, item_max), max(worst_pk, pk_max)
        flag = "" if max(item_max, pk_max) < TARGET else "   <-- over target"
        print(f"{name}: item max {item_max:,.1f}/s, partition key max {pk_max:,.1f}/s{flag}")
        for key, rate in top_items:
            print(f"    item {_display(key)[:90]:<90} {rate:>10,.1f}/s")
        for key, rate in top_pks:
            print(f"    pk   {_display(key)[:90]:<90} {rate:>10,.1f}/s")
        out.append(
            row(
                f"hot keys: {name}, busiest item",
                item_max,
                "writes/s",
                "< 100 /s",
                item_max < TARGET,
            )
        )
        out.append(
            row(
                f"hot keys: {name}, busiest partition key",
                pk_max,
                "writes/s",
                "< 100 /s",
                pk_max < TARGET,
            )
        )
    print(f"\nBusiest item anywhere: {worst_item:,.1f}/s; busiest partition key: {worst_pk:,.1f}/s")
    if info["failures"]:
        print(f"Set aside or failed deliveries: {info['failures']}")
    out.insert(
        0,
        row(
            "hot keys: busiest partition key, any table or index",
            worst_pk,
            "writes/s",
            "< 100 /s",
            worst_pk < TARGET,
        ),
    )
    out.insert(
        0,
        row(
            "hot keys: busiest item, any table or index",
            worst_item,
            "writes/s",
            "< 100 /s",
            worst_item < TARGET,
        ),
    )
    write_json(args.json, out)


if __name__ == "__main__":
    main()
