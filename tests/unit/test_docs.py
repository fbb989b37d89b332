"""The documentation site (mkdocs.yml, docs/) and README.md as its front page.

The strict build passes: no broken link or anchor, no page left out of the navigation. The
pages that describe the code keep up with it: every operation of the OpenAPI document is in
the API page's table, every ``MINSHENG_*`` setting the settings module reads has its entry in
the configuration reference, every alarm of the deployable template has its runbook.

To watch them fail: link a page that does not exist from any page in docs/
(``[x](nowhere.md)``) or an anchor that does not exist (``[x](api.md#nowhere)``); delete a
page's line from ``nav:`` in mkdocs.yml; delete a row of docs/integrate/api.md's table, of
docs/operate/configuration.md or a heading of docs/operate/runbooks.md; push README.md past
200 lines or point one of its links at a file that is not there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README_MAX_LINES = 200
# mkdocs build --strict fails on any warning; these make each problem a warning.
VALIDATION = {
    "nav": ("omitted_files", "not_found", "absolute_links"),
    "links": ("not_found", "anchors", "absolute_links", "unrecognized_links"),
}


def strict_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    result = strict_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


def test_strict_mode_fails_on_each_broken_link_and_page_outside_the_nav() -> None:
    """Strict mode only fails on warnings: every check the site relies on is a warning."""
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    assert config["strict"] is True
    for group, names in VALIDATION.items():
        for name in names:
            level = config["validation"][group][name]
            assert level >= 30, f"validation.{group}.{name} must be warn, not {level}"  # WARNING


def table_operations(text: str) -> set[tuple[str, str]]:
    """``| GET | `/appeals/mine` | ...`` rows: (method, path)."""
    rows = re.findall(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|", text, re.M)
    return {(method.lower(), path) for method, path in rows}


def test_openapi_page_lists_every_operation() -> None:
    from chalice.test import Client

    import app

    # The local stage (Chalice's default, dev, is a deployed one: its functions refuse to
    # start without the stack's resources)
    with Client(app.app, stage_name="local") as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.body)
    served = {(method, path) for path, ops in document["paths"].items() for method in ops}
    listed = table_operations((DOCS / "integrate" / "api.md").read_text("utf-8"))
    missing = sorted(served - listed)
    assert not missing, f"operations missing from docs/integrate/api.md: {missing}"
    stale = sorted(listed - served)
    assert not stale, f"docs/integrate/api.md lists operations the API does not have: {stale}"


def settings_source() -> Path:
    """The module that reads the settings (it defines ``load_settings``), wherever the
    package keeps it."""
    found = [
        path
        for path in sorted((ROOT / "chalicelib").rglob("*.py"))
        if re.search(r"^def load_settings\(", path.read_text("utf-8"), re.M)
    ]
    assert len(found) == 1, found
    return found[0]


def test_configuration_page_describes_every_setting() -> None:
    read = set(re.findall(r"MINSHENG_[A-Z0-9_]*[A-Z0-9]", settings_source().read_text("utf-8")))
    assert len(read) > 40, read  # the regex still finds them
    page = (DOCS / "operate" / "configuration.md").read_text("utf-8")
    described = set(re.findall(r"^\|\s*`(MINSHENG_[A-Z0-9_]+)`\s*\|", page, re.M))
    missing = sorted(read - described)
    assert not missing, f"settings without an entry in docs/operate/configuration.md: {missing}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built as ``make package`` builds it (without the dependencies' zip), as
    tests/integration/test_deployable_template.py does."""
    out = tmp_path_factory.mktemp("package") / "prod"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    subprocess.run(
        [sys.executable, "-m", "infra.package", "prod", str(out), "--no-dependencies"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dict(json.loads((out / "template.json").read_text("utf-8")))


def test_every_alarm_has_a_runbook(template: dict[str, Any]) -> None:
    alarms = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert alarms, "the template has no alarms"
    page = (DOCS / "operate" / "runbooks.md").read_text("utf-8")
    sections = set(re.findall(r"^#{2,4}\s+(\w+Alarm)\s*$", page, re.M))
    missing = sorted(alarms - sections)
    assert not missing, f"alarms without a section in docs/operate/runbooks.md: {missing}"
    stale = sorted(sections - alarms)
    assert not stale, f"docs/operate/runbooks.md has sections for alarms that are gone: {stale}"


def relative_links(markdown: str) -> list[str]:
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", markdown)
    return [t for t in targets if not re.match(r"^(?:[a-z][a-z0-9+.-]*:|#)", t)]


def test_readme_is_a_front_page() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    lines = text.splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    links = relative_links(text)
    assert any(link.startswith("docs/") for link in links), "README.md links nothing in docs/"
    broken = [link for link in links if not (ROOT / link.split("#")[0]).exists()]
    assert not broken, f"README.md links files that are not there: {broken}"
