"""The suite's own order and isolation: in a random order (pytest-randomly) the tests marked
``long(seconds)`` still go first, longest first, and the rest follow in the seed's order;
and what a test leaves in the process (clock, settings, search index) is put back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHORT = "".join(f"def test_short_{i}():\n    pass\n\n\n" for i in range(8))
LONG = """import pytest


@pytest.mark.long(5)
def test_five():
    pass


@pytest.mark.long(50)
def test_fifty():
    pass


def test_other():
    pass
"""


def _order(directory: Path, *options: str) -> list[str]:
    """The node ids as the suite's ordering hook leaves them, with pytest-randomly on."""
    (directory / "conftest.py").write_text(
        "from tests.conftest import pytest_collection_modifyitems  # noqa: F401\n"
    )
    (directory / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    long(seconds): long\n", encoding="utf-8"
    )
    (directory / "test_a.py").write_text(SHORT)
    (directory / "test_b.py").write_text(LONG)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "randomly"),
            *("-p", "no:cacheprovider", "-p", "no:xdist", *options),
        ],
        cwd=directory,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_long_tests_go_first_and_the_rest_in_the_seeds_random_order(tmp_path: Path) -> None:
    first = _order(tmp_path, "--randomly-seed=1")
    again = _order(tmp_path, "--randomly-seed=1")
    other = _order(tmp_path, "--randomly-seed=2")
    assert first[:2] == ["test_b.py::test_fifty", "test_b.py::test_five"]
    assert other[:2] == first[:2]
    assert first == again  # one seed, one order: a failing order can be run again
    assert first[2:] != other[2:]  # another seed shuffles the rest
    assert sorted(first[2:]) == sorted(other[2:])
    names = [f"test_a.py::test_short_{i}" for i in range(8)]
    assert first[2:] != [*names, "test_b.py::test_other"]  # not the order collected


def test_what_a_test_leaves_in_the_process_is_put_back() -> None:
    from chalicelib.core.config import settings
    from chalicelib.core.domain import clock
    from chalicelib.knowledge.services import knowledge_search
    from tests.conftest import _reset_process_state

    frozen = datetime(2020, 1, 1, tzinfo=clock.TZ)
    clock.set_clock(lambda: frozen)
    settings()
    knowledge_search._cached = knowledge_search._Index(0, 0.0, None, None, [])
    _reset_process_state()
    assert clock.now() > frozen
    assert settings.cache_info().currsize == 0
    assert knowledge_search._cached is None
