// Signing in with a user name and password of the user pool (staff only), and each step a
// real pool may ask for: a new password at the first sign-in, the authenticator's code,
// a forgotten password (a code by email or SMS, then a new one); after the first sign-in,
// setting up an authenticator app (required for the roles the stack names). With the
// district's sign-on (统一身份认证), a button that signs in there instead; a stack without a
// user pool offers that alone.
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { session, signIn, setNewPassword, answerCode, forgotPassword, confirmForgotPassword, hasAuthenticator, roleOf, mfaRequiredFor, signInOptions, signInAtIssuer } from "../lib/session.js";
import { formData } from "../lib/forms.js";
import { TotpSetup } from "./mfa.js";

const RULE = "至少 12 位，须含大写字母、小写字母和数字。";

function Card({ title, children }) {
  return html`<main>
    <section class="card signin">
      <h1>民生诉求 · 工作台</h1>
      ${title ? html`<h2>${title}</h2>` : null}
      ${children}
    </section>
  </main>`;
}

export function SignIn({ onDone, failed }) {
  // password | new-password | code | forgot | forgot-code | totp
  const [stage, setStage] = useState("password");
  const [pending, setPending] = useState(null);
  // A sign-in at the district's sign-on that came back refused shows here first.
  const [error, setError] = useState(failed || null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(null);
  const [forgotten, setForgotten] = useState({ username: "", where: "" });

  const run = async (work) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const go = (next) => { setError(null); setNotice(null); setStage(next); };

  // Signed in: after a first sign-in, the authenticator app (unless it is there already).
  const signedIn = async (first) => {
    if (first && !(await hasAuthenticator().catch(() => false))) go("totp");
    else onDone();
  };
  const next = async (result, first) => {
    if (result.done) return signedIn(first);
    setPending({ ...result, first: first || result.challenge === "NEW_PASSWORD_REQUIRED" });
    go(result.challenge === "NEW_PASSWORD_REQUIRED" ? "new-password" : "code");
  };

  const submitPassword = (event) => {
    const data = formData(event);
    run(async () => {
      try {
        await next(await signIn(data.username.trim(), data.password), false);
      } catch (e) {
        if (e.body && e.body.code === "PasswordResetRequiredException") {
          setForgotten({ username: data.username.trim(), where: "" });
          go("forgot-code");
        }
        throw e;
      }
    });
  };
  const submitNewPassword = (event) => {
    const data = formData(event);
    if (data.password !== data.again) {
      setError({ body: { title: "两次输入的新密码不一致" } });
      return;
    }
    run(async () => next(await setNewPassword(pending, data.password), true));
  };
  const submitCode = (event) => {
    const data = formData(event);
    run(async () => next(await answerCode(pending, data.code.replace(/\s/g, "")), pending.first));
  };
  const submitForgot = (event) => {
    const data = formData(event);
    const username = data.username.trim();
    run(async () => {
      const sent = await forgotPassword(username);
      const medium = sent.DeliveryMedium === "SMS" ? "短信" : "邮件";
      setForgotten({ username, where: sent.Destination ? `已通过${medium}发送到 ${sent.Destination}` : "验证码已发送" });
      go("forgot-code");
    });
  };
  const submitForgotCode = (event) => {
    const data = formData(event);
    if (data.password !== data.again) {
      setError({ body: { title: "两次输入的新密码不一致" } });
      return;
    }
    run(async () => {
      await confirmForgotPassword(forgotten.username, data.code.trim(), data.password);
      go("password");
      setNotice("密码已重设，请用新密码登录。");
    });
  };

  if (stage === "totp") {
    const required = mfaRequiredFor(roleOf(session.idToken));
    return html`<${TotpSetup} required=${required} onDone=${onDone} onSkip=${onDone} />`;
  }
  if (stage === "new-password") {
    return html`<${Card} title="设置新密码">
      <p class="meta">首次登录请把临时密码换成您自己的密码。${RULE}</p>
      <form onSubmit=${submitNewPassword} id="new-password">
        <input type="text" name="username" autocomplete="username" value=${pending.username} hidden readonly />
        <label for="new-password-1">新密码</label>
        <input id="new-password-1" name="password" type="password" autocomplete="new-password" required minlength="12" />
        <label for="new-password-2">再次输入新密码</label>
        <input id="new-password-2" name="again" type="password" autocomplete="new-password" required minlength="12" />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy}>保存新密码</button>
      </form>
    <//>`;
  }
  if (stage === "code") {
    return html`<${Card} title="两步验证">
      <form onSubmit=${submitCode} id="mfa">
        <label for="mfa-code">验证器应用中的 6 位验证码</label>
        <input id="mfa-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy}>登录</button>
        <button class="secondary" type="button" onClick=${() => go("password")}>返回</button>
      </form>
    <//>`;
  }
  if (stage === "forgot") {
    return html`<${Card} title="忘记密码">
      <p class="meta">验证码会发到您登记的邮箱（没有邮箱则发到手机）。</p>
      <form onSubmit=${submitForgot} id="forgot">
        <label for="forgot-username">用户名</label>
        <input id="forgot-username" name="username" type="text" autocomplete="username" required />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy}>发送验证码</button>
        <button class="secondary" type="button" onClick=${() => go("password")}>返回登录</button>
      </form>
    <//>`;
  }
  if (stage === "forgot-code") {
    return html`<${Card} title="重设密码">
      <p class="meta" role="status">${forgotten.where || "请输入收到的验证码"}。${RULE}</p>
      <form onSubmit=${submitForgotCode} id="forgot-code">
        <input type="text" name="username" autocomplete="username" value=${forgotten.username} hidden readonly />
        <label for="forgot-code-value">验证码</label>
        <input id="forgot-code-value" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required />
        <label for="forgot-password-1">新密码</label>
        <input id="forgot-password-1" name="password" type="password" autocomplete="new-password" required minlength="12" />
        <label for="forgot-password-2">再次输入新密码</label>
        <input id="forgot-password-2" name="again" type="password" autocomplete="new-password" required minlength="12" />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy}>重设密码</button>
        <button class="secondary" type="button" onClick=${() => go("password")}>返回登录</button>
      </form>
    <//>`;
  }
  const options = signInOptions();
  const issuer = options.issuer
    ? html`<div class="issuer-sign-in">
        <button class=${options.pool ? "secondary" : "primary"} type="button" id="issuer-sign-in" disabled=${busy}
          onClick=${() => run(signInAtIssuer)}>使用统一身份认证登录</button>
      </div>`
    : null;
  if (!options.pool) {
    return html`<${Card}>
      <p class="meta">平台中心、承办单位、区领导和管理员使用本区统一身份认证账号登录。</p>
      ${issuer}
      <${ProblemBox} error=${error} />
    <//>`;
  }
  return html`<${Card}>
    <p class="meta">平台中心、承办单位、区领导和管理员使用本平台账号登录。</p>
    <form onSubmit=${submitPassword} id="signin">
      <label for="username">用户名</label>
      <input id="username" name="username" type="text" autocomplete="username" required />
      <label for="password">密码</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      ${notice ? html`<div class="done" role="status">${notice}</div>` : null}
      <${ProblemBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>登录</button>
      <button class="link" type="button" id="forgot-link" onClick=${() => go("forgot")}>忘记密码？</button>
    </form>
    ${issuer}
  <//>`;
}
