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
    for folder in ("lib", "vendor"):
        shutil.copytree(CONSOLE / folder, tmp_path / folder)
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
