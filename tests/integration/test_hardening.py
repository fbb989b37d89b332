"""Hardening (security review, finding 12): the user pool's app client, signing out of the
console, and provider errors in the logs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "chalicelib" / "static" / "console"
SHARED = ROOT / "chalicelib" / "static" / "shared"


def test_the_app_client_hides_whether_a_user_exists_and_revokes_tokens(stack: Stack) -> None:
    """As the template makes it (infra/template.py reads the same APP_CLIENT)."""
    client = stack.cognito.describe_user_pool_client(
        UserPoolId=stack.pool_id, ClientId=stack.client_id
    )["UserPoolClient"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True


def _sign_in(stack: Stack) -> dict[str, Any]:
    username, password = stack.user("operator")
    result = stack.cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(result["AuthenticationResult"])


def test_a_revoked_refresh_token_refreshes_no_more(stack: Stack) -> None:
    """RevokeToken, which the console calls when staff sign out (the local stack's moto
    answers it as Cognito does)."""
    tokens = _sign_in(stack)
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    renewed = stack.cognito.initiate_auth(
        ClientId=stack.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
    )
    assert renewed["AuthenticationResult"]["IdToken"]
    stack.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=stack.client_id)
    with pytest.raises(ClientError) as refused:
        stack.cognito.initiate_auth(
            ClientId=stack.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    # Revoking again is no error (a second tab signing out)
    stack.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=stack.client_id)


SIGN_OUT_SCRIPT = """
const calls = [];
const store = new Map();
globalThis.sessionStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
};
const header = btoa(JSON.stringify({alg: "none"}));
const claims = btoa(JSON.stringify({"cognito:groups": ["operator"]}));
const idToken = `${header}.${claims}.sig`;
let revokeAnswers = 200;
globalThis.fetch = async (url, init) => {
  const target = init.headers["X-Amz-Target"].split(".")[1];
  calls.push({url, target, body: JSON.parse(init.body), signedIn: store.size > 0});
  if (target === "InitiateAuth") {
    return new Response(JSON.stringify({AuthenticationResult: {
      IdToken: idToken, RefreshToken: "refresh-1", ExpiresIn: 3600}}), {status: 200});
  }
  if (revokeAnswers !== 200) throw new TypeError("network down");
  return new Response("{}", {status: 200});
};
const session = await import("./lib/session.js");
let signedOut = 0;
session.configure({
  cognito_endpoint: "https://cognito-idp.example/", user_pool_client_id: "client-1",
});
session.whenSignedOut(() => { signedOut += 1; });
await session.signIn("op1", "pw");
await session.signOut();
const first = {calls: calls.slice(), left: store.size, session: session.session, signedOut};
// The pool unreachable: the session still ends
await session.signIn("op1", "pw");
revokeAnswers = 0;
await session.signOut();
const second = {left: store.size, session: session.session, signedOut};
console.log(JSON.stringify({first, second}));
"""


def test_signing_out_of_the_console_revokes_the_refresh_token_then_ends_the_session(
    tmp_path: Path,
) -> None:
    """lib/session.js with the browser's fetch and sessionStorage stood in for (node): on
    sign-out, RevokeToken with the refresh token and the client id goes to the pool's
    endpoint while the session is still held; then the session ends, even when the pool
    cannot be reached."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the console's modules: apt-get install nodejs")
    # The folders as the console serves them: its own files and the shared ones
    for folder in ("lib", "vendor"):
        shutil.copytree(CONSOLE / folder, tmp_path / folder)
        shutil.copytree(SHARED / folder, tmp_path / folder, dirs_exist_ok=True)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(SIGN_OUT_SCRIPT)
    ran = subprocess.run([node, "run.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    calls = result["first"]["calls"]
    assert [c["target"] for c in calls] == ["InitiateAuth", "RevokeToken"]
    revoke = calls[1]
    assert revoke["url"] == "https://cognito-idp.example/"
    assert revoke["body"] == {"Token": "refresh-1", "ClientId": "client-1"}
    assert revoke["signedIn"] is True  # revoked before the session was cleared
    assert result["first"]["left"] == 0 and result["first"]["session"] is None
    assert result["first"]["signedOut"] == 1
    assert result["second"]["left"] == 0 and result["second"]["session"] is None
    assert result["second"]["signedOut"] == 2


def _everything_logged(records: list[Any]) -> list[str]:
    """Each record as a log line carries it: the message, every extra field, and the
    traceback with its chained causes."""
    import logging

    formatter = logging.Formatter()
    lines = []
    for record in records:
        lines.append(json.dumps(record.__dict__, default=str, ensure_ascii=False))
        if record.exc_info:
            lines.append(formatter.formatException(record.exc_info))
    return lines


def test_provider_errors_are_logged_without_the_recipients_address_or_number(
    client: Any,
    stack: Stack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SES and SNS name the recipient in their error texts; the platform logs those texts
    (and keeps them with a failed delivery) masked."""
    import boto3

    from chalicelib.core.config import settings
    from chalicelib.core.domain import clock
    from tests.integration.lifecycle_helpers import Clock, People, shanghai
    from tests.integration.test_channels import replied_call
    from tests.integration.test_faults import failing
    from tests.integration.test_mailbox import SENDER, Mailbox, plain_letter
    from tests.integration.test_webhooks import Flow

    caplog.set_level("INFO")
    Clock(shanghai("2026-11-26T09:00:00"))
    try:
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(
            EmailIdentity=settings().mailbox_address
        )

        def ses(service: str, operation: str, _params: dict[str, Any]) -> bool:
            return service == "sesv2" and operation == "SendEmail"

        message = f"Email address is not verified. The following identities failed: {SENDER}"
        with failing(monkeypatch, ses, code="MessageRejected", message=message) as failed:
            Mailbox(client).deliver(plain_letter("mask-1@example.com", "井盖丢失", "井盖"))
        assert failed == ["SendEmail"]

        people = People(stack, client)
        replied_call(people)  # the caller is +8613912345678

        def sns(service: str, operation: str, _params: dict[str, Any]) -> bool:
            return service == "sns" and operation == "Publish"

        message = "Invalid parameter: PhoneNumber Reason: +8613912345678 is not valid"
        with failing(monkeypatch, sns, code="InvalidParameter", message=message) as failed:
            Flow(client).run()
        assert failed == ["Publish"]
    finally:
        clock.set_clock(None)
    logged = "\n".join(_everything_logged(caplog.records)) + capsys.readouterr().out
    assert "MessageRejected" in logged and "InvalidParameter" in logged  # the errors are there
    assert SENDER.lower() not in logged.lower()
    assert "13912345678" not in logged
    deliveries = stack.items(settings().deliveries_table)
    assert "13912345678" not in json.dumps(deliveries)
