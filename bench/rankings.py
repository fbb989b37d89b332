"""Items read by one rankings refresh at two appeal volumes. The counters are filled through
the real counting path (the stream consumer's increments and exactly-once writes) from
synthetic month-long timelines. Target: items read independent of the volume.

    .venv/bin/python bench/rankings.py [--volumes 1000 4000] [--json rows.json]
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from _harness import ItemsRead, emit, parser, provision, row


def fill(volume: int, seed: int = 1) -> None:
    from chalicelib.core.domain import clock
    from chalicelib.core.domain.clock import TZ
    from chalicelib.data import district
    from chalicelib.figures.domain.statistics import increments
    from chalicelib.figures.store import statistics as statistics_store

    rng = random.Random(seed)
    units = [u["id"] for u in [*district()["departments"], *district()["towns_and_streets"]]]
    start = datetime(2026, 11, 1, 8, tzinfo=TZ)
    for n in range(volume):
        at = start + timedelta(minutes=rng.randrange(25 * 24 * 60))
        department = rng.choice(units)
        due = {
            "sign_due": clock.iso(at + timedelta(minutes=15)),
            "contact_due": clock.iso(at + timedelta(minutes=30)),
            "reply_due": clock.iso(at + timedelta(days=3)),
        }
        steps = [
            ("dispatched", 0, {"department_id": department}),
            ("signed", 10, {}),
            ("contacted", 25, {}),
            ("replied", 60 * rng.choice([5, 30, 90]), {"on_time": True}),
            (
                "rated",
                60 * 100,
                {"score": rng.randint(1, 5), "resolved": True, "department_id": department},
            ),
        ]
        timeline: list[dict[str, object]] = []
        for sequence, (kind, minutes, data) in enumerate(steps):
            old = {"timeline": list(timeline), "overdue": []}
            timeline.append(
                {"type": kind, "at": clock.iso(at + timedelta(minutes=minutes)), "data": data}
            )
            new = {"timeline": list(timeline), "department_id": department, "deadlines": due}
            counted = statistics_store.Counted(f"{n:08d}{sequence}", increments(old, new))
            statistics_store.apply_once("statistics", counted, "x")


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--volumes", type=int, nargs="+", default=[1_000, 4_000])
    args = arguments.parse_args()
    found: list[tuple[int, int]] = []
    meter = ItemsRead()
    from moto import mock_aws

    from chalicelib.core.domain.clock import TZ

    print(f"{'appeals':>9}{'items read':>12}  calls")
    for volume in args.volumes:
        with mock_aws():
            provision()
            fill(volume)
            from chalicelib.figures.services import rankings

            meter.start()
            result = rankings.refresh(datetime(2026, 11, 26, 12, tzinfo=TZ))
            items, calls = meter.stop()
            print(f"{volume:>9,}{items:>12}  {dict(calls)}  ({result['snapshots']} snapshots)")
            found.append((volume, items))
    from chalicelib.data import district

    units = len(district()["departments"]) + len(district()["towns_and_streets"])
    from chalicelib.figures.store.statistics import COUNTER_SHARDS

    bound = units + 6 * (units + 1) * COUNTER_SHARDS
    print(
        f"target: items read the same at every volume; the bound is the departments list "
        f"({units}) plus, for 6 periods, {COUNTER_SHARDS} counter shards per department and"
        f" the platform: {bound}. Below it only while some shard has no case in some period."
    )
    emit(
        [
            row(
                f"rankings refresh: items read at {volume:,} appeals",
                items,
                "items",
                baseline=bound,
                at_most=1.0,
                target="≤ 1 (bound: departments, not appeals)",
            )
            for volume, items in found
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
