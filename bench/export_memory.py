"""Peak memory of the export consumer building a month of work orders into a file, for a
small and a ten times larger month. Target: the larger month's peak within 1.5 times the
smaller's (the rows are streamed from the month index a page at a time into a file on
disk, so the peak follows the page size, not the month's size).

    .venv/bin/python bench/export_memory.py [--sizes 1000 10000] [--formats xlsx csv]
        [--store pages|moto] [--json rows.json]

Measured with tracemalloc around ``exports.build``: the record claimed and finished, the
departments and categories read, every page of work orders turned into rows, the writer
(openpyxl's write-only workbook, or csv) and the file read back for the upload.

``--store pages`` (the default): each page of the month index is one page of full work
orders as a batch read returns them (DynamoDB JSON, deserialised through the PynamoDB
model, as ``submitted_pages`` does), made as it is asked for. moto's DynamoDB is too slow
for 10,000 rows (its query projects and deep-copies every item it returns: about 3 s per
page of 100 here) and, in process, it would put its own copies in the measured heap;
``--store moto`` reads the real month index from moto's server, run in a process of its
own (so only the consumer's side is in the measured heap), for a check at smaller sizes.
The upload is replaced by a reader that takes the file from disk in 1 MB chunks, as
botocore sends a file body (moto would keep the object's bytes in this same heap: on AWS
that is S3's memory, not the function's).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any

from _harness import emit, parser, provision, row

MONTH_START = "2026-11-01T08:00:00.000+08:00"


def work_order(i: int, count: int) -> Any:
    """The ``i``-th of ``count`` work orders submitted in November 2026, with a contact, a
    timeline of six steps, a reply and a rating (a 举报 in every 20)."""
    from chalicelib.core.domain import clock
    from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State

    start = clock.parse_iso(MONTH_START)
    step = timedelta(minutes=(29 * 24 * 60) / count)
    actor = {"role": "department", "id": "transport-bureau"}
    if True:
        if True:
            at = start + step * i
            times = [clock.iso(at + timedelta(minutes=m)) for m in (0, 5, 12, 25, 600, 900)]
            kind = Kind.WHISTLEBLOWING if i % 20 == 0 else Kind.COMPLAINT
            appeal = Appeal(
                id=f"{at:%Y%m%d}-B{i:07d}",
                state=State.CLOSED,
                kind=kind,
                channel=Channel.HOTLINE,
                title=f"东门路口路灯不亮第{i}号",
                content="东门路口的路灯已经坏了三天，晚上行人很多，存在安全隐患，请尽快修复。" * 3,
                citizen_id=f"citizen-{i % 997}",
                created_at=times[0],
                updated_at=times[-1],
                state_at=times[-1],
                category="street-lights",
                contact={"name": "张三丰", "phone": f"138{i:08d}"},
                location={"lat": 36.8, "lng": 118.0, "address": "般阳路街道东门路12号"},
                department_id="transport-bureau",
                deadlines={"reply_due": clock.iso(at + timedelta(days=3))},
                reply={
                    "content": "已修复。",
                    "handler_name": "李工",
                    "handler_phone": "13900000000",
                    "public_reply": "已修复",
                    "department_id": "transport-bureau",
                    "at": times[4],
                },
                rating={"score": 5, "resolved": True, "comment": "很快"},
                timeline=[
                    Event(kind, times[n], actor)
                    for n, kind in enumerate(
                        ("submitted", "dispatched", "signed", "contacted", "replied", "rated")
                    )
                ],
                version=7,
                rounds=1,
            )
            return appeal


def fill(count: int) -> None:
    """The month in moto's appeals table (``--store moto``)."""
    from chalicelib.core.store.appeals import _to_model
    from chalicelib.core.store.models import AppealModel

    with AppealModel.batch_write() as batch:
        for i in range(count):
            batch.save(_to_model(work_order(i, count)))


def generated_pages(count: int) -> Any:
    """``submitted_pages`` as the month index and batch reads would answer it: pages of
    full work orders in DynamoDB JSON, deserialised through the model, made on demand."""
    from chalicelib.core.store.appeals import _from_model, _to_model
    from chalicelib.core.store.models import AppealModel

    def pages(_since: str, _until: str, page_size: int, keep: Any = None) -> Iterator[list[Any]]:
        for start in range(0, count, page_size):
            raw = [
                _to_model(work_order(i, count)).serialize()
                for i in range(start, min(count, start + page_size))
            ]
            found = [_from_model(AppealModel.from_raw_data(item)) for item in raw]
            yield [a for a in found if keep is None or keep(a)]

    return pages


_made: list[int] = []


def measure(size: int, file_format: str) -> tuple[int, int, int, float]:
    """(peak bytes, rows, file bytes, seconds) of one build."""
    from chalicelib.core.domain import clock
    from chalicelib.exports.integrations import exports as outlet
    from chalicelib.exports.services import exports
    from chalicelib.exports.store import exports as records

    _made.append(size)
    export_id = f"20261201T090000-{len(_made):010x}"
    records.create(
        export_id,
        {
            "export_id": export_id,
            "kind": "work-orders",
            "period": "2026-11",
            "file_format": file_format,
            "filters": {},
            "state": "queued",
            "requested_by": "bench",
            "requester_id": "bench",
            "requester_role": "leader",
            "requested_at": clock.iso(clock.now()),
        },
    )
    sent = {"bytes": 0}

    def streamed(_key: str, body: IO[bytes], _type: str, _name: str) -> None:
        while chunk := body.read(1 << 20):
            sent["bytes"] += len(chunk)

    store_file: Any = outlet.store_file
    outlet.store_file = streamed
    try:
        tracemalloc.start()
        tracemalloc.reset_peak()
        began = time.perf_counter()
        assert exports.build({"export_id": export_id}, 1) == "done"
        seconds = time.perf_counter() - began
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        outlet.store_file = store_file
    record = records.get(export_id) or {}
    return peak, int(record.get("rows") or 0), sent["bytes"], seconds


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def moto_server(port: int) -> Any:
    """moto's server in a process of its own (a fresh one: empty), every client of this
    process pointed at it."""
    import os
    import socket
    import subprocess
    import sys

    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    os.environ["MINSHENG_AWS_ENDPOINT"] = endpoint
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    return server


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", type=int, nargs=2, default=[1_000, 10_000])
    arguments.add_argument("--formats", nargs="+", default=["xlsx", "csv"])
    arguments.add_argument("--store", choices=["pages", "moto"], default="pages")
    args = arguments.parse_args()
    import contextlib

    from moto import mock_aws

    port = free_port()

    from chalicelib.core.config import settings

    small, large = args.sizes
    # A warm function: openpyxl imported once (its modules stay, as in a Lambda container
    # after its first export), so the first size measured does not carry the import.
    import openpyxl.cell
    import openpyxl.styles
    import openpyxl.utils  # noqa: F401

    peaks: dict[tuple[int, str], int] = {}
    print(f"{'rows':>8}{'format':>8}{'peak MB':>10}{'file MB':>10}{'seconds':>10}")
    for size in args.sizes:
        server = moto_server(port) if args.store == "moto" else None
        with contextlib.nullcontext() if server else mock_aws():
            provision()
            settings.cache_clear()
            from chalicelib.exports.services import exports

            read_pages = exports.appeal_store.submitted_pages
            if args.store == "moto":
                fill(size)
            else:
                exports.appeal_store.submitted_pages = generated_pages(size)  # type: ignore[assignment]
            try:
                measured = [(f, measure(size, f)) for f in args.formats]
            finally:
                exports.appeal_store.submitted_pages = read_pages  # type: ignore[assignment]
            for file_format, (peak, rows, file_bytes, seconds) in measured:
                assert rows == size, (rows, size)
                peaks[(size, file_format)] = peak
                print(
                    f"{size:>8,}{file_format:>8}{peak / 1e6:>10.2f}{file_bytes / 1e6:>10.2f}"
                    f"{seconds:>10.1f}"
                )
        if server is not None:
            server.terminate()
            server.wait()
    rows = []
    for file_format in args.formats:
        rows.append(
            row(
                f"export consumer: peak memory, {large:,} rows ({file_format}, {args.store}) "
                f"vs {small:,}",
                peaks[(large, file_format)] / 1e6,
                "MB",
                baseline=peaks[(small, file_format)] / 1e6,
                at_most=1.5,
            )
        )
    print(f"page size {settings().export_page_size}; target: peak at {large:,} rows within 1.5x")
    emit(rows, args.json)


if __name__ == "__main__":
    main()
