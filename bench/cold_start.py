"""Cold start: median import time of ``app`` in a fresh interpreter, next to that of
``import boto3, chalice`` (what any Chalice function on Lambda pays), and their ratio.

    .venv/bin/python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def measure(stmt: str, runs: int) -> float:
    env = {
        **os.environ,
        "MINSHENG_STAGE": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(stmt=stmt)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    measure("import app", 2)  # warm the bytecode cache for both
    baseline = measure("import boto3, chalice", runs)
    app = measure("import app", runs)
    print(f"runs per figure          {runs}")
    print(f"import boto3, chalice    {baseline * 1000:7.1f} ms (median)")
    print(f"import app               {app * 1000:7.1f} ms (median)")
    print(f"ratio app / baseline     {app / baseline:7.2f}   (target <= 1.5)")


if __name__ == "__main__":
    main()
