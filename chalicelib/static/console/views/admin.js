// Administration: categories and dispatch, departments, the work calendar, report
// recipients, department webhooks and deliveries, Open311 keys.
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api, all } from "../lib/api.js";
import { when } from "../lib/format.js";
import { useLoad } from "../lib/hooks.js";
import { formData } from "../lib/forms.js";
import { reference, loadReference, departmentName } from "../lib/reference.js";
import { featureOn } from "../lib/session.js";

// The tabs of an optional part (shown only when it is on).
const PART_OF = { recipients: "reports", open311: "open311" };

export function Admin() {
  const [tab, setTab] = useState("categories");
  const tabs = Object.fromEntries(Object.entries({
    categories: "类别与派单", departments: "部门", calendar: "工作日历", recipients: "报告接收人",
    webhooks: "部门接口与投递", open311: "Open311 密钥",
  }).filter(([k]) => !PART_OF[k] || featureOn(PART_OF[k])));
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
