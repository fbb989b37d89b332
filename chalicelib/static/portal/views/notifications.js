// 消息: the citizen's notifications (what a push would say: a reply, a step of their
// appeal), newest first; opening the list marks what it shows read.
import { html, useEffect } from "../vendor/htm-preact.js";
import { api } from "../lib/api.js";
import { ProblemBox } from "../lib/problem.js";
import { when } from "../lib/format.js";
import { useLoad, useTitle } from "../lib/hooks.js";

export async function unreadCount() {
  const page = await api("GET", "me/notifications?limit=100");
  return page.items.filter((n) => !n.read).length;
}

export function Notifications({ onRead }) {
  useTitle("消息");
  const [state] = useLoad(() => api("GET", "me/notifications?limit=50"), []);
  const items = (state.data && state.data.items) || [];
  useEffect(() => {
    const unread = items.filter((n) => !n.read).map((n) => n.id);
    if (unread.length) api("POST", "me/notifications/read", { ids: unread }).then(onRead).catch(() => {});
  }, [state.data]);
  return html`<main id="notifications">
    <h1>消息</h1>
    <${ProblemBox} error=${state.error} />
    ${state.loading ? html`<p>正在加载……</p>` : null}
    ${!state.loading && !items.length && !state.error ? html`<p>暂无消息。</p>` : null}
    <ul class="cards">
      ${items.map((n) => html`<li data-notification=${n.id} class=${n.read ? "" : "unread"}>
        <div class="title">${n.read ? null : html`<span class="dot">未读</span> `}${n.title}</div>
        <p>${n.text}</p>
        <div class="meta">${when(n.at)}${n.appeal_id ? html` · <a href=${`#/mine/${encodeURIComponent(n.appeal_id)}`}>查看诉求</a>` : null}</div>
      </li>`)}
    </ul>
  </main>`;
}
