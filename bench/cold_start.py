"""Cold start of every deployed function: the median CPU time to import its entry (the module
its Lambda handler string names, as ``chalice package`` writes it) in a fresh interpreter,
next to ``import boto3, chalice`` (what any Chalice function on Lambda pays) measured in the
same rounds, and their ratio. Target: at most 1.25 for every function. Runs are interleaved
(one of each per round) so that load from other processes falls on all alike.

The API function imports a route's blueprint module on the route's first request
(chalicelib/core/http/lazy.py), so its import is not the whole of a cold request: the
table also has the import of the app with one blueprint's module loaded, for every HTTP
blueprint (``first request``), the worst of them and the operator's queue named. Those
rows carry the same target.

    .venv/bin/python bench/cold_start.py [--runs 15] [--json rows.json]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from typing import Any

from _harness import ROOT, emit, parser, row

# CPU time (user + system) of the import, not wall time: on a machine shared with other work
# the wall clock measures the queue for the CPU; on Lambda's own vCPU the two are close.
PROBE = "import time; t = time.process_time(); {stmt}; print(time.process_time() - t)"
BASELINE = "import boto3, chalice"
TARGET = 1.25


def entries() -> dict[str, list[str]]:
    """Entry module -> the deployed functions (template logical ids) whose handler it is."""
    from chalice.utils import to_cfn_resource_name

    from app import app

    found: dict[str, list[str]] = defaultdict(list)
    found["app"].append("APIHandler")
    for source in app.event_sources:
        handler = getattr(source, "handler_string", "")
        module = handler.rsplit(".", 1)[0]
        found[module].append(to_cfn_resource_name(source.name))
    return dict(found)


def sample(stmt: str) -> float:
    env = {
        **os.environ,
        "MINSHENG_STAGE": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(stmt=stmt)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def http_blueprints() -> list[str]:
    from chalicelib.core.http.lazy import manifest

    return [ref for ref in manifest()["blueprints"] if ".http." in ref]


FIRST_REQUEST = "import app; from chalicelib.core.http.lazy import load; load({ref!r})"
QUEUE = "chalicelib.work_orders.http.operator:bp"  # GET /work-orders, the busiest read


def main() -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--runs", type=int, default=15)
    args = args_parser.parse_args()
    modules = entries()
    statements = {BASELINE: BASELINE, **{m: f"import {m}" for m in modules}}
    for ref in http_blueprints():
        statements[ref] = FIRST_REQUEST.format(ref=ref)
    for stmt in statements.values():
        sample(stmt)  # the bytecode cache, warm for all
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.runs):
        for name, stmt in statements.items():
            samples[name].append(sample(stmt))
    base = statistics.median(samples[BASELINE])
    print(f"runs per figure {args.runs}, interleaved")
    print(f"{BASELINE:<45}{base * 1000:8.1f} ms (median)")
    rows: list[dict[str, Any]] = []
    worst = 0.0
    firsts = {ref: statistics.median(samples[ref]) for ref in http_blueprints()}
    worst_ref = max(firsts, key=lambda ref: firsts[ref])
    for ref in sorted(firsts):
        print(
            f"first request {ref:<45}{firsts[ref] * 1000:8.1f} ms  ratio {firsts[ref] / base:5.2f}"
        )
    for label, ref in (("worst blueprint", worst_ref), ("operator's queue", QUEUE)):
        rows.append(
            row(
                f"cold start APIHandler, first request ({label}: {ref.split(':')[0]})",
                firsts[ref] * 1000,
                "ms",
                baseline=base * 1000,
                at_most=TARGET,
            )
        )
    for module, functions in sorted(modules.items()):
        took = statistics.median(samples[module])
        worst = max(worst, took / base)
        print(
            f"import {module:<38}{took * 1000:8.1f} ms  ratio {took / base:5.2f}  "
            f"({', '.join(functions)})"
        )
        for function in functions:
            rows.append(
                row(
                    f"cold start {function}",
                    took * 1000,
                    "ms",
                    baseline=base * 1000,
                    at_most=TARGET,
                )
            )
    print(f"worst ratio {worst:.2f} (target <= {TARGET} for every function's import)")
    print(f"worst first request {firsts[worst_ref] / base:.2f} ({worst_ref})")
    emit(rows, args.json)


if __name__ == "__main__":
    main()
