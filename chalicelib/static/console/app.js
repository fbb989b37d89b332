// The work console (工作台): platform center, departments, leaders and admins work here
// through the public API (see ../openapi.json). Every text from the API is rendered as
// text (Preact escapes it); the page runs no inline script.
import { html, render, useState, useEffect, useRef } from "./vendor/htm-preact.js";

const API = new URL("../", location.href).href;
const SESSION = "minsheng.console.session";

const STATE = {
  submitted: "待受理", accepted: "已受理", dispatched: "已派单", signed: "已签收",
  contacted: "已联系", replied: "已答复", closed: "已办结", rejected: "已驳回",
  merged: "已合并", returned: "已退回",
};
const KIND = { consultation: "咨询", complaint: "投诉", suggestion: "建议", help: "求助" };
const CHANNEL = {
  app: "APP", wechat: "微信公众号", web: "网站", hotline: "12345热线", mailbox: "区长信箱",
  deputy: "代表委员", open311: "Open311",
};
const EVENT = {
  submitted: "提交", accepted: "受理", rejected: "驳回", dispatched: "派单", signed: "签收",
  contacted: "联系群众", replied: "答复", returned: "退回", extension_requested: "申请延期",
  extension_decided: "延期审批", escalated: "提级督办", commented: "点评批示", rated: "评价",
  rework_requested: "要求重办", merged: "合并", closed: "办结", sla_warning: "临期提醒",
  sla_overdue: "超期", media_published: "照片公开设置", citizen_note: "群众补充",
};
const ROLE = {
  citizen: "群众", operator: "平台中心", department: "承办单位", leader: "区领导",
  admin: "管理员", system: "系统",
};
const STAFF = ["operator", "department", "leader", "admin"];
const OPEN = ["submitted", "accepted", "dispatched", "signed", "contacted", "returned"];
const CONTACT = { phone: "电话", visit: "上门", sms: "短信", other: "其他" };
const STAGE_DUE = { dispatched: "sign_due", signed: "contact_due", contacted: "reply_due" };
const STAGE = { sign_due: "签收", contact_due: "联系", reply_due: "答复" };

// ---- session and API ---------------------------------------------------------------------

let config = null;
let session = readSession();
let onSignedOut = () => {};

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

function saveSession(value) {
  session = value;
  if (value) sessionStorage.setItem(SESSION, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION);
}

function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part + "===".slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function roleOf(token) {
  const groups = claims(token)["cognito:groups"] || [];
  return STAFF.find((r) => groups.includes(r)) || "citizen";
}

async function cognito(target, body) {
  const response = await fetch(config.cognito_endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data.message || data.Message || "登录失败";
    throw new Problem({ title: "登录失败", detail: message, status: response.status });
  }
  return data.AuthenticationResult;
}

async function signIn(username, password) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  const role = roleOf(result.IdToken);
  if (role === "citizen") {
    throw new Problem({ title: "无法登录", detail: "工作台仅供工作人员使用。", status: 403 });
  }
  saveSession({
    username,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  });
}

async function freshToken() {
  if (!session) throw new Problem({ title: "未登录", status: 401 });
  if (Date.now() < session.expiresAt - 60_000) return session.idToken;
  const result = await cognito("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  saveSession({ ...session, idToken: result.IdToken, expiresAt: Date.now() + result.ExpiresIn * 1000 });
  return session.idToken;
}

class Problem extends Error {
  constructor(body) {
    super(body.detail || body.title || "请求失败");
    this.body = body;
  }
}

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function api(method, path, body) {
  let token;
  try {
    token = await freshToken();
  } catch (error) {
    signOut();
    throw error;
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = idempotencyKey();
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401) {
    signOut();
    throw new Problem(data || { title: "登录已失效", status: 401 });
  }
  if (!response.ok) throw new Problem(data || { title: "请求失败", status: response.status });
  return data;
}

async function all(path, pages = 5) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < pages; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", path + sep + "limit=100" + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

function signOut() {
  saveSession(null);
  onSignedOut();
}

// ---- small helpers -------------------------------------------------------------------------

const when = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");
const pct = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

function nextDue(item) {
  const key = STAGE_DUE[item.state];
  return key && item.deadlines ? [key, item.deadlines[key]] : [null, null];
}

function isLate(item, now) {
  const [, due] = nextDue(item);
  return (item.overdue && item.overdue.length > 0) || (due && Date.parse(due) < now);
}

function span(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return `${days}天${hours}小时`;
  if (hours) return `${hours}小时${String(rest).padStart(2, "0")}分`;
  const seconds = Math.floor(Math.abs(ms) / 1000) % 60;
  return `${rest}分${String(seconds).padStart(2, "0")}秒`;
}

function useNow(interval = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return now;
}

function Countdown({ due, label }) {
  const now = useNow();
  if (!due) return null;
  const left = Date.parse(due) - now;
  const late = left < 0;
  return html`<span class=${"countdown" + (late ? " late" : "")}>
    ${label ? label : ""}${late ? `超期 ${span(left)}` : `剩余 ${span(left)}`}</span>`;
}

const PROBLEM = {
  validation: "填写有误", conflict: "当前状态不允许此操作", "not-found": "未找到",
  forbidden: "无权进行此操作", unauthenticated: "登录已失效", unavailable: "服务暂不可用，请稍后重试",
  "idempotency-mismatch": "重复提交的内容不一致",
};
const FIELD = {
  content: "内容", handler_name: "经办人", handler_phone: "经办人电话", public_reply: "公开答复",
  reason: "理由", department_id: "承办单位", co_department_ids: "协办单位", note: "说明",
  into: "并入的诉求编号", level: "督办级别", days: "延期工作日", method: "联系方式",
  text: "批示内容", category: "类别", kind: "类型", approve: "决定", name: "名称",
  holidays: "法定节假日", workdays: "调休上班日", daily: "日报接收人",
  default_department: "默认单位", auto_dispatch: "自动派单",
  article_id: "知识库文章", q: "搜索词", title: "标题", questions: "常见问法", answer: "答案",
  owner_department_id: "所属单位", valid_from: "生效日期", valid_to: "失效日期",
  review_at: "复核日期", public: "向群众公开", version: "版本",
};

function fieldName(field) {
  const base = String(field).replace(/\[\d+\]$/, "");
  return FIELD[base] ? `${FIELD[base]}（${field}）` : field;
}

function ProblemBox({ error }) {
  if (!error) return null;
  const body = error.body || {};
  const slug = String(body.type || "").split(":").pop();
  return html`<div class="problem" role="alert">
    <strong>${PROBLEM[slug] || body.title || "出错了"}</strong>${body.detail ? `：${body.detail}` : ""}
    ${body.errors && body.errors.length
      ? html`<ul>${body.errors.map((e) => html`<li>${fieldName(e.field)}：${e.message}</li>`)}</ul>`
      : null}
    ${body.state ? html`<div>当前状态：${STATE[body.state] || body.state}</div>` : null}
  </div>`;
}

function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load()
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((error) => live && setState({ data: null, error, loading: false }));
    return () => { live = false; };
  }, [...deps, tick]);
  return [state, () => setTick((t) => t + 1)];
}

function formData(event) {
  event.preventDefault();
  return Object.fromEntries(new FormData(event.currentTarget).entries());
}

function typing(event) {
  const tag = (event.target.tagName || "").toLowerCase();
  return ["input", "textarea", "select"].includes(tag) || event.target.isContentEditable;
}

// ---- reference data --------------------------------------------------------------------------

const reference = { departments: [], categories: [], loaded: null };

function loadReference() {
  if (!reference.loaded) {
    reference.loaded = Promise.all([all("departments"), all("categories")]).then(([d, c]) => {
      reference.departments = d;
      reference.categories = c;
    }).catch((error) => {
      reference.loaded = null;
      throw error;
    });
  }
  return reference.loaded;
}

const departmentName = (id) => (reference.departments.find((d) => d.id === id) || {}).name || id || "—";
const categoryName = (code) => (reference.categories.find((c) => c.code === code) || {}).name || code || "未分类";

// ---- sign-in ------------------------------------------------------------------------------

function SignIn({ onDone }) {
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

// ---- queues ---------------------------------------------------------------------------------

const OPERATOR_FILTERS = [
  { id: "new", label: "新诉求", query: "state=submitted" },
  { id: "accepted", label: "已受理待派", query: "state=accepted" },
  { id: "returned", label: "已退回", query: "state=returned" },
  { id: "overdue", label: "超期", query: "overdue=true" },
  { id: "escalated", label: "督办", query: "escalated=true" },
  { id: "deputy", label: "代表委员", query: "channel=deputy" },
];

async function departmentQueue() {
  const lists = await Promise.all(
    ["dispatched", "signed", "contacted"].map((s) => all(`work-orders?state=${s}`, 3)),
  );
  const items = lists.flat();
  const due = (item) => Date.parse(nextDue(item)[1] || "9999-12-31T00:00:00Z");
  return items.sort((a, b) => due(a) - due(b));
}

function QueueItem({ item, current, now }) {
  const [key, due] = nextDue(item);
  const late = isLate(item, now);
  return html`<li class=${(current ? "current " : "") + (late ? "overdue" : "")} data-appeal=${item.id}>
    <a href=${`#/appeal/${encodeURIComponent(item.id)}`}>${item.title}</a>
    <div class="meta">
      <span class="badge">${STATE[item.state] || item.state}</span>
      <span class="badge">${KIND[item.kind] || item.kind}</span>
      ${item.channel ? html`<span class="badge">${CHANNEL[item.channel] || item.channel}</span>` : null}
      ${item.escalation ? html`<span class="badge warn">督办 ${item.escalation.level} 级</span>` : null}
      ${late ? html`<span class="badge late">超期</span>` : null}
      ${item.id} · ${when(item.created_at)}
      ${item.department_id ? ` · ${departmentName(item.department_id)}` : ""}
      ${due ? html` · <${Countdown} due=${due} label=${STAGE[key] + " "} />` : null}
    </div>
  </li>`;
}

function Queue({ role, queue, setQueue }) {
  const [filter, setFilter] = useState(role === "operator" ? "new" : "mine");
  const [channel, setChannel] = useState("");
  const [cursor, setCursor] = useState(0);
  const now = useNow(30000);
  const [state, reload] = useLoad(async () => {
    await loadReference();
    if (role === "department") return departmentQueue();
    const chosen = channel ? `channel=${channel}` : OPERATOR_FILTERS.find((f) => f.id === filter).query;
    return all(`work-orders?${chosen}`, 2);
  }, [filter, channel]);
  const items = state.data || [];
  useEffect(() => { setQueue(items.map((i) => i.id)); setCursor(0); }, [state.data]);
  useEffect(() => {
    const keys = (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "j" || event.key === "n") setCursor((c) => Math.min(c + 1, items.length - 1));
      else if (event.key === "k") setCursor((c) => Math.max(c - 1, 0));
      else if ((event.key === "Enter" || event.key === "o") && items[cursor]) {
        location.hash = `#/appeal/${encodeURIComponent(items[cursor].id)}`;
      } else return;
      event.preventDefault();
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [items, cursor]);
  const title = role === "department" ? "本单位工单（按最近期限排序）" : "工单队列";
  return html`<main>
    <section class="card" aria-labelledby="queue-title">
      <h2 id="queue-title">${title}</h2>
      ${role === "operator"
        ? html`<div class="filters" role="group" aria-label="队列筛选">
            ${OPERATOR_FILTERS.map((f) => html`<button type="button" aria-pressed=${!channel && filter === f.id ? "true" : "false"}
              onClick=${() => { setChannel(""); setFilter(f.id); }}>${f.label}</button>`)}
            <label class="check" for="channel">按渠道
              <select id="channel" value=${channel} onChange=${(e) => setChannel(e.currentTarget.value)}>
                <option value="">全部</option>
                ${Object.entries(CHANNEL).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
              </select>
            </label>
          </div>`
        : null}
      <${ProblemBox} error=${state.error} />
      ${state.loading ? html`<p class="meta" aria-live="polite">加载中……</p>` : null}
      ${!state.loading && items.length === 0 ? html`<p class="meta">暂无工单。</p>` : null}
      <ul class="queue" id="queue" data-count=${items.length} data-ready=${state.loading ? "false" : "true"}>
        ${items.map((item, i) => html`<${QueueItem} key=${item.id} item=${item} current=${i === cursor} now=${now} />`)}
      </ul>
      <p class="keys">快捷键：<kbd>j</kbd>/<kbd>n</kbd> 下一条，<kbd>k</kbd> 上一条，<kbd>Enter</kbd> 打开；
        详情页 <kbd>n</kbd> 下一条${role === "operator" ? html`，<kbd>a</kbd> 受理，<kbd>d</kbd> 派单` : null}，
        在输入框中按 <kbd>Esc</kbd> 回到快捷键。
        <button class="secondary" type="button" onClick=${reload}>刷新</button></p>
    </section>
  </main>`;
}

// ---- one appeal ----------------------------------------------------------------------------

function Facts({ appeal }) {
  const d = appeal.deadlines || {};
  return html`<dl class="facts">
    <dt>编号</dt><dd>${appeal.id}</dd>
    <dt>状态</dt><dd>${STATE[appeal.state] || appeal.state}</dd>
    <dt>类型</dt><dd>${KIND[appeal.kind] || appeal.kind}</dd>
    <dt>类别</dt><dd>${categoryName(appeal.category)}</dd>
    <dt>渠道</dt><dd>${CHANNEL[appeal.channel] || appeal.channel}</dd>
    <dt>提交</dt><dd>${when(appeal.created_at)}</dd>
    ${appeal.department_id ? html`<dt>承办</dt><dd>${departmentName(appeal.department_id)}
      ${(appeal.co_department_ids || []).length ? `（协办：${appeal.co_department_ids.map(departmentName).join("、")}）` : ""}</dd>` : null}
    ${Object.entries(STAGE).filter(([k]) => d[k]).map(([k, v]) => html`<dt>${v}期限</dt>
      <dd>${when(d[k])} ${STAGE_DUE[appeal.state] === k ? html`<${Countdown} due=${d[k]} />` : null}</dd>`)}
    ${appeal.escalation ? html`<dt>督办</dt><dd>${appeal.escalation.level} 级</dd>` : null}
    ${appeal.contact ? html`<dt>联系人</dt><dd>${appeal.contact.name || "—"} ${appeal.contact.phone || ""}</dd>` : null}
    ${appeal.location ? html`<dt>地点</dt><dd>${appeal.location.address || `${appeal.location.lat}, ${appeal.location.lng}`}</dd>` : null}
    ${appeal.merged_into ? html`<dt>并入</dt><dd><a href=${`#/appeal/${appeal.merged_into}`}>${appeal.merged_into}</a></dd>` : null}
  </dl>`;
}

const centerReply = (event) => event.type === "replied" && event.data && event.data.by === "center";

function Timeline({ events }) {
  return html`<ol class="timeline" id="timeline">
    ${events.map((e) => html`<li data-event=${e.type} data-by=${(e.data && e.data.by) || undefined}>
      <span class="meta">${when(e.at)}</span> ${centerReply(e) ? "中心直办" : EVENT[e.type] || e.type}
      ${e.actor ? html` <span class="meta">（${ROLE[e.actor.role] || e.actor.role}）</span>` : null}
      ${centerReply(e) ? html`<div class="meta">答复来自知识库文章 ${e.data.article_id}${e.data.article_version ? ` 第 ${e.data.article_version} 版` : ""}${e.data.edited ? "（经修改）" : ""}</div>` : null}
      ${e.note ? html`<div class="text">${e.note}</div>` : null}
      ${e.type === "commented" && e.data && e.data.text ? html`<div class="text">${e.data.text}</div>` : null}
    </li>`)}
  </ol>`;
}

function ActionForm({ id, legend, appealId, path, toBody, children, onDone, submitLabel }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    const data = formData(event);
    const form = event.currentTarget;
    setBusy(true);
    setError(null);
    try {
      const result = await api("POST", `appeals/${encodeURIComponent(appealId)}/${path}`, toBody(data, form));
      onDone(`${legend}：已完成`, result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="action" id=${id} onSubmit=${submit} novalidate>
    <fieldset>
      <legend>${legend}</legend>
      ${children}
      <${ProblemBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>${submitLabel || legend}</button>
    </fieldset>
  </form>`;
}

const clean = (data) => Object.fromEntries(Object.entries(data).filter(([, v]) => v !== ""));

function DepartmentPicker({ appeal, prefix }) {
  const category = reference.categories.find((c) => c.code === appeal.category);
  const first = category && category.default_department;
  const active = reference.departments.filter((d) => d.active !== false);
  const ordered = [...active.filter((d) => d.id === first), ...active.filter((d) => d.id !== first)];
  return html`
    <label for=${prefix + "-department"}>承办单位${first ? "（首项为类别默认单位）" : ""}</label>
    <select id=${prefix + "-department"} name="department_id" required>
      ${ordered.map((d) => html`<option value=${d.id}>${d.name}${d.id === first ? "（默认）" : ""}</option>`)}
    </select>
    <details>
      <summary>协办单位</summary>
      <div class="checks" role="group" aria-label="协办单位">
        ${active.map((d) => html`<label class="check"><input type="checkbox" name="co" value=${d.id} />${d.name}</label>`)}
      </div>
    </details>
    <label for=${prefix + "-note"}>派单说明（可选）</label>
    <textarea id=${prefix + "-note"} name="note"></textarea>`;
}

function dispatchBody(data, form) {
  const co = Array.from(form.querySelectorAll("input[name=co]:checked"), (i) => i.value)
    .filter((v) => v !== data.department_id);
  const body = { department_id: data.department_id };
  if (co.length) body.co_department_ids = co;
  if (data.note) body.note = data.note;
  return body;
}

function chooseMerge(id) {
  const field = document.getElementById("merge-into");
  if (!field) return;
  field.value = id;
  field.focus();
}

function Similar({ appeal }) {
  const [state] = useLoad(() => api("GET", `appeals/${encodeURIComponent(appeal.id)}/similar`), [appeal.id]);
  if (state.loading) return html`<p class="meta">正在查找相似诉求……</p>`;
  if (state.error) return html`<${ProblemBox} error=${state.error} />`;
  const items = state.data.items || [];
  return html`<div id="similar">
    <h3>可能重复（30 天内同类别附近或话题相近）</h3>
    ${items.length === 0 ? html`<p class="meta">没有找到相似诉求。</p>` : html`<ul class="similar">
      ${items.map((s) => html`<li><a href=${`#/appeal/${encodeURIComponent(s.id)}`}>${s.title}</a>
        <span class="meta"> ${s.id} · ${STATE[s.state] || s.state} · ${(s.reasons || []).join("、")}</span>
        <button class="secondary" type="button" onClick=${() => chooseMerge(s.id)}>作为合并目标</button></li>`)}
    </ul>`}
  </div>`;
}

function OperatorActions({ appeal, done }) {
  const s = appeal.state;
  const pending = appeal.extension && appeal.extension.status === "pending";
  const forms = [];
  if (s === "submitted") {
    forms.push(html`<${ActionForm} id="accept" legend="受理" appealId=${appeal.id} path="accept" onDone=${done}
      toBody=${(d) => clean({ category: d.category, kind: d.kind })}>
      <label for="accept-category">类别</label>
      <select id="accept-category" name="category" value=${appeal.category || ""}>
        <option value="">（不变）</option>
        ${reference.categories.filter((c) => c.active !== false).map((c) => html`<option value=${c.code}>${c.group ? c.group + " · " : ""}${c.name}</option>`)}
      </select>
      <label for="accept-kind">类型</label>
      <select id="accept-kind" name="kind" value=${appeal.kind}>
        ${Object.entries(KIND).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
      </select>
    <//>`);
  }
  if (["submitted", "accepted", "returned"].includes(s)) {
    forms.push(html`<${ActionForm} id="dispatch" legend="派单" appealId=${appeal.id} path="dispatch" onDone=${done} toBody=${dispatchBody}>
      <${DepartmentPicker} appeal=${appeal} prefix="dispatch" />
    <//>`);
    forms.push(html`<${ActionForm} id="reject" legend="不予受理" appealId=${appeal.id} path="reject" onDone=${done}
      toBody=${(d) => ({ reason: d.reason })}>
      <label for="reject-reason">理由</label><textarea id="reject-reason" name="reason" required></textarea>
    <//>`);
    forms.push(html`<${ActionForm} id="merge" legend="合并重复件" appealId=${appeal.id} path="merge" onDone=${done}
      toBody=${(d) => ({ into: d.into.trim() })}>
      <label for="merge-into">并入的诉求编号</label><input id="merge-into" name="into" type="text" required />
    <//>`);
  }
  if (pending) {
    forms.push(html`<${ActionForm} id="extension-decision" legend="延期审批" appealId=${appeal.id} path="extension/decision" onDone=${done}
      toBody=${(d) => clean({ approve: d.approve === "yes", note: d.note })}>
      <p>申请延期 ${appeal.extension.days} 个工作日：<span class="text">${appeal.extension.reason || ""}</span></p>
      <label for="decision-approve">决定</label>
      <select id="decision-approve" name="approve"><option value="yes">同意</option><option value="no">不同意</option></select>
      <label for="decision-note">意见</label><textarea id="decision-note" name="note"></textarea>
    <//>`);
  }
  return forms;
}

function EscalateForm({ appeal, done }) {
  if (!OPEN.includes(appeal.state)) return null;
  return html`<${ActionForm} id="escalate" legend="提级督办" appealId=${appeal.id} path="escalate" onDone=${done}
    toBody=${(d) => ({ level: Number(d.level), reason: d.reason })}>
    <label for="escalate-level">督办级别</label>
    <select id="escalate-level" name="level"><option value="1">1 级</option><option value="2">2 级</option><option value="3">3 级</option></select>
    <label for="escalate-reason">理由</label><textarea id="escalate-reason" name="reason"></textarea>
  <//>`;
}

function DepartmentActions({ appeal, me, done }) {
  if (appeal.department_id !== me.department) return html`<p class="meta">本单位为协办单位，由承办单位办理。</p>`;
  const s = appeal.state;
  const forms = [];
  if (s === "dispatched") {
    forms.push(html`<${ActionForm} id="sign" legend="签收" appealId=${appeal.id} path="sign" onDone=${done} toBody=${() => ({})}>
      <p class="meta">签收后请在 30 分钟内联系群众。</p>
    <//>`);
  }
  if (s === "signed") {
    forms.push(html`<${ActionForm} id="contact" legend="联系群众" appealId=${appeal.id} path="contact" onDone=${done}
      toBody=${(d) => clean({ method: d.method, note: d.note })}>
      <label for="contact-method">方式</label>
      <select id="contact-method" name="method">${Object.entries(CONTACT).map(([k, v]) => html`<option value=${k}>${v}</option>`)}</select>
      <label for="contact-note">记录</label><textarea id="contact-note" name="note"></textarea>
    <//>`);
  }
  if (s === "contacted") {
    forms.push(html`<${ActionForm} id="reply" legend="答复" appealId=${appeal.id} path="reply" onDone=${done}
      toBody=${(d) => clean({ content: d.content, handler_name: d.handler_name, handler_phone: d.handler_phone, public_reply: d.public_reply })}>
      <label for="reply-content">答复内容</label><textarea id="reply-content" name="content" required></textarea>
      <label for="reply-public">公开答复（可选，公开页面显示）</label><textarea id="reply-public" name="public_reply"></textarea>
      <label for="reply-name">经办人</label><input id="reply-name" name="handler_name" type="text" required />
      <label for="reply-phone">经办人电话</label><input id="reply-phone" name="handler_phone" type="tel" required />
    <//>`);
  }
  if (["dispatched", "signed"].includes(s)) {
    forms.push(html`<${ActionForm} id="return" legend="退回平台中心" appealId=${appeal.id} path="return" onDone=${done}
      toBody=${(d) => ({ reason: d.reason })}>
      <label for="return-reason">退回理由</label><textarea id="return-reason" name="reason" required></textarea>
    <//>`);
  }
  if (["signed", "contacted"].includes(s)) {
    forms.push(html`<${ActionForm} id="extension" legend="申请延期" appealId=${appeal.id} path="extension" onDone=${done}
      toBody=${(d) => ({ days: Number(d.days), reason: d.reason })}>
      <label for="extension-days">延期工作日（1–10）</label><input id="extension-days" name="days" type="number" min="1" max="10" value="1" />
      <label for="extension-reason">理由</label><textarea id="extension-reason" name="reason" required></textarea>
    <//>`);
  }
  return forms;
}

function LeaderActions({ appeal, done }) {
  const [following, setFollowing] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    all("me/following", 3).then((items) => setFollowing(items.some((i) => (i.id || i.appeal_id) === appeal.id)))
      .catch(setError);
  }, [appeal.id]);
  const toggle = async () => {
    setError(null);
    try {
      await api(following ? "DELETE" : "PUT", `appeals/${encodeURIComponent(appeal.id)}/follow`);
      setFollowing(!following);
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <div>
      <button class="secondary" type="button" id="follow" aria-pressed=${following ? "true" : "false"}
        disabled=${following === null} onClick=${toggle}>${following ? "取消关注" : "跟踪关注"}</button>
      <${ProblemBox} error=${error} />
    </div>
    <${ActionForm} id="comment" legend="点评批示" appealId=${appeal.id} path="comments" onDone=${done}
      toBody=${(d) => ({ text: d.text })}>
      <label for="comment-text">批示内容</label><textarea id="comment-text" name="text" required></textarea>
    <//>
    <${EscalateForm} appeal=${appeal} done=${done} />`;
}

function Detail({ id, me, queue }) {
  const [message, setMessage] = useState(null);
  const [state, reload] = useLoad(async () => {
    await loadReference();
    return api("GET", `appeals/${encodeURIComponent(id)}`);
  }, [id]);
  const done = (text) => { setMessage(text); reload(); };
  useEffect(() => setMessage(null), [id]);
  useEffect(() => {
    if (me.role !== "operator" && me.role !== "department") return undefined;
    const keys = (event) => {
      if (event.key === "Escape" && typing(event)) {
        event.target.blur();  // back to the shortcuts
        return;
      }
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "n") {
        const at = queue.indexOf(id);
        const next = queue[at + 1];
        if (next) location.hash = `#/appeal/${encodeURIComponent(next)}`;
      } else if (event.key === "a" && document.getElementById("accept")) {
        document.querySelector("#accept button[type=submit]").click();
      } else if (event.key === "d" && document.getElementById("dispatch-department")) {
        document.getElementById("dispatch-department").focus();
      } else return;
      event.preventDefault();
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [id, queue, me.role]);
  const appeal = state.data;
  return html`<main>
    <p><a href="#/">← 返回</a></p>
    <${ProblemBox} error=${state.error} />
    ${!appeal ? html`<p class="meta">加载中……</p>` : html`<div class="layout" data-appeal=${appeal.id} data-state=${appeal.state}>
      <section class="card" aria-labelledby="appeal-title">
        <h2 id="appeal-title">${appeal.title}</h2>
        <${Facts} appeal=${appeal} />
        <h3>诉求内容</h3>
        <div class="text" id="content">${appeal.content}</div>
        ${(appeal.photos || []).length ? html`<h3>照片</h3><div class="photos">
          ${appeal.photos.map((p) => html`<a href=${p.url} target="_blank" rel="noopener noreferrer"><img src=${p.url} alt=${`照片 ${p.index + 1}`} /></a>`)}
        </div>` : null}
        ${appeal.reply ? html`<h3>答复</h3>
          ${appeal.reply.by === "center" ? html`<p class="meta" id="reply-by">平台中心直办（知识库文章
            <a href=${`#/knowledge/${encodeURIComponent(appeal.reply.article_id)}`}>${appeal.reply.article_id}</a>），未派单</p>` : null}
          <div class="text" id="reply-text">${appeal.reply.content}</div>
          ${appeal.reply.public_reply ? html`<p class="meta">公开答复：<span class="text">${appeal.reply.public_reply}</span></p>` : null}` : null}
        <h3>办理过程</h3>
        <${Timeline} events=${appeal.timeline || []} />
      </section>
      <section class="card" aria-labelledby="actions-title">
        <h2 id="actions-title">办理</h2>
        ${message ? html`<div class="done" role="status">${message}</div>` : null}
        <div key=${`${appeal.id}-${appeal.version}`}>
        ${me.role === "operator" && appeal.kind === "consultation" && ["submitted", "accepted"].includes(appeal.state)
          ? html`<${DirectReply} appeal=${appeal} done=${done} />` : null}
        ${me.role === "operator" ? html`<${OperatorActions} appeal=${appeal} done=${done} /><${EscalateForm} appeal=${appeal} done=${done} />` : null}
        ${me.role === "department" ? html`<${DepartmentActions} appeal=${appeal} me=${me} done=${done} />` : null}
        ${me.role === "leader" ? html`<${LeaderActions} appeal=${appeal} done=${done} />` : null}
        ${me.role === "operator" && ["submitted", "accepted", "returned"].includes(appeal.state) ? html`<${Similar} appeal=${appeal} />` : null}
        </div>
      </section>
    </div>`}
  </main>`;
}

// ---- knowledge base: the center's direct reply (直办) -------------------------------------

const ownerName = (id) => (id === "center" ? "平台中心" : departmentName(id));

// Search highlights are [start, end) offsets in characters of a plain text; the marks are
// elements built here around slices of that text, so nothing from the API is ever markup.
function Marked({ text, matches }) {
  const chars = Array.from(text || "");
  const parts = [];
  let at = 0;
  for (const [start, end] of matches || []) {
    if (!(start >= at && end > start && end <= chars.length)) continue;
    if (start > at) parts.push(chars.slice(at, start).join(""));
    parts.push(html`<mark>${chars.slice(start, end).join("")}</mark>`);
    at = end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return parts;
}

function KnowledgeHit({ hit, picked, onPick }) {
  const marks = Object.fromEntries((hit.highlights || []).map((h) => [h.field, h]));
  const answer = marks.answer;
  const titleId = `kb-hit-${hit.id}`;
  return html`<li data-article=${hit.id} class=${picked ? "picked" : ""}>
    <div class="hit-title" id=${titleId}>${marks.title ? html`<${Marked} text=${marks.title.text} matches=${marks.title.matches} />` : hit.title}</div>
    ${marks.questions ? html`<div class="meta text">问法：<${Marked} text=${marks.questions.text} matches=${marks.questions.matches} /></div>` : null}
    <div class="text snippet">${answer
      ? html`${hit.answer.startsWith(answer.text) ? "" : "……"}<${Marked} text=${answer.text} matches=${answer.matches} />${hit.answer.endsWith(answer.text) ? "" : "……"}`
      : hit.answer.length > 120 ? hit.answer.slice(0, 120) + "……" : hit.answer}</div>
    <div class="meta">${categoryName(hit.category)} · ${ownerName(hit.owner_department_id)} · ${hit.id}${hit.version ? ` · 第 ${hit.version} 版` : ""}</div>
    <button class="secondary" type="button" aria-pressed=${picked ? "true" : "false"} aria-describedby=${titleId}
      onClick=${() => onPick(hit)}>${picked ? "已采用" : "采用此答案"}</button>
  </li>`;
}

function DirectReply({ appeal, done }) {
  const [query, setQuery] = useState(appeal.title);
  const [asked, setAsked] = useState({ q: appeal.title });
  const [picked, setPicked] = useState(null);
  const [content, setContent] = useState("");
  const [publicReply, setPublicReply] = useState("");
  const answerField = useRef(null);
  const [state] = useLoad(() => {
    const params = new URLSearchParams({ q: asked.q.trim(), limit: "5" });
    if (appeal.category) params.set("category", appeal.category);
    return api("GET", `knowledge/search?${params}`);
  }, [asked]);
  const pick = (hit) => {
    setPicked(hit);
    setContent(hit.answer);
    setPublicReply(hit.answer);
    setTimeout(() => answerField.current && answerField.current.focus(), 0);
  };
  const results = (state.data && state.data.results) || [];
  return html`<section class="kb-panel" id="kb-panel" aria-labelledby="kb-title">
    <h3 id="kb-title">知识库直办</h3>
    <p class="meta">咨询件可由平台中心依据知识库直接答复，不派单、不计入承办单位。</p>
    <form id="kb-search" role="search" onSubmit=${(e) => { e.preventDefault(); setAsked({ q: query }); }}>
      <label for="kb-q">搜索知识库</label>
      <div class="inline">
        <input id="kb-q" type="search" value=${query} maxlength="200" onInput=${(e) => setQuery(e.currentTarget.value)} />
        <button class="secondary" type="submit">搜索</button>
      </div>
    </form>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p class="meta" aria-live="polite">正在搜索……</p>` : null}
    ${!state.loading && state.data && results.length === 0 ? html`<p class="meta">没有找到在用的文章，可换个说法再搜。</p>` : null}
    <ul class="kb-results" id="kb-results" data-ready=${state.loading ? "false" : "true"}>
      ${results.map((hit) => html`<${KnowledgeHit} key=${hit.id} hit=${hit} picked=${picked && picked.id === hit.id} onPick=${pick} />`)}
    </ul>
    <${ActionForm} key=${picked ? picked.id : ""} id="direct-reply" legend="直办答复" appealId=${appeal.id} path="direct-reply" onDone=${done}
      submitLabel="以平台中心名义答复"
      toBody=${() => ({ ...clean({ article_id: picked ? picked.id : "", public_reply: publicReply.trim() }), content })}>
      <p class="meta" id="direct-article">${picked ? html`采用：<span class="text">${picked.title}</span>（${picked.id}）` : "请先在上方结果中采用一篇文章。"}</p>
      <label for="direct-content">答复内容（可修改）</label>
      <textarea id="direct-content" name="content" rows="6" ref=${answerField} value=${content}
        onInput=${(e) => setContent(e.currentTarget.value)}></textarea>
      <label for="direct-public">公开答复（可选，公开页面显示）</label>
      <textarea id="direct-public" name="public_reply" rows="3" value=${publicReply}
        onInput=${(e) => setPublicReply(e.currentTarget.value)}></textarea>
    <//>
  </section>`;
}

// ---- knowledge base: articles -------------------------------------------------------------

const mayEditArticle = (me, article) =>
  me.role === "operator" || me.role === "admin" || (me.role === "department" && article.owner_department_id === me.department);

function ArticleBadges({ article }) {
  return html`${article.in_force === false ? html`<span class="badge warn">不在有效期</span>` : html`<span class="badge">在用</span>`}
    ${article.review_overdue ? html`<span class="badge late">待复核</span>` : null}
    ${article.public === false ? html`<span class="badge">仅内部</span>` : null}`;
}

function Articles({ me }) {
  const [cursors, setCursors] = useState([null]);
  const cursor = cursors[cursors.length - 1];
  const [state] = useLoad(async () => {
    await loadReference();
    return api("GET", `knowledge/articles?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  }, [cursor]);
  const page = state.data;
  const items = (page && page.items) || [];
  return html`<main><section class="card" aria-labelledby="articles-title">
    <h2 id="articles-title">知识库文章</h2>
    <p class="meta">${me.role === "department" ? "本单位的文章可修改，其他单位的只读。" : "平台中心和管理员可修改所有文章。"}
      <a href="#/knowledge/new" id="kb-new">新建文章</a></p>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p class="meta" aria-live="polite">加载中……</p>` : null}
    <div class="scroll"><table class="grid stack" id="articles" data-ready=${state.loading ? "false" : "true"} data-page=${cursors.length}>
      <thead><tr><th scope="col">标题</th><th scope="col">类别 · 所属单位</th><th scope="col">版本 · 更新</th></tr></thead>
      <tbody>${items.map((a) => html`<tr data-article=${a.id}>
        <td><a href=${`#/knowledge/${encodeURIComponent(a.id)}`}>${a.title}</a> <${ArticleBadges} article=${a} /></td>
        <td class="meta">${categoryName(a.category)} · ${ownerName(a.owner_department_id)}</td>
        <td class="meta">第 ${a.version} 版 · ${when(a.updated_at)}</td></tr>`)}</tbody>
    </table></div>
    <div class="filters pager">
      <button type="button" id="kb-prev" disabled=${cursors.length === 1} onClick=${() => setCursors((c) => c.slice(0, -1))}>上一页</button>
      <span class="meta">第 ${cursors.length} 页</span>
      <button type="button" id="kb-next" disabled=${!page || !page.next_cursor} onClick=${() => setCursors((c) => [...c, page.next_cursor])}>下一页</button>
    </div>
  </section></main>`;
}

// Someone changed the article since it was read: the change is refused until it is read again.
const stale = (error) => Boolean(error && error.body && (error.body.status === 409
  || (error.body.errors || []).some((e) => e.field === "version")));

function articleFields(a) {
  return {
    title: a.title || "", questions: (a.questions || []).join("\n"), answer: a.answer || "",
    category: a.category || "", owner_department_id: a.owner_department_id || "center",
    valid_from: a.valid_from || "", valid_to: a.valid_to || "", review_at: a.review_at || "",
    public: a.public !== false, note: "",
  };
}

// Every field is held in state, so a problem shown after a submit (a re-render) keeps
// what was typed.
function ArticleForm({ article, me, onSaved, onReload }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [f, setF] = useState(() => articleFields(article || {}));
  const bind = (name) => ({ name, value: f[name], onInput: (e) => { const v = e.currentTarget.value; setF((x) => ({ ...x, [name]: v })); } });
  const choose = (name) => ({ name, value: f[name], onChange: (e) => { const v = e.currentTarget.value; setF((x) => ({ ...x, [name]: v })); } });
  const center = me.role !== "department";
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      title: f.title, answer: f.answer, category: f.category,
      questions: f.questions.split("\n").map((q) => q.trim()).filter(Boolean),
      public: f.public,
    };
    if (center) body.owner_department_id = f.owner_department_id;
    for (const name of ["valid_from", "review_at", "note"]) if (f[name]) body[name] = f[name];
    if (article) {
      body.valid_to = f.valid_to || null;
      body.version = article.version;
    } else if (f.valid_to) body.valid_to = f.valid_to;
    setBusy(true);
    setError(null);
    try {
      const saved = article
        ? await api("PUT", `knowledge/articles/${encodeURIComponent(article.id)}`, body)
        : await api("POST", "knowledge/articles", body);
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const p = article ? "edit" : "new";
  const a = article || {};
  return html`<form class="action" id=${article ? "article-edit" : "article-new"} onSubmit=${submit} novalidate>
    <fieldset>
      <legend>${article ? `在第 ${article.version} 版上修改` : "文章内容"}</legend>
      <label for=${p + "-title"}>标题</label>
      <input id=${p + "-title"} type="text" maxlength="100" required ...${bind("title")} />
      <label for=${p + "-questions"}>常见问法（每行一种）</label>
      <textarea id=${p + "-questions"} rows="3" ...${bind("questions")}></textarea>
      <label for=${p + "-answer"}>答案</label>
      <textarea id=${p + "-answer"} rows="6" required ...${bind("answer")}></textarea>
      <label for=${p + "-category"}>类别</label>
      <select id=${p + "-category"} ...${choose("category")}>
        <option value="">（请选择）</option>
        ${reference.categories.filter((c) => c.active !== false || c.code === a.category).map((c) => html`<option value=${c.code}>${c.group ? c.group + " · " : ""}${c.name}</option>`)}
      </select>
      ${center ? html`<label for=${p + "-owner"}>所属单位</label>
        <select id=${p + "-owner"} ...${choose("owner_department_id")}>
          <option value="center">平台中心</option>
          ${reference.departments.filter((x) => x.active !== false || x.id === a.owner_department_id).map((x) => html`<option value=${x.id}>${x.name}</option>`)}
        </select>` : html`<p class="meta">所属单位：${departmentName(me.department)}</p>`}
      <div class="dates">
        <div><label for=${p + "-from"}>生效日期</label><input id=${p + "-from"} type="date" ...${bind("valid_from")} /></div>
        <div><label for=${p + "-to"}>失效日期（可空）</label><input id=${p + "-to"} type="date" ...${bind("valid_to")} /></div>
        <div><label for=${p + "-review"}>复核日期</label><input id=${p + "-review"} type="date" ...${bind("review_at")} /></div>
      </div>
      <label class="check"><input type="checkbox" name="public" checked=${f.public}
        onChange=${(e) => { const v = e.currentTarget.checked; setF((x) => ({ ...x, public: v })); }} />向群众公开（APP 提交前可搜到）</label>
      <label for=${p + "-note"}>修改说明（可选）</label>
      <input id=${p + "-note"} type="text" maxlength="500" ...${bind("note")} />
      <${ProblemBox} error=${error} />
      ${stale(error) && onReload ? html`<button class="secondary" type="button" id="article-reload" onClick=${onReload}>读取最新版本（放弃本次修改）</button> ` : null}
      <button class="primary" type="submit" disabled=${busy}>${article ? "保存为新版本" : "创建"}</button>
    </fieldset>
  </form>`;
}

function ArticleView({ id, me }) {
  const [message, setMessage] = useState(null);
  const [state, reload] = useLoad(async () => {
    await loadReference();
    return api("GET", `knowledge/articles/${encodeURIComponent(id)}`);
  }, [id]);
  const a = state.data;
  const saved = (after) => { setMessage(`已保存为第 ${after.version} 版`); reload(); };
  return html`<main>
    <p><a href="#/knowledge">← 知识库</a></p>
    <${ProblemBox} error=${state.error} />
    ${!a ? html`<p class="meta">加载中……</p>` : html`<div class="layout" data-article=${a.id} data-version=${a.version}>
      <section class="card" aria-labelledby="article-title">
        <h2 id="article-title">${a.title}</h2>
        <p><${ArticleBadges} article=${a} /></p>
        <dl class="facts">
          <dt>编号</dt><dd>${a.id}</dd>
          <dt>类别</dt><dd>${categoryName(a.category)}</dd>
          <dt>所属</dt><dd>${ownerName(a.owner_department_id)}</dd>
          <dt>有效期</dt><dd>${a.valid_from} 至 ${a.valid_to || "长期"}</dd>
          <dt>复核</dt><dd>${a.review_at}</dd>
          <dt>版本</dt><dd>第 ${a.version} 版 · ${when(a.updated_at)} · ${a.updated_by}</dd>
          <dt>有用</dt><dd>${a.helpful || 0} 位群众表示已解决</dd>
        </dl>
        ${(a.questions || []).length ? html`<h3>常见问法</h3><ul class="questions">${a.questions.map((q) => html`<li class="text">${q}</li>`)}</ul>` : null}
        <h3>答案</h3>
        <div class="text" id="article-answer">${a.answer}</div>
        <h3>版本记录</h3>
        <ol class="timeline" id="versions">
          ${(a.versions || []).slice().reverse().map((v) => html`<li data-version=${v.version}>
            <details><summary>第 ${v.version} 版 · ${when(v.updated_at)} · ${v.updated_by || ""}${v.note ? `：${v.note}` : ""}</summary>
              <div class="text"><strong>${v.title}</strong></div><div class="text">${v.answer}</div></details></li>`)}
        </ol>
      </section>
      <section class="card" aria-labelledby="article-actions">
        <h2 id="article-actions">维护</h2>
        ${message ? html`<div class="done" role="status">${message}</div>` : null}
        ${mayEditArticle(me, a)
          ? html`<${ArticleForm} key=${a.version} article=${a} me=${me} onSaved=${saved} onReload=${() => { setMessage(null); reload(); }} />`
          : html`<p class="meta">本文章由${ownerName(a.owner_department_id)}维护，只读。</p>`}
      </section>
    </div>`}
  </main>`;
}

function ArticleNew({ me }) {
  const [state] = useLoad(() => loadReference(), []);
  return html`<main>
    <p><a href="#/knowledge">← 知识库</a></p>
    <section class="card" aria-labelledby="article-new-title">
      <h2 id="article-new-title">新建知识库文章</h2>
      <${ProblemBox} error=${state.error} />
      ${state.loading ? html`<p class="meta">加载中……</p>` : html`<${ArticleForm} me=${me}
        onSaved=${(a) => { location.hash = `#/knowledge/${encodeURIComponent(a.id)}`; }} />`}
    </section>
  </main>`;
}

// ---- leaders: supervision, following -------------------------------------------------------

function AppealList({ title, id, path }) {
  const now = useNow(30000);
  const [state] = useLoad(async () => { await loadReference(); return all(path, 3); }, [path]);
  const items = state.data || [];
  return html`<main><section class="card" aria-labelledby=${id + "-title"}>
    <h2 id=${id + "-title"}>${title}</h2>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p class="meta">加载中……</p>` : null}
    ${!state.loading && !items.length ? html`<p class="meta">暂无。</p>` : null}
    <ul class="queue" id=${id} data-ready=${state.loading ? "false" : "true"}>
      ${items.map((item) => html`<${QueueItem} key=${item.id} item=${item} now=${now} />`)}
    </ul>
  </section></main>`;
}

// ---- figures --------------------------------------------------------------------------------

function isoWeek(date) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const start = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - start) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const BOARDS = { volume: "办件量", overdue_rate: "超期率", return_rate: "退回率", satisfaction: "满意度" };
const RATES = {
  on_time_completion_rate: "按期办结率", response_rate: "响应率", resolution_rate: "解决率",
  satisfaction_rate: "满意率",
};

function Figures({ me }) {
  const shanghai = new Date(Date.now() + 8 * 3600 * 1000 + new Date().getTimezoneOffset() * 60000);
  const periods = me.role === "department"
    ? { [isoWeek(shanghai)]: "本周" }
    : { [shanghai.toISOString().slice(0, 7)]: "本月", [isoWeek(shanghai)]: "本周" };
  const [period, setPeriod] = useState(Object.keys(periods)[0]);
  const [state] = useLoad(async () => {
    const [stats, rankings] = await Promise.all([
      api("GET", `public/stats?period=${period}`),
      api("GET", `public/rankings?period=${period}`),
    ]);
    return { stats, rankings };
  }, [period]);
  const data = state.data;
  const board = (b) => {
    const entries = b.entries.filter((e) => me.role !== "department" || e.department_id === me.department);
    return html`<div class="scroll"><h3>${BOARDS[b.board] || b.board}</h3><table class="grid">
      <thead><tr><th scope="col">名次</th><th scope="col">单位</th><th scope="col" class="num">数值</th><th scope="col" class="num">按期办结率</th></tr></thead>
      <tbody>${entries.slice(0, me.role === "department" ? 1 : 10).map((e) => html`<tr>
        <td>${e.ranked ? e.rank : "不排名"}</td><td>${e.name}</td>
        <td class="num">${b.board === "volume" ? e.value : pct(e.value)}</td>
        <td class="num">${pct(e.on_time_completion_rate)}</td></tr>`)}</tbody></table></div>`;
  };
  return html`<main><section class="card" aria-labelledby="figures-title">
    <h2 id="figures-title">${me.role === "department" ? `本单位本周数据（${departmentName(me.department)}）` : "平台数据与排名"}</h2>
    <div class="filters" role="group" aria-label="统计周期">
      ${Object.entries(periods).map(([p, label]) => html`<button type="button" aria-pressed=${p === period ? "true" : "false"} onClick=${() => setPeriod(p)}>${label}（${p}）</button>`)}
    </div>
    <${ProblemBox} error=${state.error} />
    ${!data ? html`<p class="meta">加载中……</p>` : html`<div id="figures">
      ${me.role !== "department" ? html`<div class="rates">
        ${Object.entries(RATES).map(([k, v]) => html`<div class="rate"><div class="value">${pct(data.stats.rates[k])}</div><div class="name">${v}</div></div>`)}
      </div>
      <p class="meta">受理 ${data.stats.counters.submitted || 0} 件，派单 ${data.stats.counters.dispatched || 0} 件，答复 ${data.stats.counters.replied || 0} 件。</p>
      ${data.stats.knowledge ? html`<h3>知识库</h3><div class="rates knowledge" id="knowledge-figures">
        <div class="rate"><div class="value" id="center-replied">${data.stats.knowledge.center_replied || 0}</div><div class="name">中心直办（件）</div></div>
        <div class="rate"><div class="value" id="deflected">${data.stats.knowledge.deflected || 0}</div><div class="name">自助解答（次）</div></div>
      </div>
      <p class="meta">中心直办：平台中心依据知识库直接答复的咨询，不派单，不计入各单位的答复与排名；自助解答：群众提交前看了知识库答案、表示已解决的次数。</p>` : null}` : null}
      <div class="boards">${data.rankings.boards.map(board)}</div>
    </div>`}
  </section></main>`;
}

// ---- admin ----------------------------------------------------------------------------------

function Admin() {
  const [tab, setTab] = useState("categories");
  const tabs = {
    categories: "类别与派单", departments: "部门", calendar: "工作日历", recipients: "报告接收人",
    webhooks: "部门接口与投递", open311: "Open311 密钥",
  };
  return html`<main><section class="card" aria-labelledby="admin-title">
    <h2 id="admin-title">系统管理</h2>
    <div class="filters" role="group" aria-label="管理项目">
      ${Object.entries(tabs).map(([k, v]) => html`<button type="button" aria-pressed=${k === tab ? "true" : "false"} onClick=${() => setTab(k)}>${v}</button>`)}
    </div>
    ${tab === "categories" ? html`<${Categories} />` : null}
    ${tab === "departments" ? html`<${Departments} />` : null}
    ${tab === "calendar" ? html`<${Calendar} />` : null}
    ${tab === "recipients" ? html`<${Recipients} />` : null}
    ${tab === "webhooks" ? html`<${Webhooks} />` : null}
    ${tab === "open311" ? html`<${Open311Keys} />` : null}
  </section></main>`;
}

function Categories() {
  const [state, reload] = useLoad(async () => { await loadReference(); return all("categories"); }, []);
  const [error, setError] = useState(null);
  const save = async (event) => {
    const data = formData(event);
    setError(null);
    try {
      await api("PUT", `categories/${encodeURIComponent(data.code)}`, {
        default_department: data.default_department || null, auto_dispatch: data.auto_dispatch === "on",
      });
      reference.loaded = null;
      reload();
    } catch (e) { setError(e); }
  };
  return html`<${ProblemBox} error=${state.error || error} />
    <div class="scroll"><table class="grid stack" id="categories"><thead><tr><th scope="col">类别</th><th scope="col">默认承办单位与自动派单</th></tr></thead>
    <tbody>${(state.data || []).map((c) => html`<tr><td>${c.group ? c.group + " · " : ""}${c.name}<div class="meta">${(c.keywords || []).join("、")}</div></td>
      <td><form onSubmit=${save}><input type="hidden" name="code" value=${c.code} />
        <label for=${"default-" + c.code}>默认单位</label>
        <select id=${"default-" + c.code} name="default_department" value=${c.default_department || ""}>
          <option value="">（无）</option>${reference.departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>
        <label class="check"><input type="checkbox" name="auto_dispatch" checked=${c.auto_dispatch} />自动派单</label>
        <button class="secondary" type="submit">保存</button></form></td></tr>`)}</tbody></table></div>`;
}

function Departments() {
  const [state] = useLoad(() => all("departments"), []);
  const KINDS = { department: "部门", street: "街道", town: "镇", utility: "公用企业" };
  return html`<${ProblemBox} error=${state.error} />
    <div class="scroll"><table class="grid" id="departments"><thead><tr><th scope="col">名称</th><th scope="col">类型</th><th scope="col">编号</th><th scope="col">状态</th></tr></thead>
    <tbody>${(state.data || []).map((d) => html`<tr><td>${d.name}</td><td>${KINDS[d.kind] || d.kind}</td><td>${d.id}</td><td>${d.active ? "启用" : "停用"}</td></tr>`)}</tbody></table></div>`;
}

function Calendar() {
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [state, reload] = useLoad(() => api("GET", `calendar/${encodeURIComponent(year)}`), [year]);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const SOURCE = { loaded: "管理员导入", package: "内置日历", weekdays: "按周一至周五（无数据）" };
  const save = async (event) => {
    const data = formData(event);
    const dates = (text) => text.split(/[\s,，]+/).filter(Boolean);
    setError(null);
    setSaved(false);
    try {
      await api("PUT", `calendar/${encodeURIComponent(year)}`, { holidays: dates(data.holidays), workdays: dates(data.workdays) });
      setSaved(true);
      reload();
    } catch (e) { setError(e); }
  };
  const c = state.data;
  return html`<label for="calendar-year">年份</label>
    <input id="calendar-year" type="number" min="2000" max="2100" value=${year} onChange=${(e) => setYear(e.currentTarget.value)} />
    <${ProblemBox} error=${state.error || error} />
    ${saved ? html`<div class="done" role="status">已保存</div>` : null}
    ${c ? html`<form onSubmit=${save} id="calendar">
      <p class="meta">来源：${SOURCE[c.source] || c.source}</p>
      <label for="calendar-holidays">法定节假日（每行一个日期）</label>
      <textarea id="calendar-holidays" name="holidays" rows="6" value=${c.holidays.join("\n")}></textarea>
      <label for="calendar-workdays">调休上班日</label>
      <textarea id="calendar-workdays" name="workdays" rows="4" value=${c.workdays.join("\n")}></textarea>
      <button class="primary" type="submit">保存 ${year} 年日历</button>
    </form>` : null}`;
}

function Recipients() {
  const [state, reload] = useLoad(() => api("GET", "report-recipients"), []);
  const [error, setError] = useState(null);
  const save = async (event) => {
    const data = formData(event);
    setError(null);
    try {
      await api("PUT", "report-recipients", { ...state.data, daily: data.daily.split(/[\s,，]+/).filter(Boolean) });
      reload();
    } catch (e) { setError(e); }
  };
  const r = state.data;
  return html`<${ProblemBox} error=${state.error || error} />
    ${r ? html`<form onSubmit=${save} id="recipients">
      <label for="recipients-daily">日报接收人（每行一个邮箱）</label>
      <textarea id="recipients-daily" name="daily" rows="4" value=${(r.daily || []).join("\n")}></textarea>
      <button class="primary" type="submit">保存</button>
      <h3>各单位周报接收人</h3>
      <div class="scroll"><table class="grid"><tbody>${Object.entries(r.weekly || {}).map(([d, list]) => html`<tr><td>${departmentName(d)}</td><td>${list.join("、")}</td></tr>`)}</tbody></table></div>
    </form>` : null}`;
}

function Webhooks() {
  const [department, setDepartment] = useState("");
  const [error, setError] = useState(null);
  const [secret, setSecret] = useState(null);
  useEffect(() => { loadReference().then(() => setDepartment(reference.departments[0] ? reference.departments[0].id : "")); }, []);
  const [state, reload] = useLoad(async () => {
    if (!department) return null;
    const [hook, deliveries] = await Promise.all([
      api("GET", `departments/${encodeURIComponent(department)}/webhook`),
      api("GET", `deliveries?department_id=${encodeURIComponent(department)}&limit=20`),
    ]);
    return { hook, deliveries: deliveries.items };
  }, [department]);
  const run = async (call) => {
    setError(null);
    setSecret(null);
    try {
      const answer = await call();
      if (answer && answer.secret) setSecret(answer.secret);
      reload();
    } catch (e) { setError(e); }
  };
  const register = (event) => {
    const data = formData(event);
    run(() => api("PUT", `departments/${encodeURIComponent(department)}/webhook`, { url: data.url.trim(), enabled: data.enabled === "on" }));
  };
  const d = state.data;
  return html`<label for="webhook-department">单位</label>
    <select id="webhook-department" value=${department} onChange=${(e) => { setSecret(null); setDepartment(e.currentTarget.value); }}>
      ${reference.departments.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
    </select>
    <${ProblemBox} error=${state.error || error} />
    ${secret ? html`<div class="done" role="status">签名密钥只显示这一次，请交给该单位系统：<code class="text">${secret}</code></div>` : null}
    ${d ? html`<form onSubmit=${register} id="webhook" key=${department + (d.hook.updated_at || "")}>
      <label for="webhook-url">接口地址（HTTPS）</label>
      <input id="webhook-url" name="url" type="text" value=${d.hook.url || ""} required />
      <label class="check"><input type="checkbox" name="enabled" checked=${d.hook.url ? d.hook.enabled : true} />启用推送</label>
      <button class="primary" type="submit">保存接口</button>
      <button class="secondary" type="button" onClick=${() => run(() => api("POST", `departments/${encodeURIComponent(department)}/webhook/secret`))}>更换签名密钥</button>
      <p class="meta">密钥签发：${when(d.hook.secret_issued_at)}${d.hook.previous_secret_until ? `；旧密钥有效至 ${when(d.hook.previous_secret_until)}` : ""}</p>
    </form>
      <h3>最近投递</h3>
      ${d.deliveries.length ? html`<div class="scroll"><table class="grid" id="deliveries"><thead><tr><th scope="col">时间</th><th scope="col">事件</th><th scope="col">诉求</th><th scope="col">状态</th></tr></thead>
        <tbody>${d.deliveries.map((x) => html`<tr><td>${when(x.created_at)}</td><td>${x.type}</td><td>${x.appeal_id || "—"}</td>
          <td>${DELIVERY[x.status] || x.status}（${(x.attempts || []).length} 次）
          ${x.status === "dead" ? html` <button class="secondary" type="button" onClick=${() => run(() => api("POST", `deliveries/${encodeURIComponent(x.id)}/redrive`))}>重新投递</button>` : null}</td></tr>`)}</tbody></table></div>`
        : html`<p class="meta">暂无投递记录。</p>`}` : null}`;
}

const DELIVERY = { pending: "待投递", retrying: "重试中", delivered: "已送达", dead: "投递失败" };

function Open311Keys() {
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const create = async (event) => {
    const data = formData(event);
    setError(null);
    try { setCreated(await api("POST", "open311/keys", { name: data.name })); } catch (e) { setError(e); }
  };
  return html`<form onSubmit=${create} id="open311-key">
      <label for="open311-name">接入方名称</label><input id="open311-name" name="name" type="text" required />
      <button class="primary" type="submit">生成密钥</button>
    </form>
    <${ProblemBox} error=${error} />
    ${created ? html`<div class="done" role="status">密钥只显示这一次：<code>${created.api_key || created.key}</code></div>` : null}`;
}

// ---- the shell ------------------------------------------------------------------------------

const NAV = {
  operator: [["#/queue", "工单队列"], ["#/supervision", "督办与超期"], ["#/knowledge", "知识库"], ["#/figures", "数据"]],
  department: [["#/queue", "本单位工单"], ["#/knowledge", "知识库"], ["#/figures", "本周数据"]],
  leader: [["#/supervision", "督办清单"], ["#/following", "我的关注"], ["#/figures", "数据与排名"]],
  admin: [["#/admin", "系统管理"], ["#/supervision", "督办清单"], ["#/knowledge", "知识库"], ["#/figures", "数据"]],
};

function useHash() {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const change = () => setHash(location.hash || "#/");
    addEventListener("hashchange", change);
    return () => removeEventListener("hashchange", change);
  }, []);
  return hash;
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session));
  const [queue, setQueue] = useState([]);
  const hash = useHash();
  useEffect(() => { onSignedOut = () => { reference.loaded = null; setSignedIn(false); }; }, []);
  useEffect(() => {
    document.body.dataset.view = signedIn ? hash.split("/")[1] || "home" : "signin";
  });
  if (!signedIn) return html`<${SignIn} onDone=${() => { setSignedIn(true); location.hash = "#/"; }} />`;
  const token = claims(session.idToken);
  const me = { role: roleOf(session.idToken), department: token["custom:department_id"], username: session.username };
  const nav = NAV[me.role] || [];
  let route = hash.replace(/^#/, "");
  if (route === "/" || route === "") route = nav[0] ? nav[0][0].slice(1) : "/";
  let view;
  if (route.startsWith("/appeal/")) view = html`<${Detail} id=${decodeURIComponent(route.slice(8))} me=${me} queue=${queue} />`;
  else if (route === "/queue") view = html`<${Queue} role=${me.role} queue=${queue} setQueue=${setQueue} />`;
  else if (route === "/supervision") view = html`<${AppealList} title="督办与超期（含代表委员件）" id="supervision" path="supervision" />`;
  else if (route === "/following") view = html`<${AppealList} title="我关注的诉求" id="following" path="me/following" />`;
  else if (route === "/figures") view = html`<${Figures} me=${me} />`;
  else if (route === "/admin") view = html`<${Admin} />`;
  else if (route === "/knowledge" && me.role !== "leader") view = html`<${Articles} me=${me} />`;
  else if (route === "/knowledge/new" && me.role !== "leader") view = html`<${ArticleNew} me=${me} />`;
  else if (route.startsWith("/knowledge/")) view = html`<${ArticleView} id=${decodeURIComponent(route.slice(11))} me=${me} />`;
  else view = html`<main><p>页面不存在。<a href="#/">返回</a></p></main>`;
  return html`
    <header class="top">
      <h1>民生诉求 · 工作台</h1>
      <span class="who">${ROLE[me.role]}${me.department ? ` · ${departmentName(me.department)}` : ""} · ${me.username}</span>
      <button type="button" onClick=${signOut}>退出</button>
    </header>
    <nav class="tabs" aria-label="功能">
      ${nav.map(([href, label]) => html`<a href=${href} aria-current=${"#" + route === href ? "page" : undefined}>${label}</a>`)}
    </nav>
    ${view}`;
}

async function start() {
  const response = await fetch("config.json");
  config = await response.json();
  document.getElementById("root").textContent = "";
  render(html`<${App} />`, document.getElementById("root"));
}

start().catch((error) => {
  document.getElementById("root").textContent = `工作台无法启动：${error.message}`;
});
