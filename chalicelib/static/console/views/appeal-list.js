// Leaders' lists: supervision (escalated, overdue, deputies') and the appeals they follow;
// a view's further sections (the early-warning alerts) follow the list.
import { html } from "../vendor/htm-preact.js";
import { ProblemBox } from "../lib/problem.js";
import { all } from "../lib/api.js";
import { useNow, useLoad } from "../lib/hooks.js";
import { loadReference } from "../lib/reference.js";
import { QueueItem } from "./queue.js";

export function AppealList({ title, id, path, children }) {
  const now = useNow(30000);
  const [state] = useLoad(async () => { await loadReference(); return all(path, 3); }, [path]);
  const items = state.data || [];
  return html`<main><section class="card" aria-labelledby=${id + "-title"}>
    <h2 id=${id + "-title"}>${title}</h2>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p class="meta">加载中……</p>` : null}
    ${!state.loading && !items.length ? html`<p class="meta">暂无。</p>` : null}
    <ul class="queue" id=${id} data-ready=${state.loading ? "false" : "true"}>
      ${items.map((item) => html`<${QueueItem} key=${item.id} item=${item} now=${now} />`)}
    </ul>
  </section>${children}</main>`;
}
