"""The one-off commands and the package benchmark take any stage name a stack may have (as
``make package`` does), and refuse the local ones and names a stack cannot take."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from infra.load_reference_data import arguments
from infra.package import stage_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stage", ["prod", "dev", "zibo-zichuan", "staging2"])
def test_any_deployed_stage_name_is_taken(stage: str) -> None:
    assert stage_name(stage) == stage
    args = arguments().parse_args(["--stack", "minsheng-x", "--stage", stage, "district.json"])
    assert args.stage == stage


@pytest.mark.parametrize("stage", ["local", "test", "Prod", "9lives", "a" * 21, "zi_chuan"])
def test_local_and_impossible_stage_names_are_refused(stage: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        stage_name(stage)
    with pytest.raises(SystemExit):
        arguments().parse_args(["--stack", "minsheng-x", "--stage", stage, "district.json"])


def test_the_package_benchmark_takes_any_stage_name() -> None:
    def run(stage: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "bench/package_size.py", "--stage", stage, "--zip", "/nonexistent"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = run("local")
    assert refused.returncode == 2 and "--stage" in refused.stderr
    # A district's stage name passes the arguments (then the missing zip stops it)
    taken = run("zibo-zichuan")
    assert "--stage" not in taken.stderr and "nonexistent" in taken.stderr + taken.stdout
