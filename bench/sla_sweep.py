"""Items read by one SLA sweep against the work orders due, with the same open set on top of
10,000 and of 100,000 closed appeals. Target: reads within 10% of the items due, the same
at both sizes (the sweep reads the sparse next-due index only).

    .venv/bin/python bench/sla_sweep.py [--sizes 10000 100000] [--open 600] [--due 150]
        [--json rows.json]
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from _harness import ItemsRead, emit, parser, provision, row

NOW = "2026-11-26T15:00:00.000+08:00"


def closed_item(i: int) -> dict[str, Any]:
    at = "2026-10-01T10:00:00.000+08:00"
    return {
        "id": {"S": f"20261001-C{i:07d}"},
        "state": {"S": "closed"},
        "kind": {"S": "complaint"},
        "channel": {"S": "app"},
        "title": {"S": "已办结"},
        "content": {"S": "已办结的诉求"},
        "citizen_id": {"S": f"c{i % 997}"},
        "is_public": {"BOOL": False},
        "timeline": {"L": []},
        "created_at": {"S": at},
        "updated_at": {"S": at},
        "state_at": {"S": at},
        "created_month": {"S": "2026-10"},
        "version": {"N": "9"},
        "rounds": {"N": "1"},
    }


def fill_closed(count: int) -> None:
    import boto3

    from chalicelib.core.config import settings

    client = boto3.client("dynamodb")
    table = settings().appeals_table
    for start in range(0, count, 25):
        batch = [
            {"PutRequest": {"Item": closed_item(i)}} for i in range(start, min(count, start + 25))
        ]
        client.batch_write_item(RequestItems={table: batch})


def open_set(total: int, due: int) -> None:
    """``total`` dispatched work orders; the first ``due`` are past their sign deadline."""
    from chalicelib.core.domain import clock
    from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
    from chalicelib.core.store import appeals as store

    now = clock.parse_iso(NOW)
    for i in range(total):
        dispatched = now - timedelta(minutes=20) if i < due else now - timedelta(minutes=1)
        sign = clock.iso(dispatched + timedelta(minutes=15))
        at = clock.iso(dispatched)
        store.create(
            Appeal(
                id=f"20261126-O{i:07d}",
                state=State.DISPATCHED,
                kind=Kind.COMPLAINT,
                channel=Channel.APP,
                title="t",
                content="c",
                citizen_id="c",
                created_at=at,
                updated_at=at,
                department_id="transport-bureau",
                deadlines={
                    "sign_due": sign,
                    "contact_due": clock.iso(dispatched + timedelta(minutes=30)),
                    "reply_due": clock.iso(dispatched + timedelta(days=3)),
                },
                warned=["sign"],
                timeline=[Event("dispatched", at, {"role": "operator", "id": "o"})],
            )
        )


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    arguments.add_argument("--open", type=int, default=600)
    arguments.add_argument("--due", type=int, default=150)
    args = arguments.parse_args()
    rows = []
    meter = ItemsRead()
    from moto import mock_aws

    from chalicelib.core.domain import clock

    print(f"{'closed appeals':>15}{'open':>7}{'due':>6}{'items read':>12}{'ratio':>8}  calls")
    for size in args.sizes:
        with mock_aws():
            provision()
            fill_closed(size)
            open_set(args.open, args.due)
            from chalicelib.work_orders.services import sla

            moment = clock.parse_iso(NOW)
            clock.set_clock(lambda m=moment: m)
            meter.start()
            result = sla.sweep(datetime.fromisoformat(NOW))
            items, calls = meter.stop()
            clock.set_clock(None)
            assert result["overdue"] == args.due, result
            print(
                f"{size:>15,}{args.open:>7}{args.due:>6}{items:>12}"
                f"{items / args.due:>8.2f}  {dict(calls)}"
            )
            rows.append(
                row(
                    f"SLA sweep: items read, {size:,} closed + {args.open} open",
                    items,
                    "items",
                    baseline=args.due,
                    at_most=1.10,
                )
            )
    print("target: items read within 10% of items due (ratio <= 1.10), the same at each size")
    emit(rows, args.json)


if __name__ == "__main__":
    main()
