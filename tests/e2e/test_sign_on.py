"""The work console signing staff in at the district's own sign-on (统一身份认证), in Debian's
Chromium (Playwright): a local OpenID Connect issuer (keys made here, its own sign-in page)
and a local stack that names it. The operator signs in there (authorization code with PKCE,
S256), the console exchanges the code, lists the operator's queue with the issuer's ID
token, refreshes it when it runs out, and signs out at the issuer; a callback this tab did
not start is refused before any code is exchanged. Nothing is requested from anywhere but
the stack and the issuer. (The stack has the knowledge base off: the console shows no view
of it.) A second stack has no user pool (``--accounts issuer``, as Accounts=issuer): the
console offers the issuer's sign-in alone and no accounts view, the portal no sign-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, start_stack, stop_stack, wait_ms, wait_until
from tests.e2e.test_console import ARTIFACTS, CHROMIUM, Browser, _submit
from tests.support.oidc_issuer import Account, Issuer, s256

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sign-on-stacks")]

CLIENT = "minsheng-console"
PASSWORD = "Sso-Passw0rd-2026"
# The ID tokens last 65 s: the console refreshes one that has less than a minute left.
TOKEN_SECONDS = 65


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer(
        CLIENT,
        accounts={
            "zhang.wei": Account(PASSWORD, {"roles": "operator", "name": "张伟"}),
            "li.na": Account(PASSWORD, {"roles": []}),  # a citizen there: not staff
        },
        token_seconds=TOKEN_SECONDS,
    )
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def stack(issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    discovery = requests.get(f"{issuer.url}/.well-known/openid-configuration", timeout=5).json()
    running = start_stack(
        tmp_path_factory.mktemp("sign-on") / ".local",
        settings={
            "MINSHENG_OIDC_ISSUER": discovery["issuer"],
            "MINSHENG_OIDC_JWKS_URL": discovery["jwks_uri"],
            "MINSHENG_OIDC_AUDIENCE": CLIENT,
            "MINSHENG_OIDC_CLIENT_ID": CLIENT,
            "MINSHENG_OIDC_GROUPS_CLAIM": "roles",
            # The knowledge base is off: the console shows none of its views
            "MINSHENG_FEATURES": "mailbox,wechat,sms,reports,open311",
        },
    )
    try:
        yield running
    finally:
        stop_stack(running)


def _calls(issuer: Issuer, endpoint: str, **match: str) -> list[dict[str, Any]]:
    return [
        c
        for c in issuer.calls
        if c["endpoint"] == endpoint and all(c.get(k) == v for k, v in match.items())
    ]


def _sign_in_there(page: Any, username: str) -> None:
    page.click("#issuer-sign-in")
    page.wait_for_selector("#login-user")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")


def test_an_operator_signs_in_at_the_districts_issuer(stack: RunningStack, issuer: Issuer) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs chromium and fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    console = stack.api + "/console/"
    issuer.calls.clear()  # (the issuer serves this module's other stack too)
    # Given an appeal waiting in the platform center's queue
    appeal = _submit(stack, "小区门口路灯不亮", "般阳路小区门口的路灯坏了一周", 36.64)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        b = Browser(playwright, stack)
        b.allowed = (*b.allowed, issuer.url + "/")  # the stack and the issuer, nothing else
        try:
            page = b.page()

            # A callback this tab did not start (a forged state) is refused, no code exchanged
            page.goto(console + "?code=stolen-code&state=forged")
            page.wait_for_selector("#issuer-sign-in")
            assert "state 不一致" in page.inner_text("main")
            assert "code=" not in page.url  # the code leaves the address bar
            assert _calls(issuer, "token") == []

            # When the operator signs in at the district's sign-on page
            page.screenshot(path=str(ARTIFACTS / "sign-on-1280.png"), full_page=True)
            _sign_in_there(page, "zhang.wei")
            # Then the console lists their queue, with the appeal in it
            row = page.locator(f"#queue li[data-appeal='{appeal}']")
            row.wait_for(timeout=wait_ms(20_000))
            assert "平台中心" in page.inner_text("header.top") and "zhang.wei" in page.inner_text(
                "header.top"
            )
            assert "code=" not in page.url and "state=" not in page.url
            # The knowledge base is off: no tab of it
            tabs = page.locator("nav.tabs a")
            assert tabs.count() >= 2 and page.locator("nav.tabs a[href='#/knowledge']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "sign-on-queue-1280.png"), full_page=True)
            # It asked for a code bound to an S256 challenge, with a state and a nonce, and
            # exchanged it as a public client with the verifier of that challenge
            [asked] = _calls(issuer, "authorize", username="zhang.wei")
            assert asked["code_challenge_method"] == "S256"
            assert asked["redirect_uri"] == console and asked["client_id"] == CLIENT
            assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
            [exchanged] = _calls(issuer, "token", grant_type="authorization_code")
            assert s256(exchanged["code_verifier"]) == asked["code_challenge"]
            assert "client_secret" not in exchanged and exchanged["redirect_uri"] == console

            # When the ID token has less than a minute left, the console refreshes it
            # (its next call to the API after that, here a reload's)
            wait_until(
                lambda: page.evaluate(
                    "JSON.parse(sessionStorage.getItem('minsheng.console.session')).expiresAt"
                    " - Date.now() < 60000"
                ),
                TOKEN_SECONDS - 55,
                0.2,
            )
            page.reload()
            page.locator(f"#queue li[data-appeal='{appeal}']").wait_for()
            wait_until(lambda: _calls(issuer, "token", grant_type="refresh_token"), 10, 0.2)
            held = page.evaluate("sessionStorage.getItem('minsheng.console.session')")
            assert json.loads(held)["refreshToken"] in issuer.refresh_tokens

            # When they sign out, the issuer ends its session too and sends them back
            id_token = json.loads(held)["idToken"]
            page.click("#sign-out")
            page.wait_for_selector("#issuer-sign-in")
            [ended] = _calls(issuer, "logout")
            assert ended["post_logout_redirect_uri"] == console
            assert ended["client_id"] == CLIENT and ended["id_token_hint"]
            assert page.evaluate("sessionStorage.getItem('minsheng.console.session')") is None
            assert id_token  # the hint names the token held at sign-out (or a newer one)

            # A person the issuer knows but who holds no staff role is not let in
            _sign_in_there(page, "li.na")
            page.wait_for_selector("#issuer-sign-in")
            assert "工作台仅供工作人员使用" in page.inner_text("main")
            assert page.evaluate("sessionStorage.getItem('minsheng.console.session')") is None
        finally:
            b.browser.close()
    assert b.errors == [] and b.foreign == [] and b.dialogs == []


@pytest.fixture(scope="module")
def no_pool(issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A local stack as the stack's Accounts=issuer makes it: no user pool at all."""
    running = start_stack(
        tmp_path_factory.mktemp("no-pool") / ".local",
        extra=("--accounts", "issuer"),
        settings={
            "MINSHENG_OIDC_ISSUER": issuer.url,
            "MINSHENG_OIDC_JWKS_URL": issuer.jwks_url,
            "MINSHENG_OIDC_AUDIENCE": CLIENT,
            "MINSHENG_OIDC_CLIENT_ID": CLIENT,
            "MINSHENG_OIDC_GROUPS_CLAIM": "roles",
        },
    )
    try:
        yield running
    finally:
        stop_stack(running)


def test_without_a_pool_the_issuer_signs_everyone_in(no_pool: RunningStack, issuer: Issuer) -> None:
    """Accounts=issuer: the console offers the issuer's sign-in alone and no accounts view,
    the accounts API is off, the portal offers citizens no sign-in; an admin and an
    operator of the issuer work, and a citizen of the issuer files an appeal."""
    from playwright.sync_api import sync_playwright

    assert no_pool.info["user_pool_id"] == "" and no_pool.info["users"] == []
    issuer.accounts["wang.admin"] = Account(PASSWORD, {"roles": ["admin"]})
    citizen = issuer.token("district-citizen-7")
    _submit(no_pool, "社保卡补办", "社保卡丢了，去哪里补办？", 36.64, token=citizen)
    admin = issuer.token("wang.admin", roles=["admin"])
    users = requests.get(
        f"{no_pool.api}/users", headers={"Authorization": f"Bearer {admin}"}, timeout=10
    )
    assert users.status_code == 404 and users.json()["feature"] == "accounts"
    with sync_playwright() as playwright:
        b = Browser(playwright, no_pool)
        b.allowed = (*b.allowed, issuer.url + "/")
        try:
            page = b.page()
            page.goto(no_pool.api + "/console/")
            page.wait_for_selector("#issuer-sign-in")
            assert page.locator("#signin, #username, #password").count() == 0
            page.screenshot(path=str(ARTIFACTS / "sign-on-only-1280.png"), full_page=True)
            _sign_in_there(page, "wang.admin")
            page.wait_for_selector("header.top")
            links = page.locator("nav.tabs a")
            links.first.wait_for()
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            assert "#/admin" in hrefs and "#/users" not in hrefs, hrefs
            page.click("#sign-out")
            page.wait_for_selector("#issuer-sign-in")
            # The portal shows the public board, and no sign-in
            page.goto(no_pool.api + "/portal/#/mine")
            page.wait_for_selector("#no-accounts")
            assert page.locator("#sign-in-link").count() == 0
        finally:
            b.browser.close()
    assert b.errors == [] and b.foreign == [] and b.dialogs == []
