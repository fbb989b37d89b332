// 我的诉求: the citizen's appeals (their own and, with a verified number, the calls the
// hotline took for it) with their state and deadline in words; one appeal's steps, the
// reply, notes, photos, and the rating form (score, resolved, comment, rework).
import { html, useState } from "../vendor/htm-preact.js";
import { api } from "../lib/api.js";
import { ProblemBox, fieldErrors } from "../lib/problem.js";
import { STATE, KIND, EVENT, CONTACT, SCORES } from "../lib/labels.js";
import { when, day, deadlineWords } from "../lib/format.js";
import { useLoad, useTitle } from "../lib/hooks.js";
import { loadReference, categoryName } from "../lib/reference.js";

const CHANNEL = { app: "手机App", wechat: "微信公众号", web: "网上留言", hotline: "12345热线", mailbox: "区长信箱", deputy: "代表委员", open311: "第三方平台" };

export function Mine() {
  useTitle("我的诉求");
  const [pages, setPages] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [state] = useLoad(async () => {
    const page = await api("GET", "appeals/mine?limit=20");
    setPages([page.items]);
    setCursor(page.next_cursor);
    return page;
  }, []);
  const [more, setMore] = useState(null);
  const loadMore = async () => {
    try {
      const page = await api("GET", `appeals/mine?limit=20&cursor=${encodeURIComponent(cursor)}`);
      setPages((p) => [...p, page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      setMore(e);
    }
  };
  const items = pages.flat();
  return html`<main id="mine">
    <h1>我的诉求</h1>
    <${ProblemBox} error=${state.error || more} />
    ${state.loading ? html`<p>正在加载……</p>` : null}
    ${!state.loading && !items.length && !state.error
      ? html`<p>您还没有留言。<a href="#/new">我要留言</a></p>` : null}
    <ul class="cards" id="my-appeals">
      ${items.map((a) => html`<li data-appeal=${a.id} data-state=${a.state}>
        <a href=${`#/mine/${encodeURIComponent(a.id)}`}><span class="title">${a.title}</span></a>
        <div class="meta"><span class=${"badge " + a.state}>${STATE[a.state] || a.state}</span> ${KIND[a.kind] || a.kind} · ${CHANNEL[a.channel] || a.channel} · ${day(a.created_at)}</div>
        <p class="due">${deadlineWords(a)}</p>
      </li>`)}
    </ul>
    ${cursor ? html`<button type="button" class="secondary" onClick=${loadMore}>加载更多</button>` : null}
  </main>`;
}

function Steps({ timeline }) {
  return html`<ol class="steps" id="steps">
    ${timeline.map((e) => html`<li data-event=${e.type}>
      <div><strong>${EVENT[e.type] || e.type}</strong> <time datetime=${e.at}>${when(e.at)}</time></div>
      ${e.data && e.data.department_name ? html`<div>承办单位：${e.data.department_name}</div>` : null}
      ${e.type === "dispatched" && e.data && e.data.reply_due ? html`<div>答复期限：${when(e.data.reply_due)}</div>` : null}
      ${e.type === "extension_decided" && e.data ? html`<div>新的答复期限：${when(e.data.reply_due)}</div>` : null}
      ${e.type === "contacted" && e.data && e.data.method ? html`<div>联系方式：${CONTACT[e.data.method] || e.data.method}</div>` : null}
      ${e.type === "rated" && e.data ? html`<div>${(SCORES.find(([s]) => s === e.data.score) || [0, ""])[1]}（${e.data.score} 分）· ${e.data.resolved ? "问题已解决" : "问题未解决"}</div>` : null}
      ${e.note ? html`<p class="note">${e.note}</p>` : null}
    </li>`)}
  </ol>`;
}

function Rating({ appeal, onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [score, setScore] = useState(null);
  const fields = fieldErrors(error);
  const submit = async (event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const body = { score: Number(data.get("score")), resolved: data.get("resolved") === "yes" };
    const comment = String(data.get("comment") || "").trim();
    if (comment) body.comment = comment;
    if (body.score <= 2 && data.get("rework") === "on") body.rework = true;
    setBusy(true);
    setError(null);
    try {
      await api("POST", `appeals/${encodeURIComponent(appeal.id)}/rating`, body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form id="rating" class="card" onSubmit=${submit} novalidate>
    <h2>评价这次答复</h2>
    <fieldset class="field">
      <legend>满意度</legend>
      <div class="scores">
        ${SCORES.map(([s, words]) => html`<label class="choice"><input type="radio" name="score" value=${s} required onChange=${() => setScore(s)} /> ${words}</label>`)}
      </div>
      ${fields.score ? html`<p class="hint bad">${fields.score}</p>` : null}
    </fieldset>
    <fieldset class="field">
      <legend>问题解决了吗</legend>
      <label class="choice"><input type="radio" name="resolved" value="yes" required /> 已解决</label>
      <label class="choice"><input type="radio" name="resolved" value="no" /> 未解决</label>
      ${fields.resolved ? html`<p class="hint bad">${fields.resolved}</p>` : null}
    </fieldset>
    <div class="field">
      <label for="rating-comment">评价意见（选填）</label>
      <textarea id="rating-comment" name="comment" rows="3" maxlength="500"></textarea>
    </div>
    ${score !== null && score <= 2
      ? html`<label class="choice"><input type="checkbox" name="rework" /> 不满意，要求承办单位重新办理</label>` : null}
    <${ProblemBox} error=${error} fields=${fields} />
    <button class="primary wide" type="submit" disabled=${busy}>提交评价</button>
  </form>`;
}

export function MyAppeal({ id, fresh }) {
  useTitle("诉求详情");
  const [notice, setNotice] = useState(fresh ? "提交成功！您可以在这里查看办理进度。" : null);
  const [state, reload] = useLoad(() => Promise.all([api("GET", `appeals/${encodeURIComponent(id)}`), loadReference().catch(() => null)]).then(([a]) => a), [id]);
  const a = state.data;
  if (state.error) return html`<main id="my-appeal"><h1>诉求详情</h1><${ProblemBox} error=${state.error} /><p><a href="#/mine">返回我的诉求</a></p></main>`;
  if (!a) return html`<main id="my-appeal"><h1>诉求详情</h1><p>正在加载……</p></main>`;
  const reply = a.reply;
  return html`<main id="my-appeal" data-appeal=${a.id} data-state=${a.state}>
    <p><a href="#/mine">‹ 我的诉求</a></p>
    <h1 id="appeal-title">${a.title}</h1>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <p class="status"><span class=${"badge " + a.state}>${STATE[a.state] || a.state}</span> <span id="deadline">${deadlineWords(a)}</span></p>
    <dl class="facts">
      <dt>编号</dt><dd>${a.id}</dd>
      <dt>类型</dt><dd>${KIND[a.kind] || a.kind}</dd>
      <dt>类别</dt><dd>${categoryName(a.category)}</dd>
      <dt>提交时间</dt><dd>${when(a.created_at)}</dd>
      <dt>是否公开</dt><dd>${a.is_public ? "公开（个人信息已隐去）" : "不公开"}</dd>
      ${a.location && a.location.address ? html`<dt>地点</dt><dd>${a.location.address}</dd>` : null}
    </dl>
    <h2>诉求内容</h2>
    <p class="content" id="content">${a.content}</p>
    ${(a.photos || []).length ? html`<ul class="photos">${a.photos.map((p) => html`<li><img src=${p.url} alt=${`照片 ${p.index + 1}`} /></li>`)}</ul>` : null}
    ${reply ? html`<section id="reply" class="card reply" aria-labelledby="reply-title">
      <h2 id="reply-title">答复</h2>
      <p class="content">${reply.content}</p>
      <p class="small">${reply.handler_name ? `经办人：${reply.handler_name}` : ""}${reply.handler_phone ? ` · 电话 ${reply.handler_phone}` : ""} · ${when(reply.at)}</p>
    </section>` : null}
    ${a.state === "replied" && !a.rating ? html`<${Rating} appeal=${a} onDone=${() => { setNotice("感谢您的评价！"); reload(); }} />` : null}
    ${a.rating ? html`<section id="my-rating" class="card"><h2>我的评价</h2><p>${(SCORES.find(([s]) => s === a.rating.score) || [0, ""])[1]}（${a.rating.score} 分）· ${a.rating.resolved ? "问题已解决" : "问题未解决"}</p>${a.rating.comment ? html`<p class="note">${a.rating.comment}</p>` : null}</section>` : null}
    <h2>办理过程</h2>
    <${Steps} timeline=${a.timeline || []} />
  </main>`;
}
