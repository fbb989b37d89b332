// The public dashboard: everything comes from the public API of this site; user text is
// inserted with textContent, never as HTML.
"use strict";
(function () {
  const BOARDS = { volume: "办件量", overdue_rate: "超期率", return_rate: "退回率", satisfaction: "满意度" };
  const RATES = {
    on_time_completion_rate: "按期办结率",
    response_rate: "响应率",
    resolution_rate: "解决率",
    satisfaction_rate: "满意率",
  };
  // The platform center's own outcomes (GET /public/stats): 即时转办 per target, 回访, 剔除.
  const TRANSFERS = { "110": "110", "119": "119", "120": "120", "122": "122", other: "其他机关" };
  const STATES = { accepted: "已受理", dispatched: "已转办", signed: "已签收", contacted: "已联系",
    replied: "已答复", closed: "已办结", returned: "已退回" };
  let granularity = "month";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function today() {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai",
      year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
    return parts; // YYYY-MM-DD
  }

  function isoWeek(ymd) {
    const [y, m, d] = ymd.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    const weekday = date.getUTCDay() || 7;
    date.setUTCDate(date.getUTCDate() + 4 - weekday);
    const yearStart = new Date(Date.UTC(date.getUTCFullYear(), 0, 1));
    const week = Math.ceil(((date - yearStart) / 86400000 + 1) / 7);
    return date.getUTCFullYear() + "-W" + String(week).padStart(2, "0");
  }

  function period() {
    const day = today();
    if (granularity === "day") return day;
    if (granularity === "week") return isoWeek(day);
    return day.slice(0, 7);
  }

  async function get(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response.json();
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function shown(board, entry) {
    return board === "volume" ? String(entry.value) : percent(entry.value);
  }

  function renderRates(stats) {
    const box = document.getElementById("rates");
    box.replaceChildren();
    for (const [key, name] of Object.entries(RATES)) {
      const card = el("div", { class: "rate", "data-rate": key });
      card.append(el("div", { class: "value" }, percent(stats.rates[key])), el("div", { class: "name" }, name));
      box.append(card);
    }
  }

  function figure(key, value, name) {
    const card = el("div", { class: "rate", "data-figure": key });
    card.append(el("div", { class: "value" }, value), el("div", { class: "name" }, name));
    return card;
  }

  function renderCenter(stats) {
    const box = document.getElementById("center");
    box.replaceChildren();
    const calls = stats.callbacks || { made: 0, reached: 0 };
    const transfers = stats.transfers || {};
    const total = Object.values(transfers).reduce((a, b) => a + b, 0);
    box.append(
      figure("dispatch_accuracy", percent(stats.rates.dispatch_accuracy), "派单准确率"),
      figure("transfers", String(total), "即时转办"),
      figure("callbacks", `${calls.reached} / ${calls.made}`, "回访（接通 / 拨打）"),
      figure("ratings_excluded", String(stats.ratings_excluded || 0), "剔除评价"),
    );
    const list = el("p", { class: "breakdown", id: "transfer-targets" });
    list.textContent = "即时转办去向：" + Object.entries(TRANSFERS)
      .map(([key, name]) => `${name} ${transfers[key] || 0}`).join(" · ");
    box.append(list);
  }

  function renderBoards(data) {
    const box = document.getElementById("boards");
    box.replaceChildren();
    for (const item of data.boards) {
      const section = el("div", { class: "board", "data-board": item.board });
      section.append(el("h3", {}, BOARDS[item.board] || item.board));
      const ranked = item.entries.filter((e) => e.ranked && (item.board !== "volume" || e.value > 0));
      if (!ranked.length) {
        section.append(el("p", { class: "empty" }, "本期暂无排名"));
      } else {
        const table = el("table");
        for (const entry of ranked.slice(0, 10)) {
          const row = el("tr", { "data-department": entry.department_id });
          row.append(el("td", { class: "rank" }, entry.rank), el("td", { class: "name" }, entry.name),
            el("td", { class: "value" }, shown(item.board, entry)));
          table.append(row);
        }
        section.append(table);
      }
      box.append(section);
    }
  }

  function renderChart(volume) {
    const box = document.getElementById("chart");
    box.replaceChildren();
    const days = volume.days;
    const ns = "http://www.w3.org/2000/svg";
    const width = 620, height = 200, left = 30, bottom = 20;
    const max = Math.max(1, ...days.map((d) => Math.max(d.submitted, d.replied)));
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const slot = (width - left) / Math.max(days.length, 1);
    const scale = (v) => ((height - bottom - 10) * v) / max;
    days.forEach((d, i) => {
      [["submitted", "#f59e0b", 0], ["replied", "#b91c1c", 1]].forEach(([key, colour, k]) => {
        const bar = document.createElementNS(ns, "rect");
        const h = scale(d[key]);
        bar.setAttribute("x", String(left + i * slot + k * slot * 0.4 + slot * 0.1));
        bar.setAttribute("y", String(height - bottom - h));
        bar.setAttribute("width", String(slot * 0.38));
        bar.setAttribute("height", String(h));
        bar.setAttribute("fill", colour);
        const title = document.createElementNS(ns, "title");
        title.textContent = `${d.date} ${key === "submitted" ? "受理" : "答复"} ${d[key]}`;
        bar.append(title);
        svg.append(bar);
      });
      if (i % 5 === 0 || i === days.length - 1) {
        const label = document.createElementNS(ns, "text");
        label.setAttribute("x", String(left + i * slot));
        label.setAttribute("y", String(height - 4));
        label.setAttribute("font-size", "11");
        label.setAttribute("fill", "#52606d");
        label.textContent = d.date.slice(8);
        svg.append(label);
      }
    });
    const axis = document.createElementNS(ns, "text");
    axis.setAttribute("x", "0");
    axis.setAttribute("y", "14");
    axis.setAttribute("font-size", "11");
    axis.setAttribute("fill", "#52606d");
    axis.textContent = String(max);
    svg.append(axis);
    const legend = el("p", { class: "legend" });
    legend.append(el("span", { class: "submitted" }), "受理", el("span", { class: "replied" }), "答复");
    box.append(svg, legend);
  }

  // The trend over months (GET /public/trends), drawn as the console and the monthly
  // bulletin draw it: bars for appeals received, lines for the on-time rate and three rates.
  const TREND_RATES = [["on_time_completion_rate", "#2563eb"], ["response_rate", "#059669"],
    ["resolution_rate", "#7c3aed"], ["satisfaction_rate", "#b91c1c"]];
  const NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function swatch(colour, height) {
    const svg = svgEl("svg", { viewBox: "0 0 14 10", "aria-hidden": "true" });
    svg.append(svgEl("rect", { x: 0, y: (10 - height) / 2, width: 14, height, fill: colour }));
    return svg;
  }

  function renderTrend(trend) {
    const box = document.getElementById("trend");
    box.replaceChildren();
    const months = trend.months;
    const W = 400, H = 200, left = 30, right = 34, top = 12, bottom = 22;
    const slot = (W - left - right) / Math.max(months.length, 1);
    const plot = H - top - bottom;
    const largest = Math.max(1, ...months.map((m) => m.submitted));
    const every = Math.max(1, Math.ceil(months.length / 6));
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, "data-months": months.length });
    svg.append(svgEl("line", { x1: left, y1: top + plot, x2: W - right, y2: top + plot, stroke: "#bdbdbd" }));
    svg.append(svgEl("text", { x: left - 4, y: top + 4, "font-size": 11, fill: "#52606d", "text-anchor": "end" }, largest));
    svg.append(svgEl("text", { x: W - right + 4, y: top + 4, "font-size": 11, fill: "#52606d" }, "100%"));
    svg.append(svgEl("text", { x: W - right + 4, y: top + plot, "font-size": 11, fill: "#52606d" }, "0"));
    months.forEach((m, i) => {
      const h = (plot * m.submitted) / largest;
      const bar = svgEl("rect", { class: "bar", "data-month": m.month, "data-value": m.submitted,
        x: (left + i * slot + slot * 0.15).toFixed(1), y: (top + plot - h).toFixed(1),
        width: (slot * 0.7).toFixed(1), height: h.toFixed(1), fill: "#f59e0b", opacity: 0.8 });
      bar.append(svgEl("title", {}, `${m.month} 受理 ${m.submitted}，按期办结率 ${percent(m.rates.on_time_completion_rate)}`));
      svg.append(bar);
      if ((months.length - 1 - i) % every === 0) {
        svg.append(svgEl("text", { x: (left + (i + 0.5) * slot).toFixed(1), y: H - 6, "font-size": 11,
          fill: "#52606d", "text-anchor": "middle" }, m.month.slice(2).replace("-", ".")));
      }
    });
    for (const [key, colour] of TREND_RATES) {
      let points = [];
      const flush = () => {
        if (points.length) svg.append(svgEl("polyline", { class: "line", "data-rate": key, points: points.join(" "),
          fill: "none", stroke: colour, "stroke-width": 2 }));
        for (const point of points) {
          const [cx, cy] = point.split(",");
          svg.append(svgEl("circle", { cx, cy, r: 2.5, fill: colour }));
        }
        points = [];
      };
      months.forEach((m, i) => {
        const value = m.rates[key];
        if (value === null || value === undefined) { flush(); return; }
        points.push(`${(left + (i + 0.5) * slot).toFixed(1)},${(top + plot * (1 - value)).toFixed(1)}`);
      });
      flush();
    }
    const legend = el("p", { class: "legend" });
    const item = (colour, height, name) => {
      const span = el("span", { class: "item" });
      span.append(swatch(colour, height), name);
      return span;
    };
    legend.append(item("#f59e0b", 10, "受理"));
    for (const [key, colour] of TREND_RATES) legend.append(" ", item(colour, 3, RATES[key]));
    box.append(svg, legend);
  }

  function renderCategories(trend) {
    const box = document.getElementById("categories");
    box.replaceChildren();
    const shown = trend.categories.slice(0, 8);
    if (!shown.length) { box.append(el("p", { class: "empty" }, "暂无已受理诉求")); return; }
    const largest = Math.max(1, ...shown.map((c) => c.total));
    const row = 22, W = 400, labelWidth = 120;
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${shown.length * row + 4}` });
    shown.forEach((c, i) => {
      const w = ((W - labelWidth - 40) * c.total) / largest;
      const g = svgEl("g", { "data-category": c.code });
      g.append(svgEl("text", { x: labelWidth - 6, y: i * row + 15, "font-size": 12, fill: "#1f2933", "text-anchor": "end" },
        c.name.length > 9 ? c.name.slice(0, 9) + "…" : c.name));
      const bar = svgEl("rect", { x: labelWidth, y: i * row + 4, width: w.toFixed(1), height: 14, fill: "#1565c0" });
      bar.append(svgEl("title", {}, `${c.name} ${c.total}`));
      g.append(bar, svgEl("text", { x: (labelWidth + w + 4).toFixed(1), y: i * row + 15, "font-size": 12, fill: "#52606d" }, c.total));
      svg.append(g);
    });
    box.append(svg);
  }

  function renderTopics(data) {
    const list = document.getElementById("topics");
    list.replaceChildren();
    if (!data.topics.length) list.append(el("li", {}, "本期暂无热点（至少 3 位市民提及）"));
    for (const topic of data.topics.slice(0, 12)) {
      list.append(el("li", {}, `${topic.word}（${topic.citizens} 人）`));
    }
  }

  function renderFeed(data) {
    const list = document.getElementById("feed");
    list.replaceChildren();
    if (!data.items.length) list.append(el("li", {}, "暂无公开答复"));
    for (const item of data.items) {
      const row = el("li", { "data-appeal": item.id });
      const link = el("a", { href: "#appeal=" + encodeURIComponent(item.id) }, item.title);
      const meta = el("div", { class: "meta" },
        `${item.department || "—"} · ${STATES[item.state] || item.state} · ${item.created_at.slice(0, 10)} · 附议 ${item.supporters}`);
      row.append(link, meta);
      list.append(row);
    }
  }

  async function showDetail(id) {
    const section = document.getElementById("detail");
    const body = document.getElementById("detail-body");
    body.replaceChildren();
    section.hidden = false;
    try {
      const appeal = await get("public/appeals/" + encodeURIComponent(id));
      body.append(el("h3", {}, appeal.title), el("p", {}, appeal.content),
        el("p", { class: "sub" }, `${appeal.department || "—"} · ${STATES[appeal.state] || appeal.state} · 附议 ${appeal.supporters}`));
      const reply = appeal.reply && (appeal.reply.public_reply || appeal.reply.content);
      if (reply) body.append(el("div", { class: "reply" }, reply));
      const steps = el("ol", { class: "steps" });
      for (const step of appeal.timeline || []) steps.append(el("li", {}, `${step.at.slice(0, 16).replace("T", " ")} ${STATES[step.type] || step.type}`));
      body.append(steps);
      section.scrollIntoView();
    } catch (error) {
      body.append(el("p", {}, "未找到该公开诉求"));
    }
  }

  async function refresh() {
    const p = period();
    document.getElementById("period-label").textContent = "统计周期：" + p;
    for (const button of document.querySelectorAll("#periods button")) {
      button.setAttribute("aria-pressed", String(button.dataset.granularity === granularity));
    }
    const [boards, stats] = await Promise.all([
      get("public/rankings?period=" + encodeURIComponent(p)),
      get("public/stats?period=" + encodeURIComponent(p)),
    ]);
    renderBoards(boards);
    renderRates(stats);
    renderCenter(stats);
    renderTopics(await get("public/hot-topics?period=" + encodeURIComponent(p)));
    document.body.dataset.period = p;
  }

  async function start() {
    for (const button of document.querySelectorAll("#periods button")) {
      button.addEventListener("click", () => {
        granularity = button.dataset.granularity;
        refresh();
      });
    }
    window.addEventListener("hashchange", route);
    await refresh();
    renderChart(await get("public/daily-volume"));
    const trend = await get("public/trends");
    renderTrend(trend);
    renderCategories(trend);
    renderFeed(await get("public/appeals?replied=true&limit=20"));
    route();
    document.body.dataset.ready = "true";
  }

  function route() {
    const match = /^#appeal=(.+)$/.exec(window.location.hash);
    if (match) showDetail(decodeURIComponent(match[1]));
    else document.getElementById("detail").hidden = true;
  }

  start();
})();
