// Setting up an authenticator app (two-step verification, TOTP): the pool's secret shown
// as text and as a QR code drawn here (uqr, vendored), then the app's first code.
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { encode } from "../vendor/uqr.js";
import { ProblemBox } from "../lib/problem.js";
import { formData } from "../lib/forms.js";
import { session, newAuthenticatorSecret, confirmAuthenticator } from "../lib/session.js";

const ISSUER = "民生诉求";

export function otpauth(username, secret) {
  const label = encodeURIComponent(`${ISSUER}:${username}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(ISSUER)}&algorithm=SHA1&digits=6&period=30`;
}

// The QR code as one SVG path of its dark modules (no markup, no image from anywhere).
export function QrCode({ text, label }) {
  const { data, size } = encode(text, { ecc: "M", border: 2 });
  let d = "";
  data.forEach((row, y) => row.forEach((dark, x) => { if (dark) d += `M${x} ${y}h1v1h-1z`; }));
  return html`<svg class="qr" role="img" aria-label=${label} viewBox=${`0 0 ${size} ${size}`} shape-rendering="crispEdges">
    <rect width=${size} height=${size} fill="#fff" /><path d=${d} fill="#000" />
  </svg>`;
}

const grouped = (secret) => secret.replace(/(.{4})/g, "$1 ").trim();

export function TotpSetup({ required, onDone, onSkip }) {
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { newAuthenticatorSecret().then(setSecret).catch(setError); }, []);
  const submit = async (event) => {
    const data = formData(event);
    setBusy(true);
    setError(null);
    try {
      await confirmAuthenticator(data.code.replace(/\s/g, ""));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<main>
    <section class="card signin" aria-labelledby="totp-title">
      <h1 id="totp-title">设置两步验证</h1>
      <p class="meta">${required
        ? "您的账号必须开启两步验证后才能使用工作台。"
        : "建议开启两步验证：以后每次登录时，除密码外还需输入手机验证器中的验证码。"}</p>
      <ol class="steps">
        <li>在手机上安装验证器应用（如 Microsoft Authenticator、Google 身份验证器、FreeOTP）。</li>
        <li>用应用扫描下面的二维码，或在应用中手工输入密钥。</li>
        <li>输入应用显示的 6 位验证码。</li>
      </ol>
      ${secret ? html`<div id="totp">
        <${QrCode} text=${otpauth(session.username, secret)} label="两步验证二维码：用验证器应用扫描" />
        <p>密钥：<code id="totp-secret" class="text" data-secret=${secret}>${grouped(secret)}</code></p>
      </div>` : error ? null : html`<p>正在生成密钥……</p>`}
      <form onSubmit=${submit} id="totp-form">
        <label for="totp-code">验证码（6 位数字）</label>
        <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required />
        <${ProblemBox} error=${error} />
        <button class="primary" type="submit" disabled=${busy || !secret}>验证并开启</button>
        ${required ? null : html`<button class="secondary" type="button" id="totp-skip" onClick=${onSkip}>以后再说</button>`}
      </form>
    </section>
  </main>`;
}
