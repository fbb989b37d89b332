"""The work console's page and assets (its policy, no inline script, the sign-in
configuration), and the duplicate suggestions the operator sees beside an appeal."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import Clock, People, shanghai
from tests.integration.test_bounded_reads import Reads, reads  # noqa: F401 (fixture)

HERE = {"lat": 36.6400, "lng": 117.9700, "address": "般阳路1号"}
NEAR = {"lat": 36.6420, "lng": 117.9710, "address": "般阳路3号"}  # about 240 m away
FAR = {"lat": 36.7400, "lng": 118.0700, "address": "昆仑镇"}  # about 14 km away
CONSOLE = Path(__file__).resolve().parents[2] / "chalicelib" / "static" / "console"
SHARED = CONSOLE.parent / "shared"
# The console's own script: the entry and its modules (the vendored library is Preact's),
# each as served -> its file (the shared lib/ modules are served from the console's lib/)
FILES = {
    path.relative_to(CONSOLE).as_posix(): path
    for path in CONSOLE.rglob("*.js")
    if "vendor" not in path.relative_to(CONSOLE).parts
} | {f"lib/{path.name}": path for path in (SHARED / "lib").glob("*.js")}
SCRIPTS = sorted(FILES)
IMPORT = re.compile(r'^import \{[^}]*\} from "([^"]+)";$', re.MULTILINE)


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def _text(response: Any) -> str:
    raw = response.body
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def test_the_console_page_runs_only_its_own_scripts(people: People) -> None:
    http = people.client.http
    # /console sends the browser to /console/, where the page's relative links resolve
    moved = http.get("/console")
    assert moved.status_code == 301 and moved.headers["Location"] == "console/"
    page = http.get("/console/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    # The browser may talk to the API and the user pool's endpoint, nothing else
    endpoint = json.loads(_text(http.get("/console/config.json")))
    connect = next(p for p in policy.split("; ") if p.startswith("connect-src"))
    assert connect.split() == ["connect-src", "'self'", endpoint["cognito_endpoint"].rstrip("/")]
    html = _text(page)
    assert '<script type="module" src="app.js">' in html and "<script>" not in html
    assert "http://" not in html and "https://" not in html
    # Every module of the script is served, with the page's policy; none writes markup
    assert "app.js" in SCRIPTS and "views/queue.js" in SCRIPTS and "lib/api.js" in SCRIPTS
    sinks = ("outerHTML", "insertAdjacentHTML", "dangerouslySetInnerHTML", "document.write")
    sources = []
    for name in SCRIPTS:
        script = http.get(f"/console/{name}")
        assert script.status_code == 200, name
        assert script.headers["Content-Type"] == "text/javascript; charset=utf-8", name
        assert script.headers["Content-Security-Policy"] == policy, name
        source = _text(script)
        assert source == FILES[name].read_text("utf-8"), name
        assert "innerHTML" not in source and "eval(" not in source, name
        # Search highlights are marked up with elements the script builds, never as markup
        for sink in sinks:
            assert sink not in source, (name, sink)
        sources.append(source)
    assert any("<mark>" in source for source in sources)  # the element built around each match
    assert http.get("/console/app.css").headers["Content-Type"] == "text/css; charset=utf-8"
    vendor = http.get("/console/vendor/htm-preact.js")
    assert vendor.status_code == 200 and "export{" in _text(vendor)
    assert "MIT License" in _text(http.get("/console/vendor/LICENSE-preact.txt"))
    assert "Apache License" in _text(http.get("/console/vendor/LICENSE-htm.txt"))
    for missing in ("/console/secrets.txt", "/console/vendor/app.js", "/console/__init__.py"):
        assert http.get(missing).status_code == 404, missing


def test_the_console_modules_import_only_modules_it_serves(people: People) -> None:
    http = people.client.http
    for name in SCRIPTS:
        source = FILES[name].read_text("utf-8")
        imports = IMPORT.findall(source)
        assert len(imports) == source.count("\nimport ") + source.startswith("import "), name
        for target in imports:
            # Relative to the module, within the console, the vendored library or a module
            assert target.startswith(("./", "../")), (name, target)
            url = (Path("/console") / name).parent.joinpath(target).resolve().as_posix()
            assert url.startswith("/console/"), (name, target)
            assert http.get(url).status_code == 200, (name, target)


def test_the_console_serves_its_folders_modules_and_nothing_else(people: People) -> None:
    http = people.client.http
    view = http.get("/console/views/queue.js")
    assert view.status_code == 200
    assert view.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "export function Queue(" in _text(view)
    assert "export async function api(" in _text(http.get("/console/lib/api.js"))
    for missing in (
        "/console/views/..%2Fapp.js",
        "/console/views/..%2F..%2F..%2Fapp.py",
        "/console/views/%2E%2E%2Flib%2Fapi.js",
        "/console/views/__init__.py",
        "/console/views/missing.js",
        "/console/views/Queue.js",
        "/console/views/queue.js%00",
        "/console/views/app.js",
        "/console/lib/queue.js",
        "/console/lib/app.css",
        "/console/views/",
        "/console/lib/",
    ):
        assert http.get(missing).status_code == 404, missing


def test_the_console_configuration_names_the_pool_client_and_endpoint(
    people: People, stack: Stack
) -> None:
    from chalicelib.core.config import settings

    answer = people.client.http.get("/console/config.json")
    assert answer.status_code == 200
    config = json.loads(_text(answer))
    assert config == {
        "region": settings().region,
        "user_pool_client_id": settings().user_pool_client_id,
        "cognito_endpoint": config["cognito_endpoint"],
        # The roles that must set up an authenticator app (the console offers it to others)
        "mfa_roles": ["admin"],
        # No district sign-on is configured
        "oidc": None,
        # Staff accounts are the stack's (its user pool), every optional part is on
        "accounts": True,
        "features": sorted(settings().features),
    }
    assert config["user_pool_client_id"]
    assert config["cognito_endpoint"].startswith(("http://", "https://"))


def test_the_console_signs_in_at_the_districts_issuer_once_it_has_a_client_there(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.config import settings

    issuer = "http://127.0.0.1:9/realms/staff"
    for name, value in (
        ("MINSHENG_OIDC_ISSUER", issuer),
        ("MINSHENG_OIDC_JWKS_URL", "http://127.0.0.1:9/realms/staff/keys"),
        ("MINSHENG_OIDC_AUDIENCE", "minsheng"),
        ("MINSHENG_OIDC_GROUPS_CLAIM", "roles"),
    ):
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    try:
        # Given the issuer without the console's client: the API takes its tokens, the
        # console does not sign in there and its policy does not name it
        config = json.loads(_text(people.client.http.get("/console/config.json")))
        assert config["oidc"] is None
        page = people.client.http.get("/console/")
        assert "127.0.0.1:9" not in page.headers["Content-Security-Policy"]
        # Given the console's client id
        monkeypatch.setenv("MINSHENG_OIDC_CLIENT_ID", "minsheng")
        settings.cache_clear()
        config = json.loads(_text(people.client.http.get("/console/config.json")))
        assert config["oidc"] == {
            "issuer": issuer,
            "client_id": "minsheng",
            "groups_claim": "roles",
            "department_claim": "department_id",
        }
        # The page may fetch the issuer's discovery document and call its token endpoint:
        # its origin, nothing wider
        policy = people.client.http.get("/console/").headers["Content-Security-Policy"]
        connect = next(p for p in policy.split("; ") if p.startswith("connect-src")).split()
        assert connect == [
            "connect-src",
            "'self'",
            config["cognito_endpoint"].rstrip("/"),
            "http://127.0.0.1:9",
        ]
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_a_deployed_console_signs_in_at_the_regional_endpoint(monkeypatch: Any) -> None:
    from chalicelib.console.http import console
    from chalicelib.core.config import settings
    from chalicelib.core.http import pages

    cfg = settings()
    deployed = type(cfg)(**{**cfg.__dict__, "aws_endpoint": None})
    monkeypatch.setattr(console, "settings", lambda: deployed)
    monkeypatch.setattr(pages, "settings", lambda: deployed)
    assert console.cognito_endpoint() == f"https://cognito-idp.{cfg.region}.amazonaws.com/"
    policy = console.policy()
    assert f"connect-src 'self' https://cognito-idp.{cfg.region}.amazonaws.com;" in policy
    assert f"https://{cfg.media_bucket}.s3.{cfg.region}.amazonaws.com" in policy


def test_duplicate_suggestions_nearby_or_sharing_words(people: People, reads: Reads) -> None:  # noqa: F811
    # Given an appeal about a broken street light, and over the following weeks: one in the
    # same category 240 m away, one far away in another category that shares its words,
    # one of the same category far away with other words, one in another category next
    # door, and one older than 30 days that would match
    timer = Clock(shanghai("2026-10-01T09:00:00"))
    old = people.submit(
        title="般阳路路灯不亮",
        content="般阳路路灯不亮，夜间照明缺失，行人摔倒",
        category="road-facilities",
        location=NEAR,
    )
    timer.advance(days=31)
    seen = people.submit(
        title="般阳路路灯不亮",
        content="般阳路东段路灯不亮已经两周，夜间照明缺失，行人容易摔倒",
        category="road-facilities",
        location=HERE,
    )
    timer.advance(minutes=2)
    nearby = people.submit(
        title="路灯坏了", content="小区门口路灯坏了", category="road-facilities", location=NEAR
    )
    timer.advance(minutes=2)
    wordy = people.submit(
        title="夜间照明缺失",
        content="般阳路路灯不亮，夜间照明缺失，老人摔倒",
        category="environment-noise",
        location=FAR,
    )
    timer.advance(minutes=2)
    people.submit(
        title="井盖缺失", content="道路井盖丢失", category="road-facilities", location=FAR
    )
    timer.advance(minutes=2)
    people.submit(
        title="饭店油烟", content="楼下饭店油烟扰民", category="environment-noise", location=HERE
    )
    timer.advance(minutes=2)

    # When the operator asks for the appeal's possible duplicates
    reads.reset()
    response = people.get("operator", f"/appeals/{seen['id']}/similar")

    # Then the nearby one comes first with its distance, then the one sharing words, and
    # nothing else; the read was bounded (index queries and one batch read, no scan)
    assert response.status_code == 200, response.body
    found = body(response)
    assert [i["id"] for i in found["items"]] == [nearby["id"], wordy["id"]]
    first, second = found["items"]
    assert 150 <= first["distance_m"] <= 350 and first["reasons"][0].startswith("同类别")
    assert second["distance_m"] is None and len(second["shared_words"]) >= 3
    assert {"照明", "缺失", "摔倒"} <= set(second["shared_words"])
    assert old["id"] not in json.dumps(found)
    assert reads.calls["Scan"] == 0
    assert set(reads.calls) <= {"GetItem", "Query", "BatchGetItem"}
    assert reads.items <= 1 + 2 * 101


def test_duplicate_suggestions_are_the_operators_and_need_an_appeal(people: People) -> None:
    appeal = people.submit(title="路灯不亮", content="东门路灯坏了")
    for who in ("citizen", "leader", "admin", "department:transport-bureau"):
        response = people.get(who, f"/appeals/{appeal['id']}/similar")
        assert response.status_code in (403, 404), (who, response.status_code)
        assert response.headers["Content-Type"] == "application/problem+json"
    missing = people.get("operator", "/appeals/20260101-NOSUCH00/similar")
    assert missing.status_code == 404
    assert body(missing)["type"] == "urn:minsheng:problem:not-found"
