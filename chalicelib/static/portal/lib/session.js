// Citizens' accounts at the user pool, called from the browser as the mobile app calls it:
// sign up with a mobile number (the pool texts a code that confirms it), sign in with the
// number (or a user name) and password, a forgotten password (a code by SMS), and signing
// out (the refresh token is revoked). The session is kept in sessionStorage.
import { Problem } from "./problem.js";
import { stored, claims, poolCall, tokensOf, fresh, refreshed, revoke } from "./pool.js";

const STAFF = ["operator", "department", "leader", "admin"];
const kept = stored("minsheng.portal.session");

let config = null;
export let session = kept.read();
let listeners = [];

export function configure(value) {
  config = value;
}

export function settings() {
  return config || {};
}

// Called with the session (or null) whenever it starts or ends.
export function onSession(callback) {
  listeners.push(callback);
  return () => { listeners = listeners.filter((l) => l !== callback); };
}

function saveSession(value) {
  session = value;
  kept.write(value);
  listeners.forEach((l) => l(value));
}

export { claims };

// A mainland mobile number as typed (spaces, dashes, +86) -> its 11 digits, else null.
export function mobile(text) {
  const digits = String(text || "").replace(/[\s-]/g, "").replace(/^(\+?86)(?=1\d{10}$)/, "");
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

// What the pool's errors mean to a citizen (its own message stays in the detail).
const POOL_ERROR = {
  NotAuthorizedException: "手机号（用户名）或密码不正确",
  UserNotFoundException: "手机号（用户名）或密码不正确",
  UsernameExistsException: "这个手机号已经注册，请直接登录；忘记密码可以找回",
  UserNotConfirmedException: "手机号尚未验证：请输入短信验证码完成注册",
  CodeMismatchException: "验证码不正确，请重新输入",
  ExpiredCodeException: "验证码已过期，请重新获取",
  InvalidPasswordException: "密码不符合要求：至少 12 位，须含大写字母、小写字母和数字",
  LimitExceededException: "尝试次数过多，请稍后再试",
  TooManyRequestsException: "尝试次数过多，请稍后再试",
  TooManyFailedAttemptsException: "尝试次数过多，请稍后再试",
  CodeDeliveryFailureException: "验证码短信发送失败，请稍后重试",
  InvalidParameterException: "无法完成：请检查填写的内容",
};

function poolTitle(code, message) {
  if (code === "NotAuthorizedException") {
    if (/disabled/i.test(message)) return "账号已停用";
    if (/attempts exceeded/i.test(message)) return "密码输错次数过多，账号暂时锁定，请稍后再试";
    if (/confirmed/i.test(message)) return "账号已经验证过，请直接登录";
  }
  return POOL_ERROR[code] || "操作失败，请稍后重试";
}

async function cognito(target, body) {
  let answer;
  try {
    answer = await poolCall(config.cognito_endpoint, target, body);
  } catch {
    throw new Problem({ title: "网络不通，请检查网络后重试", status: 0 });
  }
  if (!answer.ok) {
    const { code, message } = answer;
    throw new Problem({ title: poolTitle(code, message), status: answer.status, code, message });
  }
  return answer.data;
}

function keep(username, result) {
  const groups = claims(result.IdToken)["cognito:groups"] || [];
  if (STAFF.some((role) => groups.includes(role))) {
    throw new Problem({ title: "这是工作人员账号", detail: "请到工作台登录（../console/）。", status: 403 });
  }
  saveSession(tokensOf(username, result, session));
}

// The user name a citizen's typed sign-in means: a mobile number is their user name.
export const username = (typed) => mobile(typed) || String(typed || "").trim();

export async function signIn(typed, password) {
  const name = username(typed);
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: name, PASSWORD: password },
  });
  if (!answer.AuthenticationResult) {
    throw new Problem({ title: "无法登录", detail: `账号需要先完成 ${answer.ChallengeName}，请联系 12345 热线`, status: 400 });
  }
  keep(name, answer.AuthenticationResult);
}

// A new account: the number is the user name and the phone the pool texts the code to.
export function signUp(number, password, name) {
  const attributes = [{ Name: "phone_number", Value: `+86${number}` }];
  if (name) attributes.push({ Name: "name", Value: name });
  return cognito("SignUp", {
    ClientId: config.user_pool_client_id,
    Username: number,
    Password: password,
    UserAttributes: attributes,
  });
}

export function confirmSignUp(number, code) {
  return cognito("ConfirmSignUp", { ClientId: config.user_pool_client_id, Username: number, ConfirmationCode: code });
}

export function resendCode(number) {
  return cognito("ResendConfirmationCode", { ClientId: config.user_pool_client_id, Username: number });
}

export async function forgotPassword(typed) {
  const answer = await cognito("ForgotPassword", { ClientId: config.user_pool_client_id, Username: username(typed) });
  return answer.CodeDeliveryDetails || {};
}

export function confirmForgotPassword(typed, code, password) {
  return cognito("ConfirmForgotPassword", {
    ClientId: config.user_pool_client_id,
    Username: username(typed),
    ConfirmationCode: code,
    Password: password,
  });
}

export async function freshToken() {
  if (!session) throw new Problem({ title: "请先登录", status: 401 });
  if (fresh(session)) return session.idToken;
  keep(session.username, await refreshed(cognito, config.user_pool_client_id, session));
  return session.idToken;
}

// The refresh token is revoked at the pool (the ID token held now lapses within the hour),
// then the session ends, even when the pool cannot be reached.
export async function signOut() {
  const ending = session;
  if (config) await revoke(config.cognito_endpoint, config.user_pool_client_id, ending);
  saveSession(null);
}
