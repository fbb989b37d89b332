// The knowledge base: the list of articles, one article with its versions, and the
// form that creates or changes one.
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api } from "../lib/api.js";
import { when } from "../lib/format.js";
import { useLoad } from "../lib/hooks.js";
import { reference, loadReference, departmentName, categoryName, ownerName } from "../lib/reference.js";

const mayEditArticle = (me, article) =>
  me.role === "operator" || me.role === "admin" || (me.role === "department" && article.owner_department_id === me.department);

function ArticleBadges({ article }) {
  return html`${article.in_force === false ? html`<span class="badge warn">不在有效期</span>` : html`<span class="badge">在用</span>`}
    ${article.review_overdue ? html`<span class="badge late">待复核</span>` : null}
    ${article.public === false ? html`<span class="badge">仅内部</span>` : null}`;
}

export function Articles({ me }) {
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

export function ArticleView({ id, me }) {
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

export function ArticleNew({ me }) {
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
