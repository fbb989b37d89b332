// What the console and the portal do alike with the user pool, from the browser: call it,
// keep the session in this tab (sessionStorage), read an ID token's claims, refresh the
// tokens before they run out, and revoke the refresh token at sign-out. Each page keeps
// its own words for the pool's errors and its own rules for who may sign in there.

// A session kept under ``key`` in sessionStorage: read() and write(value or null).
export function stored(key) {
  return {
    read() {
      try {
        return JSON.parse(sessionStorage.getItem(key) || "null");
      } catch {
        return null;
      }
    },
    write(value) {
      if (value) sessionStorage.setItem(key, JSON.stringify(value));
      else sessionStorage.removeItem(key);
    },
  };
}

export function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part + "===".slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// One call to the pool: its answer, or {code, message} of its error (``ok`` false).
// A network failure is thrown as it comes (the page says it in its own words).
export async function poolCall(endpoint, target, body) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  const code = String(data.__type || data.code || "").split("#").pop();
  return { ok: response.ok, status: response.status, data, code, message: data.message || data.Message || "" };
}

// The session an AuthenticationResult makes (a refresh keeps the refresh token it had).
export function tokensOf(username, result, previous) {
  return {
    username,
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || (previous && previous.refreshToken),
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  };
}

// Whether the session's ID token is good for another minute at least.
export function fresh(session) {
  return Date.now() < session.expiresAt - 60_000;
}

// New tokens for the refresh token (``call``: the page's call to the pool).
export async function refreshed(call, clientId, session) {
  const answer = await call("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: clientId,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  return answer.AuthenticationResult;
}

// Signing out revokes the refresh token at the pool (RevokeToken: it gives no new ID token;
// the one held now lapses within the hour); the session ends all the same when the pool
// cannot be reached within 3 s.
export async function revoke(endpoint, clientId, session) {
  if (!session || !session.refreshToken || !endpoint) return;
  try {
    await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.RevokeToken",
      },
      body: JSON.stringify({ Token: session.refreshToken, ClientId: clientId }),
      signal: AbortSignal.timeout(3000),
    });
  } catch {
    // The refresh token then lapses with its validity.
  }
}
