// One appeal: its facts, content, photos, reply and timeline, beside what the signed-in
// role may do with it (with the keyboard shortcuts of the center and departments).
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { STATE, KIND, CHANNEL, EVENT, ROLE, STAGE_DUE, STAGE, SATISFACTION } from "../lib/labels.js";
import { ProblemBox } from "../lib/problem.js";
import { api } from "../lib/api.js";
import { when } from "../lib/format.js";
import { useLoad } from "../lib/hooks.js";
import { Countdown } from "../lib/deadlines.js";
import { typing } from "../lib/forms.js";
import { loadReference, departmentName, categoryName } from "../lib/reference.js";
import { Similar, OperatorActions, EscalateForm, UrgeForm, DepartmentActions, LeaderActions, CallbackForm, RatingReview } from "./appeal-actions.js";
import { DirectReply } from "./direct-reply.js";
import { featureOn } from "../lib/session.js";

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
const callback = (event) => (event.data && event.data.callback) || null;

function eventLabel(e) {
  if (centerReply(e)) return "中心直办";
  const call = callback(e);
  if (call) return `回访${e.type === "rework_requested" ? "（要求重办）" : ""}：${(SATISFACTION[call.satisfaction] || call.satisfaction).replace(/（.*）/, "")}`;
  if (e.type === "rating_reviewed") return e.data && e.data.excluded ? "差评审核：剔除评价" : "差评审核：撤销剔除";
  return EVENT[e.type] || e.type;
}

function Rating({ rating }) {
  if (!rating) return null;
  const call = rating.callback;
  const review = rating.review || {};
  return html`<h3>评价</h3>
    <p id="rating" data-excluded=${rating.excluded ? "true" : "false"}>${rating.score} 分 · ${rating.resolved ? "已解决" : "未解决"}
      ${call ? html` · <span class="badge">平台中心回访（第 ${call.attempt} 次）：${(SATISFACTION[call.satisfaction] || call.satisfaction).replace(/（.*）/, "")}</span>` : null}
      ${rating.excluded ? html` · <span class="badge warn">已剔除，不计入比率</span>` : null}</p>
    ${rating.comment ? html`<div class="text">${rating.comment}</div>` : null}
    ${review.reason ? html`<p class="meta">剔除理由：<span class="text">${review.reason}</span>${review.taken_back_reason ? html`；撤销理由：<span class="text">${review.taken_back_reason}</span>` : null}</p>` : null}`;
}

function Timeline({ events }) {
  return html`<ol class="timeline" id="timeline">
    ${events.map((e) => html`<li data-event=${e.type} data-by=${(e.data && e.data.by) || undefined}>
      <span class="meta">${when(e.at)}</span> ${eventLabel(e)}
      ${e.actor ? html` <span class="meta">（${ROLE[e.actor.role] || e.actor.role}）</span>` : null}
      ${centerReply(e) ? html`<div class="meta">答复来自知识库文章 ${e.data.article_id}${e.data.article_version ? ` 第 ${e.data.article_version} 版` : ""}${e.data.edited ? "（经修改）" : ""}</div>` : null}
      ${e.note ? html`<div class="text">${e.note}</div>` : null}
      ${e.type === "commented" && e.data && e.data.text ? html`<div class="text">${e.data.text}</div>` : null}
    </li>`)}
  </ol>`;
}

export function Detail({ id, me, queue }) {
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
        <${Rating} rating=${appeal.rating} />
        <h3>办理过程</h3>
        <${Timeline} events=${appeal.timeline || []} />
      </section>
      <section class="card" aria-labelledby="actions-title">
        <h2 id="actions-title">办理</h2>
        ${message ? html`<div class="done" role="status">${message}</div>` : null}
        <div key=${`${appeal.id}-${appeal.version}`}>
        ${me.role === "operator" && featureOn("knowledge") && appeal.kind === "consultation" && ["submitted", "accepted"].includes(appeal.state)
          ? html`<${DirectReply} appeal=${appeal} done=${done} />` : null}
        ${me.role === "operator" ? html`<${OperatorActions} appeal=${appeal} done=${done} /><${CallbackForm} appeal=${appeal} done=${done} /><${UrgeForm} appeal=${appeal} done=${done} /><${EscalateForm} appeal=${appeal} done=${done} />` : null}
        ${me.role === "department" ? html`<${DepartmentActions} appeal=${appeal} me=${me} done=${done} />` : null}
        ${me.role === "leader" ? html`<${LeaderActions} appeal=${appeal} done=${done} />` : null}
        ${me.role === "leader" || me.role === "admin" ? html`<${RatingReview} appeal=${appeal} done=${done} />` : null}
        ${me.role === "operator" && ["submitted", "accepted", "returned"].includes(appeal.state) ? html`<${Similar} appeal=${appeal} />` : null}
        </div>
      </section>
    </div>`}
  </main>`;
}
