// The queues: the center's work orders by filter or channel, a department's own by the
// nearest deadline, walked with the keyboard.
import { html, useState, useEffect } from "../vendor/htm-preact.js";
import { STATE, KIND, CHANNEL, STAGE } from "../lib/labels.js";
import { ProblemBox } from "../lib/problem.js";
import { all } from "../lib/api.js";
import { when } from "../lib/format.js";
import { useNow, useLoad } from "../lib/hooks.js";
import { nextDue, isLate, Countdown } from "../lib/deadlines.js";
import { typing } from "../lib/forms.js";
import { loadReference, departmentName } from "../lib/reference.js";

const OPERATOR_FILTERS = [
  { id: "new", label: "新诉求", query: "state=submitted" },
  { id: "accepted", label: "已受理待派", query: "state=accepted" },
  { id: "returned", label: "已退回", query: "state=returned" },
  { id: "overdue", label: "超期", query: "overdue=true" },
  { id: "escalated", label: "督办", query: "escalated=true" },
  { id: "deputy", label: "代表委员", query: "channel=deputy" },
];

async function departmentQueue() {
  const lists = await Promise.all(
    ["dispatched", "signed", "contacted"].map((s) => all(`work-orders?state=${s}`, 3)),
  );
  const items = lists.flat();
  const due = (item) => Date.parse(nextDue(item)[1] || "9999-12-31T00:00:00Z");
  return items.sort((a, b) => due(a) - due(b));
}

export function QueueItem({ item, current, now }) {
  const [key, due] = nextDue(item);
  const late = isLate(item, now);
  return html`<li class=${(current ? "current " : "") + (late ? "overdue" : "")} data-appeal=${item.id}>
    <a href=${`#/appeal/${encodeURIComponent(item.id)}`}>${item.title}</a>
    <div class="meta">
      <span class="badge">${STATE[item.state] || item.state}</span>
      <span class="badge">${KIND[item.kind] || item.kind}</span>
      ${item.channel ? html`<span class="badge">${CHANNEL[item.channel] || item.channel}</span>` : null}
      ${item.escalation ? html`<span class="badge warn">督办 ${item.escalation.level} 级</span>` : null}
      ${late ? html`<span class="badge late">超期</span>` : null}
      ${item.callbacks ? html`<span class="badge">已回访 ${item.callbacks} 次未接通</span>` : null}
      ${item.id} · ${when(item.created_at)}
      ${item.department_id ? ` · ${departmentName(item.department_id)}` : ""}
      ${due ? html` · <${Countdown} due=${due} label=${STAGE[key] + " "} />` : null}
    </div>
  </li>`;
}

export function Queue({ role, queue, setQueue }) {
  const [filter, setFilter] = useState(role === "operator" ? "new" : "mine");
  const [channel, setChannel] = useState("");
  const [cursor, setCursor] = useState(0);
  const now = useNow(30000);
  const [state, reload] = useLoad(async () => {
    await loadReference();
    if (role === "department") return departmentQueue();
    const chosen = channel ? `channel=${channel}` : OPERATOR_FILTERS.find((f) => f.id === filter).query;
    return all(`work-orders?${chosen}`, 2);
  }, [filter, channel]);
  const items = state.data || [];
  useEffect(() => { setQueue(items.map((i) => i.id)); setCursor(0); }, [state.data]);
  useEffect(() => {
    const keys = (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "j" || event.key === "n") setCursor((c) => Math.min(c + 1, items.length - 1));
      else if (event.key === "k") setCursor((c) => Math.max(c - 1, 0));
      else if ((event.key === "Enter" || event.key === "o") && items[cursor]) {
        location.hash = `#/appeal/${encodeURIComponent(items[cursor].id)}`;
      } else return;
      event.preventDefault();
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [items, cursor]);
  const title = role === "department" ? "本单位工单（按最近期限排序）" : "工单队列";
  return html`<main>
    <section class="card" aria-labelledby="queue-title">
      <h2 id="queue-title">${title}</h2>
      ${role === "operator"
        ? html`<div class="filters" role="group" aria-label="队列筛选">
            ${OPERATOR_FILTERS.map((f) => html`<button type="button" aria-pressed=${!channel && filter === f.id ? "true" : "false"}
              onClick=${() => { setChannel(""); setFilter(f.id); }}>${f.label}</button>`)}
            <label class="check" for="channel">按渠道
              <select id="channel" value=${channel} onChange=${(e) => setChannel(e.currentTarget.value)}>
                <option value="">全部</option>
                ${Object.entries(CHANNEL).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
              </select>
            </label>
          </div>`
        : null}
      <${ProblemBox} error=${state.error} />
      ${state.loading ? html`<p class="meta" aria-live="polite">加载中……</p>` : null}
      ${!state.loading && items.length === 0 ? html`<p class="meta">暂无工单。</p>` : null}
      <ul class="queue" id="queue" data-count=${items.length} data-ready=${state.loading ? "false" : "true"}>
        ${items.map((item, i) => html`<${QueueItem} key=${item.id} item=${item} current=${i === cursor} now=${now} />`)}
      </ul>
      <p class="keys">快捷键：<kbd>j</kbd>/<kbd>n</kbd> 下一条，<kbd>k</kbd> 上一条，<kbd>Enter</kbd> 打开；
        详情页 <kbd>n</kbd> 下一条${role === "operator" ? html`，<kbd>a</kbd> 受理，<kbd>d</kbd> 派单` : null}，
        在输入框中按 <kbd>Esc</kbd> 回到快捷键。
        <button class="secondary" type="button" onClick=${reload}>刷新</button></p>
    </section>
  </main>`;
}
