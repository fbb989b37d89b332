"""The citizens' web portal: its page and assets (its policy, no inline script, only the
files it ships), the sign-up configuration, the public reference data its forms use, and
signing up with a mobile number: the code the pool texts, and a hotline caller who signs up
with the number they called from owning those calls."""

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

PORTAL = Path(__file__).resolve().parents[2] / "chalicelib" / "static" / "portal"
SHARED = PORTAL.parent / "shared"
# The portal's script, each module as served -> its file (the shared lib/ modules are served
# from the portal's lib/, Preact from its vendor/)
FILES = {path.relative_to(PORTAL).as_posix(): path for path in PORTAL.rglob("*.js")} | {
    f"lib/{path.name}": path for path in (SHARED / "lib").glob("*.js")
}
SCRIPTS = sorted(FILES)
IMPORT = re.compile(r'^import \{[^}]*\} from "([^"]+)";$', re.MULTILINE)
NUMBER = "13955556666"
PASSWORD = "Portal-Pass-2026"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def _text(response: Any) -> str:
    raw = response.body
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def test_the_portal_page_runs_only_its_own_scripts(people: People) -> None:
    http = people.client.http
    moved = http.get("/portal")
    assert moved.status_code == 301 and moved.headers["Location"] == "portal/"
    page = http.get("/portal/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'none'" in policy and "default-src 'none'" in policy
    # The browser may talk to the API, the user pool and the media bucket, nothing else
    endpoint = json.loads(_text(http.get("/portal/config.json")))["cognito_endpoint"]
    from chalicelib.core.config import settings

    connect = next(p for p in policy.split("; ") if p.startswith("connect-src")).split()
    assert connect[:3] == ["connect-src", "'self'", endpoint.rstrip("/")]
    bucket = settings().media_bucket
    assert connect[3:] and all(
        re.fullmatch(rf"https://{bucket}\.s3\.[a-z0-9.-]+", o) for o in connect[3:]
    )
    html = _text(page)
    assert '<script type="module" src="app.js">' in html and "<script>" not in html
    assert "http://" not in html and "https://" not in html
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    # Every module is fetched at once, not one import level after another (a slow phone
    # network pays each round trip)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    assert preloaded == {*SCRIPTS, "vendor/htm-preact.js"} - {"app.js"}
    assert "app.js" in SCRIPTS and "views/appeal-form.js" in SCRIPTS and "lib/api.js" in SCRIPTS
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "dangerouslySetInnerHTML")
    for name in SCRIPTS:
        script = http.get(f"/portal/{name}")
        assert script.status_code == 200, name
        assert script.headers["Content-Type"] == "text/javascript; charset=utf-8", name
        assert script.headers["Content-Security-Policy"] == policy, name
        source = _text(script)
        assert source == FILES[name].read_text("utf-8"), name
        assert "eval(" not in source and "document.write" not in source, name
        for sink in sinks:
            assert sink not in source, (name, sink)
        # Nothing from another origin: every address is relative
        assert "http://" not in source and "https://" not in source, name
    assert http.get("/portal/app.css").headers["Content-Type"] == "text/css; charset=utf-8"
    vendor = http.get("/portal/vendor/htm-preact.js")
    assert vendor.status_code == 200 and "export{" in _text(vendor)
    # One copy, which the console serves too
    assert _text(vendor) == (SHARED / "vendor" / "htm-preact.js").read_text()
    assert _text(vendor) == _text(http.get("/console/vendor/htm-preact.js"))
    assert "MIT License" in _text(http.get("/portal/vendor/LICENSE-preact.txt"))
    assert "Apache License" in _text(http.get("/portal/vendor/LICENSE-htm.txt"))
    assert "htm@3.1.1" in _text(http.get("/portal/vendor/SOURCES.txt"))
    for missing in (
        "/portal/secrets.txt",
        "/portal/vendor/app.js",
        "/portal/__init__.py",
        "/portal/views/..%2Fapp.js",
        "/portal/views/__init__.py",
        "/portal/views/Board.js",
        "/portal/lib/board.js",
        "/portal/lib/app.css",
        "/portal/views/",
    ):
        assert http.get(missing).status_code == 404, missing


def test_the_portal_modules_import_only_modules_it_serves(people: People) -> None:
    http = people.client.http
    for name in SCRIPTS:
        source = FILES[name].read_text("utf-8")
        imports = IMPORT.findall(source)
        assert len(imports) == source.count("\nimport ") + source.startswith("import "), name
        for target in imports:
            assert target.startswith(("./", "../")), (name, target)
            url = (Path("/portal") / name).parent.joinpath(target).resolve().as_posix()
            assert url.startswith("/portal/"), (name, target)
            assert http.get(url).status_code == 200, (name, target)


def test_the_portal_configuration_names_the_pool_client_and_the_photo_limits(
    people: People,
) -> None:
    from chalicelib.core.config import settings

    config = json.loads(_text(people.client.http.get("/portal/config.json")))
    assert config == {
        "region": settings().region,
        "user_pool_client_id": settings().user_pool_client_id,
        "cognito_endpoint": config["cognito_endpoint"],
        "max_photos": 9,
        "upload_max_bytes": settings().upload_max_bytes,
        # Citizens sign in at the stack's user pool
        "accounts": True,
    }
    assert config["user_pool_client_id"] and config["cognito_endpoint"].startswith("http")


def test_a_deployed_portal_talks_to_the_regional_pool_and_the_bucket(monkeypatch: Any) -> None:
    from chalicelib.core.config import settings
    from chalicelib.core.http import pages
    from chalicelib.portal.http import portal

    cfg = settings()
    deployed = type(cfg)(**{**cfg.__dict__, "aws_endpoint": None})
    monkeypatch.setattr(pages, "settings", lambda: deployed)
    assert portal.cognito_endpoint() == f"https://cognito-idp.{cfg.region}.amazonaws.com/"
    policy = portal.policy()
    bucket = f"https://{cfg.media_bucket}.s3.{cfg.region}.amazonaws.com"
    connect = next(p for p in policy.split("; ") if p.startswith("connect-src"))
    assert connect.split() == [
        "connect-src",
        "'self'",
        f"https://cognito-idp.{cfg.region}.amazonaws.com",
        bucket,
        f"https://{cfg.media_bucket}.s3.amazonaws.com",
    ]
    assert f"img-src 'self' data: blob: {bucket}" in policy


def test_the_public_category_tree_and_departments_need_no_login(people: People) -> None:
    http = people.client.http
    categories = http.get("/public/categories")
    assert categories.status_code == 200
    assert categories.headers["Cache-Control"] == "public, max-age=300"
    items = body(categories)["items"]
    assert len(items) == 22
    road = next(c for c in items if c["code"] == "road-facilities")
    # What a citizen chooses by; routing and deadlines stay the admin's
    assert road == {"code": "road-facilities", "name": "道路与交通设施", "group": "城乡建设"}
    departments = body(http.get("/public/departments"))["items"]
    assert {"id", "name", "kind"} == set(departments[0])
    assert any(d["name"] == "区残联" for d in departments)
    # A deactivated category is no longer offered
    admin = people.client.http.put(
        "/categories/road-facilities",
        headers=people.stack.headers(people.token("admin")),
        body=json.dumps({"active": False}),
    )
    assert admin.status_code == 200, admin.body
    from chalicelib.core.store import reference

    reference.clear_cache()
    codes = {c["code"] for c in body(http.get("/public/categories"))["items"]}
    assert "road-facilities" not in codes and len(codes) == 21


def _sign_up(stack: Stack, number: str = NUMBER, password: str = PASSWORD) -> dict[str, Any]:
    return dict(
        stack.cognito.sign_up(
            ClientId=stack.client_id,
            Username=number,
            Password=password,
            UserAttributes=[{"Name": "phone_number", "Value": f"+86{number}"}],
        )
    )


def _code_sent_to(number: str) -> str:
    from chalicelib.local import moto_patches

    sent = [m for m in moto_patches.SENT if m["kind"] == "sign-up" and m["to"] == f"+86{number}"]
    assert sent, moto_patches.SENT
    assert sent[-1]["medium"] == "SMS" and sent[-1]["code"] in sent[-1]["text"]
    return str(sent[-1]["code"])


def test_signing_up_with_a_mobile_number_takes_the_code_texted_to_it(stack: Stack) -> None:
    from botocore.exceptions import ClientError

    # Given a citizen who signs up with their number: the pool texts a code to it
    answer = _sign_up(stack)
    assert answer["UserConfirmed"] is False
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "+*******6666",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    code = _code_sent_to(NUMBER)
    # Unconfirmed, the account does not sign in; a wrong code confirms nothing
    with pytest.raises(ClientError, match="UserNotConfirmedException"):
        stack.sign_in(NUMBER, PASSWORD)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError, match="CodeMismatchException"):
        stack.cognito.confirm_sign_up(
            ClientId=stack.client_id, Username=NUMBER, ConfirmationCode=wrong
        )
    # A new code replaces the first
    stack.cognito.resend_confirmation_code(ClientId=stack.client_id, Username=NUMBER)
    fresh = _code_sent_to(NUMBER)
    if fresh != code:
        with pytest.raises(ClientError, match="CodeMismatchException"):
            stack.cognito.confirm_sign_up(
                ClientId=stack.client_id, Username=NUMBER, ConfirmationCode=code
            )
    # When they type the code: confirmed, the number verified in the token
    stack.cognito.confirm_sign_up(ClientId=stack.client_id, Username=NUMBER, ConfirmationCode=fresh)
    import jwt

    claims = jwt.decode(stack.sign_in(NUMBER, PASSWORD), options={"verify_signature": False})
    assert claims["phone_number"] == f"+86{NUMBER}"
    assert claims["phone_number_verified"] in (True, "true")
    # The same number again is refused, and the code cannot be used twice
    with pytest.raises(ClientError, match="UsernameExistsException"):
        _sign_up(stack)
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        stack.cognito.confirm_sign_up(
            ClientId=stack.client_id, Username=NUMBER, ConfirmationCode=fresh
        )


def test_nobody_signs_up_with_a_number_marked_verified(stack: Stack) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="unauthorized attribute phone_number_verified"):
        stack.cognito.sign_up(
            ClientId=stack.client_id,
            Username="13900001111",
            Password=PASSWORD,
            UserAttributes=[
                {"Name": "phone_number", "Value": "+8613900001111"},
                {"Name": "phone_number_verified", "Value": "true"},
            ],
        )
    assert stack.moto_pool().users.get("13900001111") is None


def test_a_hotline_caller_who_signs_up_with_that_number_sees_their_calls(
    people: People, stack: Stack
) -> None:
    # Given a call the hotline took for 139-5555-6666
    call = {
        "caller": {"phone": "139-5555-6666", "name": "赵女士"},
        "kind": "complaint",
        "title": "小区停水",
        "content": "幸福小区三天没有水",
        "category": "water-supply",
    }
    recorded = people.post("operator", "/hotline/appeals", call)
    assert recorded.status_code == 201, recorded.body
    appeal_id = body(recorded)["id"]
    # When the caller signs up in the portal with that number and confirms the code
    _sign_up(stack)
    stack.cognito.confirm_sign_up(
        ClientId=stack.client_id, Username=NUMBER, ConfirmationCode=_code_sent_to(NUMBER)
    )
    token = stack.sign_in(NUMBER, PASSWORD)
    # Then the call is among their appeals, and theirs to read
    mine = people.client.http.get("/appeals/mine", headers=stack.headers(token))
    assert [a["id"] for a in body(mine)["items"]] == [appeal_id]
    assert body(mine)["items"][0]["channel"] == "hotline"
    shown = people.client.http.get(f"/appeals/{appeal_id}", headers=stack.headers(token))
    assert shown.status_code == 200 and body(shown)["content"] == "幸福小区三天没有水"
    # And a citizen who signed up with another number sees none of it
    _sign_up(stack, "13955557777")
    stack.cognito.confirm_sign_up(
        ClientId=stack.client_id,
        Username="13955557777",
        ConfirmationCode=_code_sent_to("13955557777"),
    )
    other = stack.sign_in("13955557777", PASSWORD)
    assert (
        body(people.client.http.get("/appeals/mine", headers=stack.headers(other)))["items"] == []
    )
    hidden = people.client.http.get(f"/appeals/{appeal_id}", headers=stack.headers(other))
    assert hidden.status_code == 404


def test_an_appeal_from_the_portal_is_on_the_web_channel_in_the_figures_and_report(
    people: People, client: Any
) -> None:
    from tests.integration.test_events import stream_records

    people.submit(channel="web")
    people.submit(channel="app")
    result = client.lambda_.invoke("appeal_statistics", {"Records": stream_records()}).payload
    assert result == {"batchItemFailures": []}
    stats = body(client.http.get("/public/stats?period=2026-11-26"))
    assert stats["channels"]["web"] == 1 and stats["channels"]["app"] == 1
    report = _text(people.get("leader", "/reports/daily?date=2026-11-26"))
    # The channel's row: its bar, then the day's and the month's counts
    row = report[report.find(">PC网站<") :].split("</tr>\n", 2)
    counts = re.findall(r">(\d+)</td>", row[0] + row[1] if len(row) > 1 else row[0])
    assert counts[-2:] == ["1", "1"], report[report.find("PC网站") :][:900]


def test_the_shared_modules_are_served_by_both_pages_and_hidden_by_neither(
    people: People,
) -> None:
    """chalicelib/static/shared/ is kept once: its lib/ modules are served from the console's
    and the portal's lib/, its vendored files from their vendor/, the same bytes; neither page
    ships a module of the same name (it would hide the shared one)."""
    http = people.client.http
    shared = sorted((SHARED / "lib").glob("*.js"))
    assert {p.name for p in shared} >= {"pool.js", "load.js"}
    for path in shared:
        for page in ("console", "portal"):
            assert not (PORTAL.parent / page / "lib" / path.name).exists(), (page, path.name)
            served = http.get(f"/{page}/lib/{path.name}")
            assert served.status_code == 200 and _text(served) == path.read_text("utf-8")
    for name in ("htm-preact.js", "LICENSE-htm.txt", "LICENSE-preact.txt"):
        assert not (PORTAL.parent / "console" / "vendor" / name).exists(), name
        expected = (SHARED / "vendor" / name).read_text("utf-8")
        for page in ("console", "portal"):
            assert _text(http.get(f"/{page}/vendor/{name}")) == expected, (page, name)
