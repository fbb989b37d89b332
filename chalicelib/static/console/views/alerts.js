// Early-warning alerts (未诉先办) in the supervision view: a topic or category rising in a
// town or street this week against the 8 weeks before (counts only, never a name). The
// center marks one acted on, with a note or by dispatching a proactive work order (主动治理).
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api, all } from "../lib/api.js";
import { useLoad } from "../lib/hooks.js";
import { formData } from "../lib/forms.js";
import { reference, loadReference, departmentName } from "../lib/reference.js";

const DIMENSION = { word: "话题", category: "类别" };

// The 8 weeks before and this one, as bars (inline SVG, no script of its own).
function Weeks({ baseline, citizens }) {
  const values = [...baseline, citizens];
  const top = Math.max(...values, 1);
  const w = 12, gap = 3, h = 28;
  return html`<svg class="weeks" width=${values.length * (w + gap)} height=${h} role="img"
      aria-label=${`此前8周：${baseline.join("、")}；本周：${citizens}`}>
    ${values.map((v, i) => {
      const bar = Math.max(1, Math.round((v / top) * (h - 2)));
      const last = i === values.length - 1;
      return html`<rect x=${i * (w + gap)} y=${h - bar} width=${w} height=${bar}
        fill=${last ? "#b91c1c" : "#cbd2d9"}><title>${last ? "本周" : `前${values.length - 1 - i}周`}：${v}</title></rect>`;
    })}
  </svg>`;
}

function Act({ alert, onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const send = (path, toBody) => async (event) => {
    const data = formData(event);
    setBusy(true);
    setError(null);
    try {
      onDone(await api("POST", `alerts/${encodeURIComponent(alert.id)}/${path}`, toBody(data)));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const units = reference.departments.filter((d) => d.active !== false);
  return html`<div class="alert-act">
    <form class="inline" onSubmit=${send("act", (d) => ({ note: d.note }))} data-act="note">
      <input name="note" type="text" placeholder="处置说明（如：已通知属地排查）" aria-label="处置说明" />
      <button class="secondary" type="submit" disabled=${busy}>标记已处置</button>
    </form>
    <form class="inline" onSubmit=${send("work-order", (d) => ({ department_id: d.department_id }))} data-act="work-order">
      <select name="department_id" aria-label="主动治理承办单位">
        <option value="">选择承办单位……</option>
        ${units.map((d) => html`<option value=${d.id} selected=${d.id === alert.place_id}>${d.name}</option>`)}
      </select>
      <button class="secondary" type="submit" disabled=${busy}>派发主动治理工单</button>
    </form>
    <${ProblemBox} error=${error} />
  </div>`;
}

function Done({ action }) {
  if (!action) return null;
  if (action.type === "work_order") {
    return html`<p class="meta">已派发主动治理工单${" "}
      <a href=${"#/appeal/" + encodeURIComponent(action.appeal_id)}>${action.appeal_id}</a>${" "}
      至 ${departmentName(action.department_id)}</p>`;
  }
  return html`<p class="meta">已处置：${action.note}</p>`;
}

export function Alerts({ me }) {
  const [state, reload] = useLoad(async () => { await loadReference(); return all("alerts", 2); }, []);
  const items = state.data || [];
  return html`<section class="card" aria-labelledby="alerts-title">
    <h2 id="alerts-title">未诉先办预警</h2>
    <p class="meta">某镇街本周反映同一话题或类别的不同市民明显多于此前 8 周（以此前 8 周周均为率的泊松上尾概率低于 0.01，且至少 5 人）。</p>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p class="meta">加载中……</p>` : null}
    ${!state.loading && !items.length ? html`<p class="meta">暂无预警。</p>` : null}
    <ul class="queue alerts" id="alerts" data-ready=${state.loading ? "false" : "true"}>
      ${items.map((a) => html`<li key=${a.id} data-alert=${a.id} class=${a.state === "open" ? "overdue" : ""}>
        <div><strong>${a.place_name}</strong> · ${DIMENSION[a.dimension] || a.dimension}“${a.label}”
          <span class=${"badge" + (a.state === "open" ? " late" : "")}>${a.state === "open" ? "待处置" : "已处置"}</span></div>
        <div class="meta">${a.week} · 本周 ${a.citizens} 位市民 · 此前 8 周周均 ${a.rate} · ${a.p_value < 0.001 ? "p<0.001" : `p=${a.p_value}`}</div>
        <${Weeks} baseline=${a.baseline || []} citizens=${a.citizens} />
        ${a.state === "open" && me.role === "operator" ? html`<${Act} alert=${a} onDone=${reload} />` : html`<${Done} action=${a.action} />`}
      </li>`)}
    </ul>
  </section>`;
}
