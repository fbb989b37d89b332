// Signing staff in at the user pool (USER_PASSWORD_AUTH, refreshed before it runs out),
// the session kept in sessionStorage, and signing out.
import { Problem } from "./problem.js";

const SESSION = "minsheng.console.session";
const STAFF = ["operator", "department", "leader", "admin"];

let config = null;
// Read by the shell (an imported binding follows each sign-in and sign-out)
export let session = readSession();
let onSignedOut = () => {};

// The user pool's app client and endpoint (config.json), before anyone signs in.
export function configure(value) {
  config = value;
}

// What the shell does when the session ends (signed out, or refused by the API).
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

function saveSession(value) {
  session = value;
  if (value) sessionStorage.setItem(SESSION, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION);
}

export function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part + "===".slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function roleOf(token) {
  const groups = claims(token)["cognito:groups"] || [];
  return STAFF.find((r) => groups.includes(r)) || "citizen";
}

async function cognito(target, body) {
  const response = await fetch(config.cognito_endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data.message || data.Message || "登录失败";
    throw new Problem({ title: "登录失败", detail: message, status: response.status });
  }
  return data.AuthenticationResult;
}

export async function signIn(username, password) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  const role = roleOf(result.IdToken);
  if (role === "citizen") {
    throw new Problem({ title: "无法登录", detail: "工作台仅供工作人员使用。", status: 403 });
  }
  saveSession({
    username,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  });
}

export async function freshToken() {
  if (!session) throw new Problem({ title: "未登录", status: 401 });
  if (Date.now() < session.expiresAt - 60_000) return session.idToken;
  const result = await cognito("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  saveSession({ ...session, idToken: result.IdToken, expiresAt: Date.now() + result.ExpiresIn * 1000 });
  return session.idToken;
}

// Signing out revokes the refresh token at the pool (RevokeToken: it gives no new ID
// token; the one held now lapses within the hour), then ends the session, even when the
// pool cannot be reached.
export async function signOut() {
  const ending = session;
  if (ending && ending.refreshToken && config) {
    try {
      await fetch(config.cognito_endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService.RevokeToken",
        },
        body: JSON.stringify({ Token: ending.refreshToken, ClientId: config.user_pool_client_id }),
        signal: AbortSignal.timeout(3000),
      });
    } catch {
      // The session ends all the same; the refresh token then lapses with its validity.
    }
  }
  saveSession(null);
  onSignedOut();
}
