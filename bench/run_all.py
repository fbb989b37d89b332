"""``make bench``: every benchmark in its own process with ``--json``, then one table of
their figures (measured value, the baseline measured in the same run, their ratio, the
target and whether it holds), with the machine it ran on at the top.

    .venv/bin/python bench/run_all.py [--only cold_start lifecycle_cost] [--json all.json]

To add a bench: a script in ``bench/`` that accepts ``--json PATH`` and writes a list of
rows there (``_harness.row`` builds one), then a line in ``BENCHES`` below with the
arguments that size it for this run (the whole table must stay under 10 minutes on two
cores, the local month's 5 apart). A script listed here that does not exist yet is
reported as missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# (script, arguments): sized so that the whole run stays under 10 minutes on two cores,
# besides the local month's own 5.
BENCHES: list[tuple[str, list[str]]] = [
    ("cold_start.py", ["--runs", "15"]),
    ("first_call.py", ["--runs", "10"]),
    ("warm_intake.py", ["--runs", "30"]),
    ("warm_reads.py", ["--runs", "200"]),
    ("lifecycle_cost.py", ["--comments", "100"]),
    ("sla_sweep.py", ["--sizes", "2000", "8000", "--open", "200", "--due", "50"]),
    ("rankings.py", ["--volumes", "40", "160"]),
    ("topics_cost.py", []),
    ("notifications_cost.py", []),
    ("package_size.py", []),
    ("knowledge_search.py", []),
    ("reply_check.py", []),
    ("hot_keys.py", []),
    ("digest_rate.py", []),
    # make run as a newcomer sees it: ready, then the README's month digested (about 5
    # minutes of the table's time on an idle two-core machine).
    ("local_month.py", ["--days", "30", "--per-day", "60"]),
    ("mail_parse.py", ["--runs", "3"]),
    ("export_memory.py", ["--sizes", "1000", "10000", "--formats", "xlsx"]),
]
COLUMNS = ("figure", "value", "unit", "baseline", "ratio", "target", "holds")


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPU ({model}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{int(value):,}"


def table(rows: list[dict[str, Any]]) -> str:
    cells = [
        [
            str(r["figure"]),
            number(r["value"]),
            str(r.get("unit") or ""),
            number(r.get("baseline")),
            number(r.get("ratio")),
            str(r.get("target") or "-"),
            "-" if r.get("holds") is None else number(bool(r["holds"])),
        ]
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [list(COLUMNS), *cells]) for i in range(len(COLUMNS))]
    right = {1, 3, 4}

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(COLUMNS)), rule, *(line(c) for c in cells)])


def run(script: str, arguments: list[str], out: Path, log: Path) -> tuple[str, float]:
    began = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(
            [sys.executable, str(BENCH / script), *arguments, "--json", str(out)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    took = time.perf_counter() - began
    return ("ok" if done.returncode == 0 and out.exists() else f"failed ({done.returncode})"), took


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--only", nargs="+", help="bench names (without .py) to run")
    arguments.add_argument("--json", type=Path, help="also write every row here")
    arguments.add_argument("--logs", type=Path, help="keep each bench's own output here")
    args = arguments.parse_args()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="minsheng-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"each bench's own output: {logs}/")
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    for script, extra in BENCHES:
        name = script.removesuffix(".py")
        if args.only and name not in args.only:
            continue
        if not (BENCH / script).exists():
            print(f"  {name:<22} missing")
            rows.append(
                {
                    "figure": f"{name}: missing",
                    "value": None,
                    "unit": "",
                    "baseline": None,
                    "ratio": None,
                    "target": None,
                    "holds": None,
                }
            )
            continue
        out = logs / f"{name}.json"
        status, took = run(script, extra, out, logs / f"{name}.txt")
        print(f"  {name:<22} {status:<12} {took:6.1f} s", flush=True)
        if status == "ok":
            rows += json.loads(out.read_text("utf-8"))
        else:
            rows.append(
                {
                    "figure": f"{name}: {status}, see {logs / (name + '.txt')}",
                    "value": None,
                    "unit": "",
                    "baseline": None,
                    "ratio": None,
                    "target": None,
                    "holds": False,
                }
            )
    total = time.perf_counter() - began
    print()
    print(table(rows))
    missed = [r["figure"] for r in rows if r.get("holds") is False]
    print()
    print(
        f"{len(rows)} figures in {total:.0f} s; "
        + (
            f"{len(missed)} miss their target: " + "; ".join(missed)
            if missed
            else "every figure with a target holds"
        )
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
