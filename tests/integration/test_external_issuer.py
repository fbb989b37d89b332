"""An external OpenID Connect issuer (a district's own sign-on, 统一身份认证) beside the user
pool: a local issuer over real HTTP (its discovery document and keys, made in the test)
signs ID tokens; the API admits its citizens and staff with the groups and department its
claims carry, refuses its tokens when anything does not hold, and still admits the pool's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.config import ConfigError, load_settings, settings
from chalicelib.core.integrations.tokens import clear_key_cache
from tests.integration.conftest import Stack, body
from tests.integration.test_intake_api import APPEAL, post
from tests.support.oidc_issuer import Issuer

AUDIENCE = "minsheng-district-console"


@pytest.fixture
def issuer(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    issuer = Issuer(AUDIENCE)
    # The discovery document names the keys, as the operator copies them into the settings.
    import requests

    discovery = requests.get(f"{issuer.url}/.well-known/openid-configuration", timeout=5).json()
    monkeypatch.setenv("MINSHENG_OIDC_ISSUER", discovery["issuer"])
    monkeypatch.setenv("MINSHENG_OIDC_JWKS_URL", discovery["jwks_uri"])
    monkeypatch.setenv("MINSHENG_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("MINSHENG_OIDC_GROUPS_CLAIM", "roles")
    monkeypatch.setenv("MINSHENG_OIDC_DEPARTMENT_CLAIM", "org_unit")
    settings.cache_clear()
    clear_key_cache()
    yield issuer
    issuer.stop()
    monkeypatch.undo()
    settings.cache_clear()
    clear_key_cache()


def get(client: Any, stack: Stack, token: str, path: str) -> Any:
    return client.http.get(path, headers=stack.headers(token))


def test_the_issuers_citizens_and_staff_are_admitted_with_its_claims(
    client: Any, stack: Stack, issuer: Issuer
) -> None:
    # Given a citizen signed in at the district's sign-on
    citizen = issuer.token("district-citizen-1")
    # When they submit an appeal and read their own
    created = post(client, stack, citizen, APPEAL)
    assert created.status_code == 201, created.body
    appeal = body(created)
    mine = body(get(client, stack, citizen, "/appeals/mine"))
    # Then it is theirs (and no one else's: the pool's citizens do not see it)
    assert [a["id"] for a in mine["items"]] == [appeal["id"]]
    others = body(get(client, stack, stack.token("citizen"), "/appeals/mine"))
    assert others["items"] == []
    # and a citizen is not staff
    assert get(client, stack, citizen, "/work-orders").status_code == 403
    # Given an operator (the groups claim the settings name, as a space-separated string)
    operator = issuer.token("district-operator-1", roles="staff operator")
    assert get(client, stack, operator, "/work-orders").status_code == 200
    accepted = client.http.post(
        f"/appeals/{appeal['id']}/accept", headers=stack.headers(operator), body="{}"
    )
    assert accepted.status_code == 200, accepted.body
    # and department staff act for the department their claim names, and see nothing else
    clerk = issuer.token("district-clerk-1", roles=["department"], org_unit="housing")
    listed = get(client, stack, clerk, "/work-orders")
    assert listed.status_code == 200 and body(listed)["items"] == []
    # Department staff without a department are no staff
    stray = issuer.token("district-clerk-2", roles=["department"])
    assert get(client, stack, stray, "/work-orders").status_code == 403
    # The keys were read once for all of them
    assert issuer.fetches == 1


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"token_use": "access"}, "ID token"),
    ],
)
def test_the_issuers_tokens_are_refused_when_a_claim_does_not_hold(
    client: Any, stack: Stack, issuer: Issuer, claims: dict[str, Any], why: str
) -> None:
    token = issuer.token("district-citizen-1", **claims)
    answer = get(client, stack, token, "/appeals/mine")
    assert answer.status_code == 401
    assert why.lower() in body(answer)["detail"].lower()


def test_a_token_claiming_the_issuer_but_signed_by_another_key_is_refused(
    client: Any, stack: Stack, issuer: Issuer
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = issuer.token("district-operator-1", key=other, roles=["admin"])
    answer = get(client, stack, forged, "/work-orders")
    assert answer.status_code == 401
    assert "not valid" in body(answer)["detail"]
    unknown = jwt.encode(
        {"iss": issuer.url, "aud": AUDIENCE, "sub": "x", "iat": 1, "exp": 2**40},
        other,
        algorithm="RS256",
        headers={"kid": "someone-elses-key"},
    )
    assert get(client, stack, unknown, "/work-orders").status_code == 401


def test_the_user_pools_tokens_are_still_admitted(
    client: Any, stack: Stack, issuer: Issuer
) -> None:
    assert get(client, stack, stack.token("operator"), "/work-orders").status_code == 200
    assert get(client, stack, stack.token("citizen"), "/appeals/mine").status_code == 200


def test_the_issuer_is_all_three_settings_and_https_when_deployed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINSHENG_OIDC_ISSUER", "https://sso.district.example")
    with pytest.raises(ConfigError, match="MINSHENG_OIDC_JWKS_URL, MINSHENG_OIDC_AUDIENCE"):
        load_settings()
    monkeypatch.setenv("MINSHENG_OIDC_JWKS_URL", "https://sso.district.example/keys")
    monkeypatch.setenv("MINSHENG_OIDC_AUDIENCE", AUDIENCE)
    oidc = load_settings().oidc
    assert oidc is not None and (oidc.groups_claim, oidc.department_claim) == (
        "groups",
        "department_id",
    )
    # A deployed stage reads the keys over HTTPS only
    for name, value in (
        ("MINSHENG_STAGE", "prod"),
        ("MINSHENG_OIDC_JWKS_URL", "http://sso.district.example/keys"),
    ):
        monkeypatch.setenv(name, value)
    from chalicelib.core.config import deployed_fields, env_name

    for field in deployed_fields():
        monkeypatch.setenv(env_name(field), f"x-{field}")
    monkeypatch.setenv("MINSHENG_REPORT_SENDER", "reports@district.example")
    with pytest.raises(ConfigError, match="MINSHENG_OIDC_JWKS_URL must be an https"):
        load_settings()
