// 导出 Excel: a period's work orders, the bulletin's figures or the rankings, built in the
// background (POST /exports), then read until done (GET /exports/{id}) for its link.
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { api } from "../lib/api.js";

const KINDS = { "work-orders": "工单明细", bulletin: "月度通报（各单位数据）", rankings: "排行榜" };
const STATES = { queued: "排队中", running: "生成中", done: "已生成", failed: "生成失败", expired: "已过期" };
const POLL_MS = 2000;

export function Exports({ period }) {
  const [kind, setKind] = useState("work-orders");
  const [format, setFormat] = useState("xlsx");
  const [asked, setAsked] = useState(period);
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setAsked(period), [period]);
  useEffect(() => {
    if (!record || !["queued", "running"].includes(record.state)) return undefined;
    const timer = setTimeout(async () => {
      try {
        setRecord(await api("GET", `exports/${encodeURIComponent(record.id)}`));
      } catch (e) {
        setError(e);
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [record]);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setRecord(await api("POST", "exports", { kind, period: asked.trim(), format }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section id="exports" aria-labelledby="exports-title">
    <h3 id="exports-title">导出 Excel</h3>
    <form onSubmit=${submit}>
      <label for="export-kind">内容</label>
      <select id="export-kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
        ${Object.entries(KINDS).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
      </select>
      <label for="export-period">时段（月 2026-11、周 2026-W47 或日 2026-11-26）</label>
      <input id="export-period" value=${asked} onInput=${(e) => setAsked(e.target.value)} required />
      <label for="export-format">格式</label>
      <select id="export-format" value=${format} onChange=${(e) => setFormat(e.target.value)}>
        <option value="xlsx">Excel（xlsx）</option><option value="csv">CSV（Excel 可直接打开）</option>
      </select>
      <button type="submit" disabled=${busy}>${busy ? "提交中……" : "导出"}</button>
    </form>
    <${ProblemBox} error=${error} />
    ${record ? html`<p role="status" id="export-state" data-state=${record.state}>
      ${KINDS[record.kind] || record.kind}（${record.period}）：${STATES[record.state] || record.state}
      ${record.state === "done" ? html`，共 ${record.rows} 行。<a id="export-link" href=${record.url} download>下载文件</a>（链接 5 分钟内有效，文件保留 7 天）` : null}
      ${record.state === "failed" ? html`：${record.reason || ""}` : null}
    </p>` : null}
    <p class="meta">联系人姓名和电话一律打码；举报件不含举报人的任何信息。每次导出都有记录。</p>
  </section>`;
}
