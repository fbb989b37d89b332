// Signing in with a user name and password of the user pool (staff only).
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { signIn } from "../lib/session.js";
import { formData } from "../lib/forms.js";

export function SignIn({ onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    const data = formData(event);
    setBusy(true);
    setError(null);
    try {
      await signIn(data.username.trim(), data.password);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<main>
    <section class="card signin">
      <h1>民生诉求 · 工作台</h1>
      <p class="meta">平台中心、承办单位、区领导和管理员使用本平台账号登录。</p>
      <form onSubmit=${submit} id="signin">
        <label for="username">用户名</label>
        <input id="username" name="username" type="text" autocomplete="username" required />
        <label for="password">密码</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy}>登录</button>
      </form>
    </section>
  </main>`;
}
