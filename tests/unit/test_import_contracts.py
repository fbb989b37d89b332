"""The layering as a test: the import contracts in pyproject.toml ([tool.importlinter]) hold
on the tree, and a broken rule is a failing run (checked on a copy with one bad import)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_import_contract() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        (
            "chalicelib/work_orders/http/department.py",
            "from chalicelib.core.store import appeals",
            "Handlers never import the store",
        ),
        (
            "chalicelib/core/domain/masking.py",
            "from chalicelib.core.config import settings",
            "The domain is pure",
        ),
        (
            "chalicelib/figures/services/feed.py",
            "from chalicelib.knowledge.store import knowledge",
            "Other capabilities reach knowledge through its services and domain only",
        ),
        (
            "chalicelib/core/services/views.py",
            "from chalicelib.intake.services import intake",
            "The core imports no capability",
        ),
        (
            "chalicelib/intake/services/intake.py",
            "from chalicelib.local import demo",
            "Nothing deployed imports the local stack",
        ),
        (
            "chalicelib/intake/services/uploads.py",
            "from chalicelib.intake.http import citizen",
            "Each capability's layers",
        ),
    ],
)
def test_one_broken_rule_fails_the_run(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    # Given a copy of the tree with one import against a rule
    shutil.copytree(
        ROOT / "chalicelib", tmp_path / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{bad_import}  # noqa\n")
    # When the contracts are checked, Then that rule's contract is broken and the run fails
    run = lint_imports(tmp_path)
    assert run.returncode != 0
    broken = [line for line in run.stdout.splitlines() if line.endswith("BROKEN")]
    assert len(broken) == 1 and broken[0].startswith(contract), run.stdout
