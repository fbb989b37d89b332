// The work console (工作台): platform center, departments, leaders and admins work here
// through the public API (see ../openapi.json). Every text from the API is rendered as
// text (Preact escapes it); the page runs no inline script. This module is the shell: it
// reads the sign-in settings, signs staff in, and routes #/… to the views (views/), which
// share the helpers in lib/.
import { html, render, useState, useEffect } from "./vendor/htm-preact.js";
import { useHash } from "./lib/hooks.js";
import { ROLE } from "./lib/labels.js";
import { session, configure, whenSignedOut, whenMfaRequired, roleOf, departmentOf, signOut, issuerCallback, completeIssuerSignIn, featureOn } from "./lib/session.js";
import { reference, departmentName } from "./lib/reference.js";
import { SignIn } from "./views/sign-in.js";
import { Queue } from "./views/queue.js";
import { Detail } from "./views/appeal.js";
import { Articles, ArticleView, ArticleNew } from "./views/knowledge.js";
import { AppealList } from "./views/appeal-list.js";
import { Alerts } from "./views/alerts.js";
import { Figures } from "./views/figures.js";
import { Admin } from "./views/admin.js";
import { Users } from "./views/users.js";
import { TotpSetup } from "./views/mfa.js";

const NAV = {
  operator: [["#/queue", "工单队列"], ["#/callbacks", "回访"], ["#/supervision", "督办与超期"], ["#/knowledge", "知识库"], ["#/figures", "数据"]],
  department: [["#/queue", "本单位工单"], ["#/knowledge", "知识库"], ["#/figures", "本周数据"]],
  leader: [["#/supervision", "督办清单"], ["#/following", "我的关注"], ["#/figures", "数据与排名"]],
  admin: [["#/admin", "系统管理"], ["#/users", "工作人员账号"], ["#/supervision", "督办清单"], ["#/knowledge", "知识库"], ["#/figures", "数据"]],
};

// The views of an optional part, by their route (shown only when the part is on).
const PART_OF = { "#/knowledge": "knowledge", "#/users": "accounts" };

function App({ failed }) {
  const [signedIn, setSignedIn] = useState(Boolean(session));
  const [queue, setQueue] = useState([]);
  // The API said this account needs an authenticator app first (mfa-required).
  const [needsMfa, setNeedsMfa] = useState(false);
  const hash = useHash();
  useEffect(() => {
    whenSignedOut(() => { reference.loaded = null; setNeedsMfa(false); setSignedIn(false); });
    whenMfaRequired(() => setNeedsMfa(true));
  }, []);
  useEffect(() => {
    document.body.dataset.view = signedIn ? hash.split("/")[1] || "home" : "signin";
  });
  if (!signedIn) return html`<${SignIn} failed=${failed} onDone=${() => { setSignedIn(true); location.hash = "#/"; }} />`;
  if (needsMfa) {
    return html`<${TotpSetup} required=${true} onDone=${() => location.reload()} />`;
  }
  const me = { role: roleOf(session.idToken), department: departmentOf(session.idToken), username: session.username };
  const nav = (NAV[me.role] || []).filter(([href]) => !PART_OF[href] || featureOn(PART_OF[href]));
  const knowledge = featureOn("knowledge");
  let route = hash.replace(/^#/, "");
  if (route === "/" || route === "") route = nav[0] ? nav[0][0].slice(1) : "/";
  let view;
  if (route.startsWith("/appeal/")) view = html`<${Detail} id=${decodeURIComponent(route.slice(8))} me=${me} queue=${queue} />`;
  else if (route === "/queue") view = html`<${Queue} role=${me.role} queue=${queue} setQueue=${setQueue} />`;
  else if (route === "/supervision") {
    // Leaders and the center also see the early-warning alerts (未诉先办).
    const alerts = ["operator", "leader"].includes(me.role) ? html`<${Alerts} me=${me} />` : null;
    view = html`<${AppealList} title="督办与超期（含代表委员件）" id="supervision" path="supervision">${alerts}<//>`;
  }
  else if (route === "/callbacks" && me.role === "operator") view = html`<${AppealList} title="回访清单（已答复未评价；热线、信箱来电优先，答复最早的在前）" id="callbacks" path="callbacks" />`;
  else if (route === "/following") view = html`<${AppealList} title="我关注的诉求" id="following" path="me/following" />`;
  else if (route === "/figures") view = html`<${Figures} me=${me} />`;
  else if (route === "/admin") view = html`<${Admin} />`;
  else if (route === "/users" && me.role === "admin" && featureOn("accounts")) view = html`<${Users} />`;
  else if (!knowledge && route.startsWith("/knowledge")) view = html`<main><p>本平台未启用知识库。<a href="#/">返回</a></p></main>`;
  else if (route === "/knowledge" && me.role !== "leader") view = html`<${Articles} me=${me} />`;
  else if (route === "/knowledge/new" && me.role !== "leader") view = html`<${ArticleNew} me=${me} />`;
  else if (route.startsWith("/knowledge/")) view = html`<${ArticleView} id=${decodeURIComponent(route.slice(11))} me=${me} />`;
  else view = html`<main><p>页面不存在。<a href="#/">返回</a></p></main>`;
  return html`
    <header class="top">
      <h1>民生诉求 · 工作台</h1>
      <span class="who">${ROLE[me.role]}${me.department ? ` · ${departmentName(me.department)}` : ""} · ${me.username}</span>
      <button type="button" id="sign-out" onClick=${signOut}>退出</button>
    </header>
    <nav class="tabs" aria-label="功能">
      ${nav.map(([href, label]) => html`<a href=${href} aria-current=${"#" + route === href ? "page" : undefined}>${label}</a>`)}
    </nav>
    ${view}`;
}

async function start() {
  const response = await fetch("config.json");
  configure(await response.json());
  // Back from the district's sign-on: the code is exchanged before the shell draws.
  let failed = null;
  if (issuerCallback()) await completeIssuerSignIn().catch((error) => { failed = error; });
  document.getElementById("root").textContent = "";
  render(html`<${App} failed=${failed} />`, document.getElementById("root"));
}

start().catch((error) => {
  document.getElementById("root").textContent = `工作台无法启动：${error.message}`;
});
