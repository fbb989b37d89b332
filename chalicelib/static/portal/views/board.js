// 公开留言: the public board, newest first, filtered by category and department; each
// appeal's public page shows its masked text, the public reply, the rating and 附议 (for a
// signed-in citizen).
import { html, useState, useEffect, useRef } from "../vendor/htm-preact.js";
import { api } from "../lib/api.js";
import { Problem, ProblemBox } from "../lib/problem.js";
import { STATE, KIND, PUBLIC_EVENT, SCORES } from "../lib/labels.js";
import { when, day } from "../lib/format.js";
import { useLoad, useTitle } from "../lib/hooks.js";
import { loadReference, categoryGroups, categoryName, reference } from "../lib/reference.js";
import { session } from "../lib/session.js";

export function Board({ query }) {
  useTitle("公开留言");
  const [filters, setFilters] = useState({ category: query.get("category") || "", department_id: query.get("department_id") || "" });
  const [ready, setReady] = useState(false);
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  useEffect(() => { loadReference().then(() => setReady(true)).catch(setError); }, []);
  const path = (next) => {
    const params = new URLSearchParams({ limit: "20" });
    if (filters.category) params.set("category", filters.category);
    if (filters.department_id) params.set("department_id", filters.department_id);
    if (next) params.set("cursor", next);
    return `public/appeals?${params}`;
  };
  // Only the answer to the latest request is shown (a filter changed twice quickly).
  const load = async (next) => {
    const mine = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      // A filtered page may hold fewer items than asked for, even none, and still go on:
      // read on (a few pages at most) until there is something to show.
      let page = await api("GET", path(next), undefined, { anonymous: true });
      const found = [...page.items];
      for (let more = 0; !found.length && page.next_cursor && more < 3; more++) {
        page = await api("GET", path(page.next_cursor), undefined, { anonymous: true });
        found.push(...page.items);
      }
      if (mine !== latest.current) return;
      setItems((old) => (next ? [...old, ...found] : found));
      setCursor(page.next_cursor);
    } catch (e) {
      if (mine === latest.current) setError(e);
    } finally {
      if (mine === latest.current) setLoading(false);
    }
  };
  useEffect(() => { load(null); }, [filters.category, filters.department_id]);
  const choose = (name) => (event) => setFilters((f) => ({ ...f, [name]: event.currentTarget.value }));
  return html`<main id="board">
    <h1>公开留言</h1>
    <p class="lead">群众公开的留言和答复（个人信息已隐去）。有同样问题？登录后可以“附议”。</p>
    <form class="filters" role="search" aria-label="筛选留言" onSubmit=${(e) => e.preventDefault()}>
      <div class="field">
        <label for="filter-category">类别</label>
        <select id="filter-category" value=${filters.category} onChange=${choose("category")}>
          <option value="">全部类别</option>
          ${ready ? categoryGroups().map(([group, list]) => html`<optgroup label=${group}>${list.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</optgroup>`) : null}
        </select>
      </div>
      <div class="field">
        <label for="filter-department">承办单位</label>
        <select id="filter-department" value=${filters.department_id} onChange=${choose("department_id")}>
          <option value="">全部单位</option>
          ${ready ? reference.departments.map((d) => html`<option value=${d.id}>${d.name}</option>`) : null}
        </select>
      </div>
    </form>
    <${ProblemBox} error=${error} />
    <ul class="cards" id="feed">
      ${items.map((a) => html`<li data-appeal=${a.id} data-state=${a.state}>
        <a href=${`#/appeal/${encodeURIComponent(a.id)}`}><span class="title">${a.title}</span></a>
        <div class="meta"><span class=${"badge " + a.state}>${STATE[a.state] || a.state}</span> ${KIND[a.kind] || a.kind} · ${categoryName(a.category)}${a.department ? ` · ${a.department}` : ""} · ${day(a.created_at)}</div>
        <div class="meta">${a.replied ? "已答复" : "办理中"} · 附议 <span class="supporters">${a.supporters || 0}</span> 人</div>
      </li>`)}
    </ul>
    ${loading ? html`<p>正在加载……</p>` : null}
    ${!loading && !items.length && !error ? html`<p>${cursor ? "最近没有符合条件的公开留言。" : "没有符合条件的公开留言。"}</p>` : null}
    ${cursor && !loading ? html`<button type="button" class="secondary" onClick=${() => load(cursor)}>${items.length ? "加载更多" : "查看更早的留言"}</button>` : null}
  </main>`;
}

export function PublicAppeal({ id }) {
  useTitle("留言详情");
  const [state] = useLoad(() => Promise.all([api("GET", `public/appeals/${encodeURIComponent(id)}`, undefined, { anonymous: true }), loadReference().catch(() => null)]).then(([a]) => a), [id]);
  const [support, setSupport] = useState(null);
  const [error, setError] = useState(null);
  const a = state.data;
  if (state.error) return html`<main id="public-appeal"><h1>留言详情</h1><${ProblemBox} error=${state.error} /><p><a href="#/">返回公开留言</a></p></main>`;
  if (!a) return html`<main id="public-appeal"><h1>留言详情</h1><p>正在加载……</p></main>`;
  const supporters = support ? support.supporters : a.supporters || 0;
  const second = async () => {
    setError(null);
    try {
      setSupport(await api("PUT", `appeals/${encodeURIComponent(a.id)}/support`));
    } catch (e) {
      // The API refuses a citizen's support of their own appeal (409).
      setError(e.body && e.body.status === 409 ? new Problem({ title: "这是您自己的留言，无需附议" }) : e);
    }
  };
  const withdraw = async () => {
    setError(null);
    try {
      setSupport(await api("DELETE", `appeals/${encodeURIComponent(a.id)}/support`));
    } catch (e) {
      setError(e);
    }
  };
  const score = a.rating && SCORES.find(([s]) => s === a.rating.score);
  return html`<main id="public-appeal" data-appeal=${a.id} data-state=${a.state}>
    <p><a href="#/">‹ 公开留言</a></p>
    <h1 id="appeal-title">${a.title}</h1>
    <p class="status"><span class=${"badge " + a.state}>${STATE[a.state] || a.state}</span> ${KIND[a.kind] || a.kind} · ${categoryName(a.category)}${a.department ? ` · 承办单位：${a.department}` : ""}</p>
    <dl class="facts">
      <dt>编号</dt><dd>${a.id}</dd>
      <dt>留言时间</dt><dd>${when(a.created_at)}</dd>
      ${a.location && a.location.address ? html`<dt>地点</dt><dd>${a.location.address}</dd>` : null}
    </dl>
    <h2>留言内容</h2>
    <p class="content" id="content">${a.content}</p>
    ${a.reply ? html`<section id="reply" class="card reply" aria-labelledby="reply-title">
      <h2 id="reply-title">答复</h2>
      <p class="content">${a.reply.public_reply}</p>
      <p class="small">${a.department || ""} · ${when(a.reply.at)}</p>
    </section>` : null}
    ${score ? html`<p id="public-rating">群众评价：${score[1]}（${a.rating.score} 分）${a.rating.resolved === true ? " · 问题已解决" : a.rating.resolved === false ? " · 问题未解决" : ""}</p>` : null}
    <section class="card support" aria-labelledby="support-title">
      <h2 id="support-title">附议</h2>
      <p>已有 <strong id="supporters">${supporters}</strong> 位群众附议（遇到同样的问题）。</p>
      ${session
        ? support && support.supporting
          ? html`<p role="status">您已附议。</p><button type="button" class="secondary" onClick=${withdraw}>取消附议</button>`
          : html`<button type="button" class="primary" onClick=${second}>附议</button>`
        : html`<p><a href=${`#/sign-in?next=${encodeURIComponent("#/appeal/" + a.id)}`}>登录后附议</a></p>`}
      <${ProblemBox} error=${error} />
    </section>
    <h2>办理过程</h2>
    <ol class="steps">
      ${(a.timeline || []).map((e) => html`<li data-event=${e.type}><strong>${PUBLIC_EVENT[e.type] || e.type}</strong> <time datetime=${e.at}>${when(e.at)}</time></li>`)}
    </ol>
  </main>`;
}
