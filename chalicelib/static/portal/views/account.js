// Accounts: sign in with the mobile number (or a user name) and password; sign up with a
// mobile number, confirmed by the code the pool texts to it (a hotline caller who signs up
// with the number they called from then sees those calls in 我的诉求); a forgotten
// password, reset with a code by SMS.
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { signIn, signUp, confirmSignUp, resendCode, forgotPassword, confirmForgotPassword, mobile } from "../lib/session.js";
import { useTitle } from "../lib/hooks.js";

const RULE = "至少 12 位，须含大写字母、小写字母和数字";

function useRun() {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
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
  return { error, setError, busy, run };
}

const values = (event) => {
  event.preventDefault();
  return Object.fromEntries(new FormData(event.currentTarget).entries());
};

function Field({ id, label, hint, error, ...input }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${id.replace(/^[a-z]+-/, "")} aria-describedby=${hint || error ? `${id}-hint` : undefined} aria-invalid=${error ? "true" : undefined} ...${input} />
    ${hint || error ? html`<p class=${error ? "hint bad" : "hint"} id=${`${id}-hint`}>${error || hint}</p>` : null}
  </div>`;
}

export function SignIn({ next, notice }) {
  useTitle("登录");
  const { error, busy, run } = useRun();
  const submit = (event) => {
    const data = values(event);
    run(async () => {
      await signIn(data.username, data.password);
      location.hash = next || "#/mine";
    });
  };
  return html`<main id="signin" class="narrow">
    <h1>登录</h1>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <form onSubmit=${submit} novalidate>
      <${Field} id="signin-username" label="手机号或用户名" autocomplete="username" inputmode="text" required />
      <${Field} id="signin-password" label="密码" type="password" autocomplete="current-password" required />
      <${ProblemBox} error=${error} />
      <button class="primary wide" type="submit" disabled=${busy}>登录</button>
    </form>
    <p class="links"><a href=${`#/sign-up${next ? "?next=" + encodeURIComponent(next) : ""}`}>没有账号？用手机号注册</a> · <a href="#/forgot">忘记密码</a></p>
    <p class="hint">拨打过 12345 热线的，用来电号码注册后，可在“我的诉求”查看热线受理的诉求。</p>
  </main>`;
}

export function SignUp({ next }) {
  useTitle("注册");
  const { error, setError, busy, run } = useRun();
  const [pending, setPending] = useState(null); // {number, password, where}
  const [fields, setFields] = useState({});
  const [sent, setSent] = useState(null);

  const start = (event) => {
    const data = values(event);
    const number = mobile(data.phone);
    const problems = {};
    if (!number) problems.phone = "请输入 11 位手机号";
    if (!/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{12,}$/.test(data.password)) problems.password = `密码${RULE}`;
    else if (data.password !== data.again) problems.again = "两次输入的密码不一致";
    setFields(problems);
    if (Object.keys(problems).length) {
      setError(null);
      return;
    }
    run(async () => {
      const answer = await signUp(number, data.password);
      const where = (answer.CodeDeliveryDetails || {}).Destination || number;
      setPending({ number, password: data.password, where });
    });
  };
  const confirm = (event) => {
    const data = values(event);
    run(async () => {
      await confirmSignUp(pending.number, data.code.trim());
      await signIn(pending.number, pending.password);
      location.hash = next || "#/mine";
    });
  };
  const again = () => run(async () => {
    await resendCode(pending.number);
    setSent(`验证码已重新发送到 ${pending.where}`);
  });

  if (pending) {
    return html`<main id="signup-code" class="narrow">
      <h1>输入短信验证码</h1>
      <p class="notice" role="status">${sent || `验证码已发送到 ${pending.where}，请查收短信。`}</p>
      <form onSubmit=${confirm} novalidate>
        <${Field} id="signup-code-input" name="code" label="短信验证码" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required />
        <${ProblemBox} error=${error} />
        <button class="primary wide" type="submit" disabled=${busy}>完成注册</button>
      </form>
      <p class="links"><button type="button" class="link" onClick=${again} disabled=${busy}>没收到？重新发送</button></p>
    </main>`;
  }
  return html`<main id="signup" class="narrow">
    <h1>用手机号注册</h1>
    <form onSubmit=${start} novalidate>
      <${Field} id="signup-phone" label="手机号" type="tel" inputmode="numeric" autocomplete="tel-national" required error=${fields.phone} hint="我们会发送短信验证码到这个号码" />
      <${Field} id="signup-password" label="设置密码" type="password" autocomplete="new-password" required error=${fields.password} hint=${RULE} />
      <${Field} id="signup-again" label="再次输入密码" type="password" autocomplete="new-password" required error=${fields.again} />
      <${ProblemBox} error=${error} />
      <button class="primary wide" type="submit" disabled=${busy}>获取验证码</button>
    </form>
    <p class="links"><a href="#/sign-in">已有账号？登录</a></p>
    <p class="hint">注册即表示您同意平台依法使用您的手机号联系您办理诉求；手机号不会公开。</p>
  </main>`;
}

export function Forgot() {
  useTitle("找回密码");
  const { error, busy, run } = useRun();
  const [pending, setPending] = useState(null);
  const [done, setDone] = useState(false);
  const ask = (event) => {
    const data = values(event);
    run(async () => {
      const where = await forgotPassword(data.username);
      setPending({ username: data.username, where: where.Destination || "您的手机" });
    });
  };
  const reset = (event) => {
    const data = values(event);
    run(async () => {
      await confirmForgotPassword(pending.username, data.code.trim(), data.password);
      setDone(true);
    });
  };
  if (done) {
    return html`<main id="forgot-done" class="narrow"><h1>密码已重设</h1><p><a class="button primary" href="#/sign-in">去登录</a></p></main>`;
  }
  if (pending) {
    return html`<main id="forgot-code" class="narrow">
      <h1>重设密码</h1>
      <p class="notice" role="status">验证码已发送到 ${pending.where}。</p>
      <form onSubmit=${reset} novalidate>
        <${Field} id="forgot-code-input" name="code" label="短信验证码" inputmode="numeric" autocomplete="one-time-code" required />
        <${Field} id="forgot-password" label="新密码" type="password" autocomplete="new-password" required hint=${RULE} />
        <${ProblemBox} error=${error} />
        <button class="primary wide" type="submit" disabled=${busy}>重设密码</button>
      </form>
    </main>`;
  }
  return html`<main id="forgot" class="narrow">
    <h1>找回密码</h1>
    <form onSubmit=${ask} novalidate>
      <${Field} id="forgot-username" label="手机号或用户名" autocomplete="username" required />
      <${ProblemBox} error=${error} />
      <button class="primary wide" type="submit" disabled=${busy}>获取验证码</button>
    </form>
  </main>`;
}
