// The center's direct reply (直办) to a consultation from a knowledge-base article.
import { html, useState, useRef } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api } from "../lib/api.js";
import { useLoad } from "../lib/hooks.js";
import { clean, ActionForm } from "../lib/forms.js";
import { categoryName, ownerName } from "../lib/reference.js";
import { Marked } from "../lib/highlight.js";

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

export function DirectReply({ appeal, done }) {
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
