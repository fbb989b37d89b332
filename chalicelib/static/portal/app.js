// The citizens' web portal (网上留言, PC and H5, the ``web`` channel) through the public API
// (see ../openapi.json), as the mobile app uses it. Every text from the API is rendered as
// text (Preact escapes it); the page runs no inline script. This module is the shell: it
// reads the sign-up settings, keeps the header (navigation, unread messages, the
// elder-friendly mode) and routes #/… to the views (views/), which share lib/.
import { html, render, useState, useEffect } from "./vendor/htm-preact.js";
import { session, configure, onSession, signOut, claims, settings } from "./lib/session.js";
import { useHash } from "./lib/hooks.js";
import { elderOn, applyElder } from "./lib/elder.js";
import { SignIn, SignUp, Forgot } from "./views/account.js";
import { AppealForm } from "./views/appeal-form.js";
import { Mine, MyAppeal } from "./views/mine.js";
import { Notifications, unreadCount } from "./views/notifications.js";
import { Board, PublicAppeal } from "./views/board.js";

const NAV = [["#/", "公开留言"], ["#/new", "我要留言"], ["#/mine", "我的诉求"]];

function route(hash) {
  const [path, search] = hash.replace(/^#/, "").split("?");
  return { path: path || "/", query: new URLSearchParams(search || "") };
}

function App() {
  const hash = useHash();
  const [signedIn, setSignedIn] = useState(Boolean(session));
  const [elder, setElder] = useState(elderOn());
  const [unread, setUnread] = useState(0);
  useEffect(() => onSession((s) => setSignedIn(Boolean(s))), []);
  const refreshUnread = () => (session ? unreadCount().then(setUnread).catch(() => {}) : setUnread(0));
  useEffect(() => { refreshUnread(); }, [signedIn, hash]);
  useEffect(() => applyElder(elder), [elder]);
  useEffect(() => { window.scrollTo(0, 0); }, [hash]);

  const { path, query } = route(hash);
  const next = query.get("next") || "";
  // A stack without its own user pool (its people sign in at the district's sign-on):
  // citizens do not sign in here; the public board stays.
  const accounts = settings().accounts !== false;
  let view;
  let current = path;
  if (!accounts && path !== "/" && !path.startsWith("/appeal/")) {
    view = html`<main><h1>网上留言暂不提供登录</h1><p id="no-accounts">请拨打 12345 热线，或通过本区政务服务 App 反映诉求。公开留言仍可在本网站查看。</p><p><a href="#/">查看公开留言</a></p></main>`;
  } else if (path === "/") view = html`<${Board} query=${query} />`;
  else if (path.startsWith("/appeal/")) { view = html`<${PublicAppeal} id=${decodeURIComponent(path.slice(8))} />`; current = "/"; }
  else if (path === "/new") view = html`<${AppealForm} />`;
  else if (path === "/sign-in") view = html`<${SignIn} next=${next} />`;
  else if (path === "/sign-up") view = html`<${SignUp} next=${next} />`;
  else if (path === "/forgot") view = html`<${Forgot} />`;
  else if (!signedIn && (path.startsWith("/mine") || path === "/notifications")) view = html`<${SignIn} next=${"#" + path} notice="请先登录" />`;
  else if (path === "/mine") view = html`<${Mine} />`;
  else if (path.startsWith("/mine/")) { view = html`<${MyAppeal} id=${decodeURIComponent(path.slice(6))} fresh=${query.get("new") === "1"} />`; current = "/mine"; }
  else if (path === "/notifications") view = html`<${Notifications} onRead=${refreshUnread} />`;
  else view = html`<main><h1>页面不存在</h1><p><a href="#/">返回首页</a></p></main>`;

  const phone = signedIn ? String(claims(session.idToken).phone_number || "").replace(/^\+86(\d{3})\d{4}(\d{4})$/, "$1****$2") : "";
  // The hash is the route: the skip link moves the focus instead of the location.
  const skip = (event) => {
    event.preventDefault();
    const main = document.querySelector("main");
    if (main) { main.setAttribute("tabindex", "-1"); main.focus(); }
  };
  const leave = async () => { await signOut(); location.hash = "#/"; };
  return html`
    <a class="skip" href="#main" onClick=${skip}>跳到正文</a>
    <header class="top">
      <div class="brand"><a href="#/">民生诉求 · 网上留言</a></div>
      <div class="tools">
        <button type="button" id="elder" aria-pressed=${elder ? "true" : "false"} onClick=${() => setElder(!elder)}>${elder ? "标准模式" : "长辈模式"}</button>
        ${!accounts ? null : signedIn
          ? html`<a href="#/notifications" id="messages" aria-current=${path === "/notifications" ? "page" : undefined}>消息${unread ? html`<span class="count" aria-label=${`${unread} 条未读`}>${unread}</span>` : null}</a>
              <span class="who" title="当前账号">${phone || session.username}</span>
              <button type="button" id="sign-out" onClick=${leave}>退出</button>`
          : html`<a href="#/sign-in" id="sign-in-link">登录</a> <a href="#/sign-up">注册</a>`}
      </div>
    </header>
    <nav class="tabs" aria-label="主要栏目">
      ${(accounts ? NAV : NAV.slice(0, 1)).map(([href, label]) => html`<a href=${href} aria-current=${"#" + current === href ? "page" : undefined}>${label}</a>`)}
    </nav>
    ${view}
    <footer class="foot">
      <p><a href="../">数据公开：办理排名与统计</a> · 热线电话 12345 · <a href="../openapi.json">开放接口</a></p>
      <p class="small">公开的留言会隐去姓名、电话等个人信息。紧急情况请拨打 110、119、120。</p>
    </footer>`;
}

async function start() {
  applyElder(elderOn());
  const response = await fetch("config.json");
  configure(await response.json());
  document.getElementById("root").textContent = "";
  render(html`<${App} />`, document.getElementById("root"));
}

start().catch((error) => {
  document.getElementById("root").textContent = `网上留言无法打开：${error.message}。请稍后重试，或拨打 12345 热线。`;
});
