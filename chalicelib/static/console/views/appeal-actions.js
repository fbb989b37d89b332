// What each role may do with an appeal in its state: the center accepts, dispatches,
// rejects, merges (with the similar appeals beside it), decides extensions and escalates;
// the lead department signs, contacts, replies, returns and asks for more time; a leader
// follows, comments and escalates; the center calls citizens back after the reply (回访);
// leaders and admins review ratings (差评审核).
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { STATE, KIND, OPEN, CONTACT, REJECT_REASON, TRANSFER_TARGET, AT_DEPARTMENT, SATISFACTION, CALLBACK_ATTEMPTS } from "../lib/labels.js";
import { ProblemBox } from "../lib/problem.js";
import { api, all } from "../lib/api.js";
import { useLoad } from "../lib/hooks.js";
import { clean, ActionForm } from "../lib/forms.js";
import { reference } from "../lib/reference.js";

// The reply quality check (答复质量) as the department writes: when the reply's text loses
// focus, or on the button, the API says what it would be flagged for. Advisory: the reply
// can be sent all the same (its flags are kept and counted for the center).
function ReplyQuality({ appealId }) {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const run = async (form) => {
    const content = form.elements.content.value;
    if (!content.trim()) return;
    try {
      const body = clean({ content, public_reply: form.elements.public_reply.value });
      setResult(await api("POST", `appeals/${encodeURIComponent(appealId)}/reply/check`, body));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    const text = document.getElementById("reply-content");
    if (!text) return undefined;
    const blur = () => run(text.form);
    text.addEventListener("blur", blur);
    return () => text.removeEventListener("blur", blur);
  }, [appealId]);
  let shown = null;
  if (result && result.flags.length) {
    shown = html`<div class="problem" role="status" id="reply-flags" data-flags=${result.flags.map((f) => f.code).join(" ")}>
      <strong>答复质量提示（仍可发送，提示将记录并计入统计）：</strong>
      <ul>${result.flags.map((f) => html`<li data-flag=${f.code}>${f.message}</li>`)}</ul>
    </div>`;
  } else if (result) {
    shown = html`<div class="done" role="status" id="reply-flags" data-flags="">答复质量检查未发现问题。</div>`;
  }
  return html`<div class="reply-check">
    <button type="button" class="secondary" id="reply-check" onClick=${(e) => run(e.currentTarget.form)}>检查答复质量</button>
    ${shown}
    <${ProblemBox} error=${error} />
  </div>`;
}

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

export function Similar({ appeal }) {
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

export function OperatorActions({ appeal, done }) {
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
    const disputed = s === "returned" ? [...appeal.timeline].reverse().find((e) => e.type === "returned") : null;
    forms.push(html`<${ActionForm} id="dispatch" legend=${disputed ? "派单异议审核" : "派单"} appealId=${appeal.id} path="dispatch" onDone=${done} toBody=${dispatchBody}>
      ${disputed ? html`<p class="dispute">退回单位：${disputed.data.department_id}；理由：<span class="text">${disputed.note || ""}</span>
        ${disputed.data.responsible ? html`；认为应由 <strong>${disputed.data.responsible}</strong> 办理` : null}。
        派往其他单位即支持异议（计入派单准确率）；派回原单位即驳回异议（计入该单位退回率，须填写说明，答复期限自首次派单起连续计算）。</p>` : null}
      <${DepartmentPicker} appeal=${appeal} prefix="dispatch" />
    <//>`);
    forms.push(html`<${ActionForm} id="reject" legend="不予受理" appealId=${appeal.id} path="reject" onDone=${done}
      toBody=${(d) => ({ reason_code: d.reason_code, reason: d.reason })}>
      <label for="reject-code">不予受理原因</label>
      <select id="reject-code" name="reason_code" required>
        ${Object.entries(REJECT_REASON).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
      </select>
      <label for="reject-reason">理由（告知群众）</label><textarea id="reject-reason" name="reason" required></textarea>
    <//>`);
    forms.push(html`<${ActionForm} id="transfer" legend="即时转办" appealId=${appeal.id} path="transfer" onDone=${done}
      toBody=${(d) => clean({ to: d.to, name: d.to === "other" ? d.name : undefined, note: d.note })}>
      <label for="transfer-to">转至</label>
      <select id="transfer-to" name="to" required>
        ${Object.entries(TRANSFER_TARGET).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
      </select>
      <label for="transfer-name">其他机关名称</label><input id="transfer-name" name="name" type="text" />
      <label for="transfer-note">转办说明（告知群众）</label><textarea id="transfer-note" name="note" required></textarea>
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

export function UrgeForm({ appeal, done }) {
  if (!AT_DEPARTMENT.includes(appeal.state)) return null;
  return html`<${ActionForm} id="urge" legend="催办" appealId=${appeal.id} path="urge" onDone=${done}
    toBody=${(d) => clean({ note: d.note })}>
    <label for="urge-note">催办意见</label><textarea id="urge-note" name="note"></textarea>
  <//>`;
}

export function EscalateForm({ appeal, done }) {
  if (!OPEN.includes(appeal.state)) return null;
  return html`<${ActionForm} id="escalate" legend="提级督办" appealId=${appeal.id} path="escalate" onDone=${done}
    toBody=${(d) => ({ level: Number(d.level), reason: d.reason })}>
    <label for="escalate-level">督办级别</label>
    <select id="escalate-level" name="level"><option value="1">1 级</option><option value="2">2 级</option><option value="3">3 级</option></select>
    <label for="escalate-reason">理由</label><textarea id="escalate-reason" name="reason"></textarea>
  <//>`;
}

export function DepartmentActions({ appeal, me, done }) {
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
      <${ReplyQuality} appealId=${appeal.id} />
    <//>`);
  }
  if (["dispatched", "signed"].includes(s)) {
    forms.push(html`<${ActionForm} id="return" legend="退回平台中心" appealId=${appeal.id} path="return" onDone=${done}
      toBody=${(d) => clean({ reason: d.reason, responsible: d.responsible })}>
      <label for="return-reason">退回理由（派单异议）</label><textarea id="return-reason" name="reason" required></textarea>
      <label for="return-responsible">应由哪个单位办理（可选）</label><input id="return-responsible" name="responsible" type="text" />
    <//>`);
  }
  if (["signed", "contacted"].includes(s)) {
    forms.push(html`<${ActionForm} id="extension" legend="申请延期" appealId=${appeal.id} path="extension" onDone=${done}
      toBody=${(d) => ({ days: Number(d.days), reason: d.reason })}>
      <label for="extension-days">延期工作日（1–10）</label><input id="extension-days" name="days" type="number" min="1" max="10" value="1" />
      <label for="extension-reason">理由</label><textarea id="extension-reason" name="reason" required></textarea>
    <//>`);
  }
  if (["dispatched", "signed", "contacted"].includes(s)) {
    forms.push(html`<${ActionForm} id="note" legend="记录办理进展（群众不可见）" appealId=${appeal.id} path="note" onDone=${done}
      toBody=${(d) => ({ text: d.text })}>
      <label for="note-text">办理进展</label><textarea id="note-text" name="text" required maxlength="2000"></textarea>
    <//>`);
  }
  return forms;
}

export function LeaderActions({ appeal, done }) {
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
    <${UrgeForm} appeal=${appeal} done=${done} />
    <${EscalateForm} appeal=${appeal} done=${done} />`;
}

// 回访: the calls about the reply in force (since the latest reply event).
function callsSinceReply(appeal) {
  let calls = 0;
  for (const e of appeal.timeline || []) {
    if (e.type === "replied") calls = 0;
    else if (e.type === "called_back") calls += 1;
  }
  return calls;
}

function callbackBody(d) {
  if (d.reached !== "yes") return clean({ reached: false, note: d.note });
  const body = clean({ reached: true, resolved: d.resolved === "yes", satisfaction: d.satisfaction, note: d.note });
  if (d.rework === "on") body.rework = true;
  return body;
}

export function CallbackForm({ appeal, done }) {
  const [reached, setReached] = useState("yes");
  if (appeal.state !== "replied") return null;
  const calls = callsSinceReply(appeal);
  if (calls >= CALLBACK_ATTEMPTS) {
    return html`<p class="meta" id="callback-done">已回访 ${calls} 次未接通，不再回访（7 天后自动办结）。</p>`;
  }
  return html`<${ActionForm} id="callback" legend="回访" appealId=${appeal.id} path="callback" onDone=${done} toBody=${callbackBody}>
    <p class="meta">第 ${calls + 1} 次回访（每次答复最多 ${CALLBACK_ATTEMPTS} 次）。接通后记录的满意程度即为本件评价，诉求随即办结。</p>
    <label for="callback-reached">是否接通</label>
    <select id="callback-reached" name="reached" value=${reached} onChange=${(e) => setReached(e.currentTarget.value)}>
      <option value="yes">已接通</option><option value="no">未接通</option>
    </select>
    ${reached === "yes" ? html`
      <label for="callback-resolved">问题是否解决</label>
      <select id="callback-resolved" name="resolved"><option value="yes">已解决</option><option value="no">未解决</option></select>
      <label for="callback-satisfaction">满意程度</label>
      <select id="callback-satisfaction" name="satisfaction" required>
        ${Object.entries(SATISFACTION).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
      </select>
      <label class="check"><input type="checkbox" id="callback-rework" name="rework" />不满意，要求重办</label>` : null}
    <label for="callback-note">回访记录</label><textarea id="callback-note" name="note"></textarea>
  <//>`;
}

// 差评审核: leaders and admins exclude a rating from the rates, or take that back once.
export function RatingReview({ appeal, done }) {
  const rating = appeal.rating;
  if (!rating) return null;
  const review = rating.review || {};
  if (review.taken_back_at) return html`<p class="meta" id="review-final">剔除已撤销，审核决定不再更改。</p>`;
  const exclude = !rating.excluded;
  return html`<${ActionForm} id="rating-review" legend=${exclude ? "差评审核：剔除评价" : "撤销剔除"} appealId=${appeal.id}
    path="rating/review" onDone=${done} toBody=${(d) => ({ exclude, reason: d.reason })}>
    <p class="meta">${exclude
      ? "评价因承办单位职权以外的原因给出（诉求不合法、评价针对政策而非办理）时，可剔除出各项比率；评价本身保留。"
      : "撤销后评价重新计入比率；只能撤销一次。"}</p>
    <label for="review-reason">理由</label><textarea id="review-reason" name="reason" required></textarea>
  <//>`;
}
