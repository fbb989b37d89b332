// Figures: the platform's rates and rankings, or a department's own week.
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api } from "../lib/api.js";
import { pct } from "../lib/format.js";
import { useLoad } from "../lib/hooks.js";
import { departmentName } from "../lib/reference.js";
import { CategoryBars, TrendChart } from "../lib/trend.js";
import { Exports } from "./exports.js";

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

export function Figures({ me }) {
  const shanghai = new Date(Date.now() + 8 * 3600 * 1000 + new Date().getTimezoneOffset() * 60000);
  const periods = me.role === "department"
    ? { [isoWeek(shanghai)]: "本周" }
    : { [shanghai.toISOString().slice(0, 7)]: "本月", [isoWeek(shanghai)]: "本周" };
  const [period, setPeriod] = useState(Object.keys(periods)[0]);
  const [state] = useLoad(async () => {
    const own = me.role === "department" ? `?department_id=${encodeURIComponent(me.department)}` : "";
    const [stats, rankings, trend] = await Promise.all([
      api("GET", `public/stats?period=${period}`),
      api("GET", `public/rankings?period=${period}`),
      api("GET", `public/trends${own}`), // the 12 months up to this one
    ]);
    return { stats, rankings, trend };
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
      <p class="meta">受理 ${data.stats.counters.submitted || 0} 件，派单 ${data.stats.counters.dispatched || 0} 件，答复 ${data.stats.counters.replied || 0} 件（其中答复质量提示 <span id="reply-flagged">${data.stats.counters.reply_flagged || 0}</span> 件），主动治理 ${(data.stats.channels && data.stats.channels.proactive) || 0} 件。</p>
      ${data.stats.knowledge ? html`<h3>知识库</h3><div class="rates knowledge" id="knowledge-figures">
        <div class="rate"><div class="value" id="center-replied">${data.stats.knowledge.center_replied || 0}</div><div class="name">中心直办（件）</div></div>
        <div class="rate"><div class="value" id="deflected">${data.stats.knowledge.deflected || 0}</div><div class="name">自助解答（次）</div></div>
      </div>
      <p class="meta">中心直办：平台中心依据知识库直接答复的咨询，不派单，不计入各单位的答复与排名；自助解答：群众提交前看了知识库答案、表示已解决的次数。</p>` : null}
      <h3>回访与差评审核</h3><div class="rates" id="callback-figures">
        <div class="rate"><div class="value" id="callbacks-made">${(data.stats.callbacks || {}).made || 0}</div><div class="name">回访（次）</div></div>
        <div class="rate"><div class="value" id="callbacks-reached">${(data.stats.callbacks || {}).reached || 0}</div><div class="name">接通并评价（件）</div></div>
        <div class="rate"><div class="value" id="ratings-excluded">${data.stats.ratings_excluded || 0}</div><div class="name">剔除评价（条）</div></div>
        <div class="rate"><div class="value" id="dispatch-accuracy">${pct(data.stats.rates.dispatch_accuracy)}</div><div class="name">派单准确率</div></div>
      </div>
      <p class="meta">回访接通后记录的满意程度即为评价，计入解决率、满意率；剔除的评价（领导审核决定）在评价所在时段不计入任何比率。</p>` : null}
      <div class="boards">${data.rankings.boards.map(board)}</div>
      <section id="trend" aria-labelledby="trend-title">
        <h3 id="trend-title">${me.role === "department" ? "本单位近一年走势（派单量与按期办结率、三率）" : "近一年走势"}</h3>
        <${TrendChart} trend=${data.trend} volume=${me.role === "department" ? "dispatched" : "submitted"} label=${me.role === "department" ? "派单" : "受理"} />
        ${me.role !== "department" ? html`<h3>各类诉求（近一年，已受理）</h3><${CategoryBars} trend=${data.trend} />` : null}
      </section>
      ${me.role !== "department" ? html`<${Exports} period=${period} />` : null}
    </div>`}
  </section></main>`;
}
