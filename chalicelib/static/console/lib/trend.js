// Trend charts over months (GET /public/trends), inline SVG as the dashboard's and the
// monthly bulletin's: bars for appeals received (left axis), lines for the on-time rate and
// the three rates (right axis, 0–100 %), and the categories' volumes as horizontal bars.
import { html } from "../vendor/htm-preact.js";
import { pct } from "./format.js";

export const TREND_RATES = [
  ["on_time_completion_rate", "按期办结率", "#2563eb"],
  ["response_rate", "响应率", "#059669"],
  ["resolution_rate", "解决率", "#7c3aed"],
  ["satisfaction_rate", "满意率", "#b91c1c"],
];
// A legend's colour sample (SVG: the console's policy allows no inline style).
const swatch = (colour, height) => html`<svg class="swatch" viewBox="0 0 14 10" aria-hidden="true"><rect x="0" y=${(10 - height) / 2} width="14" height=${height} fill=${colour} /></svg>`;
const W = 400, H = 200, LEFT = 30, RIGHT = 34, TOP = 12, BOTTOM = 22;

export function TrendChart({ trend, volume = "submitted", label = "受理" }) {
  const months = trend.months;
  const slot = (W - LEFT - RIGHT) / Math.max(months.length, 1);
  const plot = H - TOP - BOTTOM;
  const largest = Math.max(1, ...months.map((m) => m[volume]));
  const every = Math.max(1, Math.ceil(months.length / 6));
  const lines = TREND_RATES.map(([key, name, colour]) => {
    const segments = [[]];
    months.forEach((m, i) => {
      const value = m.rates[key];
      if (value === null || value === undefined) { segments.push([]); return; }
      segments[segments.length - 1].push([(LEFT + (i + 0.5) * slot).toFixed(1), (TOP + plot * (1 - value)).toFixed(1)]);
    });
    return { key, name, colour, segments: segments.filter((s) => s.length) };
  });
  return html`<figure class="trend" data-months=${months.length}>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${`${trend.from}—${trend.to} 每月${label}量与按期办结率、响应率、解决率、满意率`}>
      <line x1=${LEFT} y1=${TOP + plot} x2=${W - RIGHT} y2=${TOP + plot} stroke="#bdbdbd" />
      <text x=${LEFT - 4} y=${TOP + 4} font-size="11" fill="#52606d" text-anchor="end">${largest}</text>
      <text x=${W - RIGHT + 4} y=${TOP + 4} font-size="11" fill="#52606d">100%</text>
      <text x=${W - RIGHT + 4} y=${TOP + plot} font-size="11" fill="#52606d">0</text>
      ${months.map((m, i) => {
        const h = (plot * m[volume]) / largest;
        return html`<rect class="bar" data-month=${m.month} data-value=${m[volume]} x=${(LEFT + i * slot + slot * 0.15).toFixed(1)} y=${(TOP + plot - h).toFixed(1)} width=${(slot * 0.7).toFixed(1)} height=${h.toFixed(1)} fill="#f59e0b" opacity="0.8"><title>${m.month} ${label} ${m[volume]}，${TREND_RATES.map(([k, n]) => `${n} ${pct(m.rates[k])}`).join("，")}</title></rect>`;
      })}
      ${lines.map((line) => line.segments.map((points) => html`<polyline class="line" data-rate=${line.key} points=${points.map((p) => p.join(",")).join(" ")} fill="none" stroke=${line.colour} stroke-width="2" />
        ${points.map(([x, y]) => html`<circle cx=${x} cy=${y} r="2.5" fill=${line.colour} />`)}`))}
      ${months.map((m, i) => ((months.length - 1 - i) % every === 0
        ? html`<text x=${(LEFT + (i + 0.5) * slot).toFixed(1)} y=${H - 6} font-size="11" fill="#52606d" text-anchor="middle">${m.month.slice(2).replace("-", ".")}</text>`
        : null))}
    </svg>
    <figcaption class="legend"><span class="item">${swatch("#f59e0b", 10)}${label}</span>${lines.map((l) => html` <span class="item">${swatch(l.colour, 3)}${l.name}</span>`)}</figcaption>
  </figure>`;
}

export function CategoryBars({ trend, limit = 8 }) {
  const shown = trend.categories.slice(0, limit);
  if (!shown.length) return html`<p class="meta">所选月份暂无已受理诉求。</p>`;
  const largest = Math.max(1, ...shown.map((c) => c.total));
  const row = 22, width = 400, labelWidth = 120;
  return html`<svg class="categories" viewBox="0 0 ${width} ${shown.length * row + 4}" role="img" aria-label="各类诉求数量">
    ${shown.map((c, i) => {
      const w = ((width - labelWidth - 40) * c.total) / largest;
      return html`<g data-category=${c.code}>
        <text x=${labelWidth - 6} y=${i * row + 15} font-size="12" fill="#1f2933" text-anchor="end">${c.name.length > 9 ? `${c.name.slice(0, 9)}…` : c.name}</text>
        <rect x=${labelWidth} y=${i * row + 4} width=${w.toFixed(1)} height="14" fill="#1565c0"><title>${c.name} ${c.total}</title></rect>
        <text x=${(labelWidth + w + 4).toFixed(1)} y=${i * row + 15} font-size="12" fill="#52606d">${c.total}</text>
      </g>`;
    })}
  </svg>`;
}
