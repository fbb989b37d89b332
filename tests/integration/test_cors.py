"""Cross-origin calls: MINSHENG_CORS_ORIGINS lists the origins whose pages may call the
API from a browser (none by default); every path answers the preflight."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.config import ConfigError, load_settings, settings
from tests.integration.conftest import Stack, body

SHELL = "https://app.zichuan.example.cn"
H5 = "http://h5.example.cn:8080"


@pytest.fixture
def origins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MINSHENG_CORS_ORIGINS", f"{SHELL}, {H5}")
    settings.cache_clear()
    yield
    monkeypatch.delenv("MINSHENG_CORS_ORIGINS")
    settings.cache_clear()


def _preflight(client: Any, path: str, origin: str, method: str = "POST") -> Any:
    return client.http.request(
        method="OPTIONS",
        path=path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


def test_no_origin_is_allowed_by_default(client: Any) -> None:
    assert settings().cors_origins == ()
    refused = _preflight(client, "/appeals", SHELL)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "Access-Control-Allow-Origin" not in refused.headers
    answer = client.http.get("/public/stats", headers={"Origin": SHELL})
    assert answer.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in answer.headers)
    assert "Vary" not in answer.headers


def test_a_listed_origin_gets_its_preflight_answered_and_reads_the_answer(
    client: Any, stack: Stack, origins: None
) -> None:
    # The preflight of a citizen's submission from the district's app shell
    answer = _preflight(client, "/appeals", SHELL)
    assert answer.status_code == 204, answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == SHELL
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"
    allowed = {h.strip() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"Authorization", "Content-Type", "Idempotency-Key"}
    assert answer.headers["Access-Control-Max-Age"] == "600"
    assert answer.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in answer.headers
    # A path with parameters, with the methods it has
    support = _preflight(client, "/appeals/20261126-ABCDEFGH/support", H5, "DELETE")
    assert support.status_code == 204
    assert support.headers["Access-Control-Allow-Methods"] == "DELETE, PUT"
    # Then the call itself: the page may read the answer and the headers it needs
    token = stack.token()
    submitted = client.http.post(
        "/appeals",
        headers={**stack.headers(token, **{"Idempotency-Key": "cors-1"}), "Origin": SHELL},
        body='{"kind": "consultation", "title": "公交", "content": "几路车到区政府"}',
    )
    assert submitted.status_code == 201
    assert submitted.headers["Access-Control-Allow-Origin"] == SHELL
    exposed = {h.strip() for h in submitted.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "Idempotent-Replayed", "Retry-After"} == exposed
    assert "Origin" in submitted.headers["Vary"]
    # An error answer is readable too (the page shows the field at fault)
    bad = client.http.post(
        "/appeals",
        headers={**stack.headers(token), "Origin": H5},
        body='{"kind": "consultation"}',
    )
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == H5
    assert {e["field"] for e in body(bad)["errors"]} == {"title", "content"}


def test_an_origin_not_listed_or_a_method_the_path_lacks_is_refused(
    client: Any, origins: None
) -> None:
    for origin in ("https://evil.example.com", "https://app.zichuan.example.cn.evil.com", "null"):
        refused = _preflight(client, "/appeals", origin)
        assert refused.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in refused.headers
        read = client.http.get("/public/stats", headers={"Origin": origin})
        assert read.status_code == 200
        assert "Access-Control-Allow-Origin" not in read.headers
        assert read.headers["Vary"] == "Origin"  # a shared cache keeps one copy per origin
    wrong = _preflight(client, "/public/stats", SHELL, "DELETE")
    assert wrong.status_code == 403
    assert "DELETE" in body(wrong)["detail"]
    assert _preflight(client, "/public/stats", SHELL, "GET").status_code == 204
    # No Origin at all (not a browser's preflight)
    bare = client.http.request(method="OPTIONS", path="/public/stats", headers={})
    assert bare.status_code == 403


def test_every_path_answers_the_preflight() -> None:
    from app import app
    from chalicelib.core.http.base import all_routes

    paths = {r.path for r in all_routes()}
    with_options = {path for path, methods in app.routes.items() if "OPTIONS" in methods}
    assert paths == with_options


@pytest.mark.parametrize(
    "raw",
    ["*", "https://*.example.cn", "app.example.cn", "https://app.example.cn/", "ftp://a.cn"],
)
def test_an_origin_setting_that_is_not_an_origin_is_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("MINSHENG_CORS_ORIGINS", raw)
    with pytest.raises(ConfigError, match="MINSHENG_CORS_ORIGINS"):
        load_settings()


def test_origins_are_read_as_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_CORS_ORIGINS", f" {SHELL},{H5},,{SHELL} ")
    assert load_settings().cors_origins == (SHELL, H5)
