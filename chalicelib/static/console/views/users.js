// Staff accounts (工作人员账号), the admin's: a unit's staff or a role's, adding one, importing
// a CSV file (each row's problem shown here, nothing made until the file is right),
// disabling and enabling, a new temporary password, a move to another unit or role, and
// each account's changes.
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api, all } from "../lib/api.js";
import { when } from "../lib/format.js";
import { useLoad } from "../lib/hooks.js";
import { formData, clean } from "../lib/forms.js";
import { ROLE, ACCOUNT_STATUS } from "../lib/labels.js";
import { reference, loadReference, departmentName } from "../lib/reference.js";

const ROLES = ["operator", "department", "leader", "admin", "deputy"];
const ACTION = {
  created: "开通", imported: "导入开通", changed: "修改", disabled: "停用", enabled: "启用",
  password_reset: "重设密码", signed_out: "强制下线",
};
const FIELD = { name: "姓名", role: "角色", department_id: "单位", email: "邮箱", phone: "手机", enabled: "启用", signed_out: "下线时间" };

function shownValue(field, value) {
  if (value === null || value === undefined || value === "") return "（无）";
  if (field === "role") return ROLE[value] || value;
  if (field === "department_id") return departmentName(value);
  if (field === "enabled") return value ? "是" : "否";
  return String(value);
}

export function Users() {
  const [unit, setUnit] = useState("");
  const [role, setRole] = useState("");
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    loadReference().then(() => { setUnit(reference.departments[0] ? reference.departments[0].id : ""); setReady(true); });
  }, []);
  const query = role && role !== "department" ? `users?role=${role}` : unit ? `users?department_id=${encodeURIComponent(unit)}` : "users";
  const [state, reload] = useLoad(() => (ready ? all(query, 5) : Promise.resolve(null)), [query, ready]);
  const done = (text) => { setMessage(text); setError(null); reload(); };
  const failed = (e) => { setMessage(null); setError(e); };
  const act = async (user, action, label) => {
    try {
      await api("POST", `users/${encodeURIComponent(user.username)}/${action}`);
      done(`${user.name}（${user.username}）：${label}`);
    } catch (e) { failed(e); }
  };
  return html`<main><section class="card" aria-labelledby="users-title">
    <h2 id="users-title">工作人员账号</h2>
    <div class="filters" role="group" aria-label="查看范围">
      <label for="users-role">角色</label>
      <select id="users-role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
        <option value="">承办单位（按单位）</option>
        ${ROLES.filter((r) => r !== "department").map((r) => html`<option value=${r}>${ROLE[r]}</option>`)}
      </select>
      ${!role ? html`<label for="users-unit">单位</label>
      <select id="users-unit" value=${unit} onChange=${(e) => setUnit(e.currentTarget.value)}>
        ${reference.departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
      </select>` : null}
    </div>
    ${message ? html`<div class="done" role="status">${message}</div>` : null}
    <${ProblemBox} error=${state.error || error} />
    <${UserTable} users=${state.data} ready=${ready && !state.loading} act=${act} done=${done} failed=${failed} />
    <${AddUser} unit=${unit} done=${done} />
    <${ImportUsers} done=${done} />
  </section></main>`;
}

function UserTable({ users, ready, act, done, failed }) {
  const [editing, setEditing] = useState(null);
  const [history, setHistory] = useState(null);
  if (!users) return html`<p class="meta">正在加载……</p>`;
  return html`<div class="scroll"><table class="grid stack" id="users" data-ready=${ready ? "true" : "false"}>
    <thead><tr><th scope="col">姓名</th><th scope="col">角色与单位</th><th scope="col">联系方式</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead>
    <tbody>${users.length ? users.map((u) => html`<tr data-user=${u.username} data-enabled=${u.enabled ? "true" : "false"} data-status=${u.status}>
      <td>${u.name}<div class="meta">${u.username}</div></td>
      <td>${ROLE[u.role] || u.role}${u.department_id ? html`<div class="meta">${departmentName(u.department_id)}</div>` : null}</td>
      <td>${u.email ? html`<div>${u.email}</div>` : null}${u.phone ? html`<div>${u.phone}</div>` : null}</td>
      <td>${u.enabled ? ACCOUNT_STATUS[u.status] || u.status : "已停用"}<div class="meta">两步验证：${u.mfa ? "已设置" : "未设置"}</div></td>
      <td class="actions">
        ${u.enabled
          ? html`<button class="secondary" type="button" onClick=${() => act(u, "disable", "已停用")}>停用</button>`
          : html`<button class="secondary" type="button" onClick=${() => act(u, "enable", "已启用")}>启用</button>`}
        <button class="secondary" type="button" onClick=${() => act(u, "reset-password", "已重新发送临时密码")}>重设密码</button>
        <button class="secondary" type="button" onClick=${() => act(u, "sign-out", "已强制下线")}>强制下线</button>
        <button class="secondary" type="button" aria-expanded=${editing === u.username ? "true" : "false"} onClick=${() => setEditing(editing === u.username ? null : u.username)}>修改</button>
        <button class="secondary" type="button" onClick=${() => setHistory(history === u.username ? null : u.username)}>变更记录</button>
        ${editing === u.username ? html`<${EditUser} user=${u} done=${(text) => { setEditing(null); done(text); }} failed=${failed} />` : null}
        ${history === u.username ? html`<${History} username=${u.username} updated=${u.updated_at} />` : null}
      </td></tr>`) : html`<tr><td colspan="5">暂无账号。</td></tr>`}</tbody></table></div>`;
}

function EditUser({ user, done, failed }) {
  const [role, setRole] = useState(user.role);
  const save = async (event) => {
    const data = formData(event);
    const body = { name: data.name.trim(), role: data.role };
    body.department_id = data.role === "department" ? data.department_id : null;
    try {
      await api("PATCH", `users/${encodeURIComponent(user.username)}`, body);
      done(`${body.name}（${user.username}）：已保存`);
    } catch (e) { failed(e); }
  };
  const id = (name) => `edit-${name}-${user.username}`;
  return html`<form class="edit-user" onSubmit=${save} id=${"edit-" + user.username}>
    <label for=${id("name")}>姓名</label><input id=${id("name")} name="name" type="text" value=${user.name} required />
    <label for=${id("role")}>角色</label>
    <select id=${id("role")} name="role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
      ${ROLES.map((r) => html`<option value=${r}>${ROLE[r]}</option>`)}
    </select>
    ${role === "department" ? html`<label for=${id("unit")}>单位</label>
    <select id=${id("unit")} name="department_id" value=${user.department_id || ""}>
      ${reference.departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
    </select>` : null}
    <button class="primary" type="submit">保存</button>
  </form>`;
}

function History({ username, updated }) {
  // Read again after each change to the account (its updated_at moves).
  const [state] = useLoad(() => api("GET", `users/${encodeURIComponent(username)}/history?limit=20`), [username, updated]);
  if (state.error) return html`<${ProblemBox} error=${state.error} />`;
  if (!state.data) return html`<p class="meta">正在加载……</p>`;
  return html`<ol class="history" aria-label="变更记录">${state.data.items.map((c) => html`<li>
    <strong>${ACTION[c.action] || c.action}</strong> ${when(c.at)} · ${c.by.username || c.by.id}
    ${Object.keys(c.after).length ? html`<ul>${Object.keys(c.after).map((k) => html`<li>${FIELD[k] || k}：${k in c.before ? `${shownValue(k, c.before[k])} → ` : ""}${shownValue(k, c.after[k])}</li>`)}</ul>` : null}
  </li>`)}</ol>`;
}

function AddUser({ unit, done }) {
  const [role, setRole] = useState("department");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    const data = clean(formData(event));
    const form = event.currentTarget;
    if (data.role !== "department") delete data.department_id;
    setBusy(true);
    setError(null);
    try {
      const made = await api("POST", "users", data);
      form.reset();
      done(`已开通 ${made.name}（${made.username}），临时密码已由用户池发出`);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return html`<form onSubmit=${submit} id="user-new" novalidate>
    <fieldset><legend>新增账号</legend>
      <label for="new-user-username">用户名</label><input id="new-user-username" name="username" type="text" autocomplete="off" required />
      <label for="new-user-name">姓名（实名）</label><input id="new-user-name" name="name" type="text" required />
      <label for="new-user-role">角色</label>
      <select id="new-user-role" name="role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
        ${ROLES.map((r) => html`<option value=${r}>${ROLE[r]}</option>`)}
      </select>
      ${role === "department" ? html`<label for="new-user-unit">单位</label>
      <select id="new-user-unit" name="department_id" value=${unit}>
        ${reference.departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
      </select>` : null}
      <label for="new-user-email">邮箱</label><input id="new-user-email" name="email" type="email" autocomplete="off" />
      <label for="new-user-phone">手机号（中国大陆）</label><input id="new-user-phone" name="phone" type="tel" autocomplete="off" />
      <p class="meta">邮箱和手机号至少填一个：临时密码发到这里。</p>
      <${ProblemBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>开通账号</button>
    </fieldset>
  </form>`;
}

function ImportUsers({ done }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const file = event.currentTarget.elements.file.files[0];
    if (!file) {
      setError({ body: { title: "请选择 CSV 文件" } });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api("POST", "users/import", await file.arrayBuffer(), "text/csv");
      const made = answer.created.length ? `已开通 ${answer.created.length} 个账号：${answer.created.join("、")}` : "没有新账号";
      const kept = answer.unchanged.length ? `；已存在、未改动：${answer.unchanged.join("、")}` : "";
      done(made + kept);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return html`<form onSubmit=${submit} id="user-import">
    <fieldset><legend>批量导入（CSV）</legend>
      <p class="meta">UTF-8 编码，首行为 <code>username,name,role,department_id,email,phone</code>，每个文件最多 200 行。任何一行有错，所有账号都不会创建。</p>
      <label for="import-file">CSV 文件</label>
      <input id="import-file" name="file" type="file" accept=".csv,text/csv" />
      <${ProblemBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>导入</button>
    </fieldset>
  </form>`;
}
