"""Optional parts switched off (``MINSHENG_FEATURES``): their routes answer 404
``feature-off`` before anything else runs, the OpenAPI document leaves them out, and what
they would have done in the background (an SMS follow-up) does not happen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.config import ACCOUNTS_FEATURE, FEATURES, FEATURES_VARIABLE, settings
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import People

# A route of each part (path as a client calls it, method) and one of the core.
PART_ROUTES = {
    "mailbox": [("/mailbox/messages", "GET")],
    "wechat": [("/wechat?signature=x&timestamp=1&nonce=n&echostr=e", "GET"), ("/wechat", "POST")],
    "sms": [("/r/abcdefabcdefabcdefabcdef", "GET"), ("/r/abcdefabcdefabcdefabcdef", "POST")],
    "reports": [("/report-recipients", "GET"), ("/report-recipients", "PUT")],
    "open311": [("/open311/v2/services.json", "GET"), ("/open311/keys", "POST")],
    "knowledge": [
        ("/knowledge/search?q=water", "GET"),
        ("/knowledge/articles", "POST"),
        ("/appeals/a1/direct-reply", "POST"),
    ],
}
CORE_ROUTES = [("/public/stats", "GET"), ("/openapi.json", "GET")]


def _switch(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(FEATURES_VARIABLE, value)
    settings.cache_clear()


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    from chalicelib.core.domain import clock
    from tests.integration.lifecycle_helpers import Clock, shanghai

    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def _call(client: Any, path: str, method: str, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.request(method, path, headers=headers, body=b"{}")


@pytest.mark.parametrize("feature", FEATURES)
def test_a_part_that_is_off_answers_404_feature_off_and_leaves_the_document(
    client: Any, stack: Stack, monkeypatch: pytest.MonkeyPatch, feature: str
) -> None:
    """Given every part on but ``feature``, when its routes are called (signed in as an
    admin or not at all), then each answers 404 problem+json ``feature-off`` naming the
    part; the document lists none of its routes and every other part's still; the core
    answers as before."""
    from chalicelib.core.http.base import all_routes

    admin = stack.token("admin")
    documented_before = body(client.http.get("/openapi.json"))["paths"]
    _switch(monkeypatch, ",".join(f for f in FEATURES if f != feature))
    for path, method in PART_ROUTES[feature]:
        for token in (None, admin):
            answer = _call(client, path, method, token)
            assert answer.status_code == 404, (path, method, answer.body)
            assert answer.headers["Content-Type"] == "application/problem+json"
            problem = body(answer)
            assert problem["type"] == "urn:minsheng:problem:feature-off", problem
            assert problem["feature"] == feature and problem["status"] == 404
    for path, method in CORE_ROUTES:
        assert _call(client, path, method).status_code == 200, path
    documented = body(client.http.get("/openapi.json"))["paths"]
    own = {(r.path, r.method.lower()) for r in all_routes() if r.feature == feature}
    others = {(r.path, r.method.lower()) for r in all_routes() if r.feature != feature}
    assert own, feature
    # (every path answers the CORS preflight: its OPTIONS is the path's, not a route's)
    assert all("options" in ops for ops in documented.values())
    listed = {(p, m) for p, ops in documented.items() for m in ops if m != "options"}
    assert listed & own == set()
    assert listed == others
    before = {(p, m) for p, ops in documented_before.items() for m in ops if m != "options"}
    assert before == own | others


def test_the_core_alone_serves_the_core_and_documents_only_it(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.http.base import all_routes

    _switch(monkeypatch, "none")
    for routes in PART_ROUTES.values():
        for path, method in routes:
            assert body(_call(client, path, method))["type"].endswith(":feature-off"), path
    documented = body(client.http.get("/openapi.json"))["paths"]
    listed = {(p, m) for p, ops in documented.items() for m in ops if m != "options"}
    # (the staff accounts API is the pool's, not a part's: on with the pool)
    core = {
        (r.path, r.method.lower()) for r in all_routes() if r.feature in (None, ACCOUNTS_FEATURE)
    }
    assert listed == core
    for core in ("/appeals", "/work-orders", "/public/rankings", "/console", "/deliveries"):
        assert core in documented, core


def test_without_sms_follow_up_a_replied_call_sends_no_text(
    client: Any, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hotline stays (it is the core's intake); its SMS follow-up does not: a replied
    call's change queues no SMS notice, and a notice queued before the switch is dropped
    unsent."""
    from tests.integration.test_channels import replied_call, sms_sent
    from tests.integration.test_webhooks import Flow

    _switch(monkeypatch, "mailbox,wechat,reports,open311,knowledge")
    replied_call(people)
    Flow(client).run()
    assert sms_sent() == []

    from chalicelib.notifications.services import delivery

    queued = {"id": "n1", "recipient": {"kind": "sms", "id": "x"}, "type": "appeal.replied"}
    assert delivery.handle(queued, 1, "receipt") == "dropped"
    assert sms_sent() == []


ACCOUNT_ROUTES = [
    ("/users", "GET"),
    ("/users", "POST"),
    ("/users/import", "POST"),
    ("/users/zhang/disable", "POST"),
]


def test_without_a_user_pool_the_accounts_api_is_off_and_the_issuer_signs_everyone_in(
    client: Any, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stack with Accounts=issuer gives no pool settings: the staff accounts API answers
    404 feature-off (the accounts are kept at the issuer) and leaves the document, the
    console and the portal are told, and the issuer's staff work as before."""
    from chalicelib.core.http.base import all_routes
    from chalicelib.core.integrations import directory
    from chalicelib.core.integrations.tokens import clear_key_cache
    from tests.support.oidc_issuer import Issuer

    issuer = Issuer("minsheng")
    try:
        for name, value in (
            ("MINSHENG_OIDC_ISSUER", issuer.url),
            ("MINSHENG_OIDC_JWKS_URL", issuer.jwks_url),
            ("MINSHENG_OIDC_AUDIENCE", "minsheng"),
            ("MINSHENG_OIDC_CLIENT_ID", "minsheng"),
            ("MINSHENG_USER_POOL_ID", ""),
            ("MINSHENG_USER_POOL_CLIENT_ID", ""),
        ):
            monkeypatch.setenv(name, value)
        settings.cache_clear()
        clear_key_cache()
        directory.clear_cache()
        admin = issuer.token("district-admin", groups=["admin"])
        for path, method in ACCOUNT_ROUTES:
            answer = _call(client, path, method, admin)
            assert answer.status_code == 404, (path, method, answer.body)
            problem = body(answer)
            assert problem["type"] == "urn:minsheng:problem:feature-off"
            assert problem["feature"] == ACCOUNTS_FEATURE and "user pool" in problem["detail"]
        documented = body(client.http.get("/openapi.json"))["paths"]
        accounts = {r.path for r in all_routes() if r.feature == ACCOUNTS_FEATURE}
        assert accounts and not accounts & set(documented)
        assert "/work-orders" in documented and "/appeals" in documented
        console = body(client.http.get("/console/config.json"))
        assert console["accounts"] is False and console["user_pool_client_id"] == ""
        assert console["oidc"]["issuer"] == issuer.url
        assert body(client.http.get("/portal/config.json"))["accounts"] is False
        # The issuer's staff work; nobody is looked up in a pool (there is none)
        operator = issuer.token("district-operator", groups="operator")
        listed = client.http.get("/work-orders", headers={"Authorization": f"Bearer {operator}"})
        assert listed.status_code == 200, listed.body
        assert directory.leader_ids() == []
    finally:
        issuer.stop()
        monkeypatch.undo()
        settings.cache_clear()
        clear_key_cache()
        directory.clear_cache()


def test_a_deployed_stage_without_pool_settings_needs_an_issuer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.core.config import ConfigError, deployed_fields, env_name, load_settings

    monkeypatch.setenv("MINSHENG_STAGE", "district-a")
    for field in deployed_fields():
        monkeypatch.setenv(env_name(field), f"x-{field}")
    monkeypatch.setenv("MINSHENG_REPORT_SENDER", "reports@district.example")
    for name in ("MINSHENG_USER_POOL_ID", "MINSHENG_USER_POOL_CLIENT_ID"):
        monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match="MINSHENG_USER_POOL_ID, MINSHENG_USER_POOL_CLIENT_ID"):
        load_settings()
    monkeypatch.setenv("MINSHENG_OIDC_ISSUER", "https://sso.district.example")
    monkeypatch.setenv("MINSHENG_OIDC_JWKS_URL", "https://sso.district.example/keys")
    monkeypatch.setenv("MINSHENG_OIDC_AUDIENCE", "minsheng")
    loaded = load_settings()
    assert not loaded.has_user_pool and not loaded.feature_on(ACCOUNTS_FEATURE)
