// Signing staff in at the district's own OpenID Connect issuer (统一身份认证), written against
// OpenID Connect Core 1.0, Discovery 1.0, RP-Initiated Logout 1.0 and RFC 7636 (PKCE): the
// issuer's discovery document, the authorization-code flow of a public client (no secret)
// with an S256 code challenge, a state and a nonce checked on the way back, the code
// exchanged at the token endpoint, the refresh token used when the issuer gives one, and
// the issuer's end_session_endpoint at sign-out when it has one. The API checks the ID
// token's signature; the console checks what binds it to this sign-in (iss, aud, azp,
// nonce, exp). The page's policy lets it talk to the issuer's origin only, so the token
// endpoint must be there.
import { Problem } from "./problem.js";
import { claims as claimsOf } from "./pool.js";

// This sign-in's state, nonce and code verifier, kept until the issuer sends the browser
// back (sessionStorage: this tab only).
const PENDING = "minsheng.console.oidc";
const SCOPE = "openid profile";
let discovered = null;

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

// The console's own address: the issuer sends the browser back here (the redirect URI
// registered for the console's client at the issuer).
export function redirectUri() {
  return location.origin + location.pathname;
}

function refused(detail) {
  return new Problem({ title: "统一身份认证登录失败", detail, status: 401 });
}

// The issuer's discovery document, read once per page: its issuer must be the one the
// stack names, and its token endpoint on the issuer's origin (the only one the page may call).
export async function discover(oidc) {
  if (discovered && discovered.issuer === oidc.issuer) return discovered;
  let response;
  try {
    response = await fetch(oidc.issuer.replace(/\/$/, "") + "/.well-known/openid-configuration");
  } catch {
    throw refused("无法连接统一身份认证服务，请稍后再试");
  }
  const doc = await response.json().catch(() => null);
  if (!response.ok || !doc) throw refused(`统一身份认证服务的发现文档不可用（${response.status}）`);
  if (doc.issuer !== oidc.issuer) throw refused(`发现文档的 issuer 是 ${doc.issuer}，不是 ${oidc.issuer}`);
  if (!doc.authorization_endpoint || !doc.token_endpoint) throw refused("发现文档缺少授权端点或令牌端点");
  if (new URL(doc.token_endpoint).origin !== new URL(oidc.issuer).origin) {
    throw refused(`令牌端点 ${doc.token_endpoint} 不在签发方的域名下`);
  }
  const methods = doc.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) throw refused("统一身份认证服务不支持 PKCE（S256）");
  discovered = doc;
  return doc;
}

// Off to the issuer's sign-in page; it sends the browser back with a code (or an error).
export async function beginSignIn(oidc) {
  const doc = await discover(oidc);
  const pending = { state: random(), nonce: random(), verifier: random(), hash: location.hash || "" };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(doc.authorization_endpoint);
  const query = {
    response_type: "code",
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: "S256",
  };
  Object.entries(query).forEach(([name, value]) => url.searchParams.set(name, value));
  location.assign(url.href);
}

// Whether this page load is the issuer sending the browser back.
export function isCallback() {
  const query = new URLSearchParams(location.search);
  return query.has("state") && (query.has("code") || query.has("error"));
}

function checkIdToken(oidc, idToken, nonce) {
  let claims;
  try {
    claims = claimsOf(String(idToken));
  } catch {
    throw refused("签发方返回的 ID 令牌无法解析");
  }
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== oidc.issuer) throw refused("ID 令牌的签发方不符");
  if (!audience.includes(oidc.client_id)) throw refused("ID 令牌不是签发给工作台的");
  if (audience.length > 1 && claims.azp !== oidc.client_id) throw refused("ID 令牌的 azp 不是工作台");
  if (nonce !== undefined && claims.nonce !== nonce) throw refused("ID 令牌的 nonce 与本次登录不符");
  if (!(claims.exp * 1000 > Date.now())) throw refused("ID 令牌已过期");
  return claims;
}

async function tokenRequest(oidc, form) {
  const doc = await discover(oidc);
  let response;
  try {
    response = await fetch(doc.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: oidc.client_id, ...form }).toString(),
    });
  } catch {
    throw refused("无法连接统一身份认证服务，请稍后再试");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw refused(data.error_description || data.error || `令牌端点返回 ${response.status}`);
  if (!data.id_token) throw refused("令牌端点没有返回 ID 令牌");
  return data;
}

function tokens(data, claims, previous) {
  return {
    idToken: data.id_token,
    refreshToken: data.refresh_token || previous || null,
    // The API takes the ID token: the session lasts as long as it does.
    expiresAt: claims.exp * 1000,
    username: claims.preferred_username || claims.sub,
  };
}

// The issuer sent the browser back: the state must be this tab's, the code is exchanged
// with the verifier (once: the pending sign-in is forgotten first), and the ID token must
// carry this sign-in's nonce. The code leaves the address bar either way.
export async function completeSignIn(oidc) {
  const query = new URLSearchParams(location.search);
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  } catch {
    pending = null;
  }
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", location.pathname + ((pending && pending.hash) || ""));
  if (!pending || query.get("state") !== pending.state) {
    throw refused("登录回调与本页发起的登录不符（state 不一致），请重新登录");
  }
  if (query.has("error")) throw refused(query.get("error_description") || query.get("error"));
  const data = await tokenRequest(oidc, {
    grant_type: "authorization_code",
    code: query.get("code"),
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  return tokens(data, checkIdToken(oidc, data.id_token, pending.nonce));
}

// A new ID token for the refresh token (the issuer may send a new refresh token too).
export async function refresh(oidc, refreshToken) {
  const data = await tokenRequest(oidc, { grant_type: "refresh_token", refresh_token: refreshToken, scope: SCOPE });
  return tokens(data, checkIdToken(oidc, data.id_token), refreshToken);
}

// Signing out at the issuer too, when it has an end_session_endpoint: the browser goes
// there and comes back to the console. Answers whether it went.
export async function endSession(oidc, idToken) {
  let doc;
  try {
    doc = await discover(oidc);
  } catch {
    return false;
  }
  if (!doc.end_session_endpoint) return false;
  const url = new URL(doc.end_session_endpoint);
  url.searchParams.set("client_id", oidc.client_id);
  url.searchParams.set("post_logout_redirect_uri", redirectUri());
  if (idToken) url.searchParams.set("id_token_hint", idToken);
  location.assign(url.href);
  return true;
}
