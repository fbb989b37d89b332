// Signing staff in at the user pool (USER_PASSWORD_AUTH, refreshed before it runs out) as a
// real pool asks: a new password at the first sign-in (NEW_PASSWORD_REQUIRED), the
// authenticator's code (SOFTWARE_TOKEN_MFA), a forgotten password (a code by email or SMS,
// then a new password), and setting up an authenticator app (TOTP). The session is kept
// in sessionStorage; signing out forgets it. With the district's own sign-on (the stack's
// external issuer, oidc.js) staff sign in there instead, or as well.
import { Problem } from "./problem.js";
import { stored, claims, poolCall, tokensOf, fresh, refreshed, revoke } from "./pool.js";
import { beginSignIn, completeSignIn, isCallback, refresh as refreshAtIssuer, endSession } from "./oidc.js";

const STAFF = ["operator", "department", "leader", "admin"];
const kept = stored("minsheng.console.session");

let config = null;
// Read by the shell (an imported binding follows each sign-in and sign-out)
export let session = kept.read();
let onSignedOut = () => {};
let onMfaRequired = () => {};

// The user pool's app client and endpoint (config.json), before anyone signs in.
export function configure(value) {
  config = value;
}

// How staff may sign in: the user pool's password (when the stack has a pool) and the
// district's sign-on (when the stack names its issuer and the console's client there).
export function signInOptions() {
  return { pool: Boolean(config && config.user_pool_client_id), issuer: Boolean(config && config.oidc) };
}

// Whether an optional part is on (MINSHENG_FEATURES, as config.json names them): its views
// show only then. "accounts": the staff accounts are the stack's (its own user pool).
export function featureOn(name) {
  if (!config) return true;
  if (name === "accounts") return config.accounts !== false;
  return !Array.isArray(config.features) || config.features.includes(name);
}

// Whether the caller's role must have an authenticator app (the stack's setting).
export function mfaRequiredFor(role) {
  return Boolean(config && (config.mfa_roles || ["admin"]).includes(role));
}

// What the shell does when the session ends (signed out, or refused by the API).
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

// What the shell does when the API says the account needs an authenticator app first.
export function whenMfaRequired(callback) {
  onMfaRequired = callback;
}

export function mfaRequired() {
  onMfaRequired();
}

function saveSession(value) {
  session = value;
  kept.write(value);
}

export { claims };

// The issuer's claims name groups and department as the stack's settings say; the pool's
// are cognito:groups and custom:department_id.
function fromIssuer(token) {
  return Boolean(config && config.oidc && claims(token).iss === config.oidc.issuer);
}

export function roleOf(token) {
  let groups = claims(token)[fromIssuer(token) ? config.oidc.groups_claim : "cognito:groups"] || [];
  if (typeof groups === "string") groups = groups.split(/[\s,]+/);
  return STAFF.find((r) => groups.includes(r)) || "citizen";
}

export function departmentOf(token) {
  return claims(token)[fromIssuer(token) ? config.oidc.department_claim : "custom:department_id"];
}

function staffOnly(idToken) {
  if (roleOf(idToken) === "citizen") {
    throw new Problem({ title: "无法登录", detail: "工作台仅供工作人员使用。", status: 403 });
  }
}

// To the district's sign-on page (it comes back to the console with a code).
export function signInAtIssuer() {
  return beginSignIn(config.oidc);
}

export const issuerCallback = isCallback;

// Back from the sign-on page: the code exchanged and the session kept.
export async function completeIssuerSignIn() {
  const got = await completeSignIn(config.oidc);
  staffOnly(got.idToken);
  saveSession({ ...got, external: true });
}

// The pool's errors in words staff understand (its own message stays in the detail).
const POOL_ERROR = {
  NotAuthorizedException: "用户名或密码不正确",
  UserNotFoundException: "用户名或密码不正确",
  CodeMismatchException: "验证码不正确，请重新输入",
  ExpiredCodeException: "验证码已过期，请重新获取",
  InvalidPasswordException: "新密码不符合要求：至少 12 位，须含大写字母、小写字母和数字",
  LimitExceededException: "尝试次数过多，请稍后再试",
  TooManyRequestsException: "尝试次数过多，请稍后再试",
  TooManyFailedAttemptsException: "尝试次数过多，请稍后再试",
  EnableSoftwareTokenMFAException: "验证码不正确，请重新输入",
  PasswordResetRequiredException: "需要重设密码：请点“忘记密码”获取验证码",
  InvalidParameterException: "无法完成：请检查填写的内容",
};

function poolTitle(code, message) {
  if (code === "NotAuthorizedException") {
    if (/disabled/i.test(message)) return "账号已停用，请联系管理员";
    if (/attempts exceeded/i.test(message)) return "密码输错次数过多，账号暂时锁定，请稍后再试";
    if (/current state|cannot be reset/i.test(message)) return "此账号尚未设置密码：请用邮件或短信中的临时密码登录";
    if (/session/i.test(message)) return "登录已超时，请重新登录";
  }
  return POOL_ERROR[code] || "登录失败";
}

async function cognito(target, body) {
  const answer = await poolCall(config.cognito_endpoint, target, body);
  if (!answer.ok) {
    const { code, message } = answer;
    throw new Problem({ title: poolTitle(code, message), status: answer.status, code, message });
  }
  return answer.data;
}

function keep(username, result) {
  staffOnly(result.IdToken);
  saveSession(tokensOf(username, result, session));
}

// One step of signing in: either signed in ({done: true}), or what the pool asks next
// ({challenge, session, username}: NEW_PASSWORD_REQUIRED or SOFTWARE_TOKEN_MFA).
function step(username, answer) {
  if (answer.AuthenticationResult) {
    keep(username, answer.AuthenticationResult);
    return { done: true };
  }
  const known = ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"];
  if (!known.includes(answer.ChallengeName)) {
    throw new Problem({ title: "无法登录", detail: `用户池要求 ${answer.ChallengeName}，工作台不支持`, status: 400 });
  }
  return { challenge: answer.ChallengeName, session: answer.Session, username };
}

export async function signIn(username, password) {
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return step(username, answer);
}

function respond(pending, name, responses) {
  return cognito("RespondToAuthChallenge", {
    ChallengeName: name,
    ClientId: config.user_pool_client_id,
    Session: pending.session,
    ChallengeResponses: { USERNAME: pending.username, ...responses },
  }).then((answer) => step(pending.username, answer));
}

// The first sign-in: the temporary password is replaced by the staff member's own.
export function setNewPassword(pending, password) {
  return respond(pending, "NEW_PASSWORD_REQUIRED", { NEW_PASSWORD: password });
}

// The authenticator's six digits, at every sign-in once it is set up.
export function answerCode(pending, code) {
  return respond(pending, "SOFTWARE_TOKEN_MFA", { SOFTWARE_TOKEN_MFA_CODE: code });
}

// A code to the verified email (or phone); answers where it went.
export async function forgotPassword(username) {
  const answer = await cognito("ForgotPassword", { ClientId: config.user_pool_client_id, Username: username });
  return answer.CodeDeliveryDetails || {};
}

export function confirmForgotPassword(username, code, password) {
  return cognito("ConfirmForgotPassword", {
    ClientId: config.user_pool_client_id,
    Username: username,
    ConfirmationCode: code,
    Password: password,
  });
}

// Whether the signed-in account has an authenticator app.
export async function hasAuthenticator() {
  const user = await cognito("GetUser", { AccessToken: session.accessToken });
  return (user.UserMFASettingList || []).includes("SOFTWARE_TOKEN_MFA");
}

// A new authenticator secret for the signed-in account (base32, to type or scan).
export async function newAuthenticatorSecret() {
  const answer = await cognito("AssociateSoftwareToken", { AccessToken: session.accessToken });
  return answer.SecretCode;
}

// The first code from the app proves it holds the secret; then sign-ins ask for codes.
export async function confirmAuthenticator(code) {
  await cognito("VerifySoftwareToken", {
    AccessToken: session.accessToken,
    UserCode: code,
    FriendlyDeviceName: "民生诉求工作台",
  });
  await cognito("SetUserMFAPreference", {
    AccessToken: session.accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
}

// One refresh at a time: the calls a view makes together wait for the same one (an issuer
// that rotates refresh tokens takes each only once).
let refreshing = null;

export async function freshToken() {
  if (!session) throw new Problem({ title: "未登录", status: 401 });
  if (fresh(session)) return session.idToken;
  if (!refreshing) refreshing = refresh().finally(() => { refreshing = null; });
  return refreshing;
}

async function refresh() {
  if (session.external) {
    if (!session.refreshToken) throw new Problem({ title: "登录已过期，请重新登录", status: 401 });
    const got = await refreshAtIssuer(config.oidc, session.refreshToken);
    staffOnly(got.idToken);
    saveSession({ ...got, external: true });
    return session.idToken;
  }
  keep(session.username, await refreshed(cognito, config.user_pool_client_id, session));
  return session.idToken;
}

// Signing out revokes the refresh token at the pool (RevokeToken: it gives no new ID
// token; the one held now lapses within the hour), then ends the session, even when the
// pool cannot be reached.
export async function signOut() {
  const ending = session;
  if (ending && ending.external) {
    // The district's sign-on ends its own session too (the browser goes there and back).
    saveSession(null);
    onSignedOut();
    if (config && config.oidc) await endSession(config.oidc, ending.idToken);
    return;
  }
  if (config) await revoke(config.cognito_endpoint, config.user_pool_client_id, ending);
  saveSession(null);
  onSignedOut();
}
