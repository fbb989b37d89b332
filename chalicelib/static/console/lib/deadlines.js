// An appeal's next deadline, whether it is late, and the countdown to it.
import { html } from "../vendor/htm-preact.js";
import { STAGE_DUE } from "./labels.js";
import { useNow } from "./hooks.js";

export function nextDue(item) {
  const key = STAGE_DUE[item.state];
  return key && item.deadlines ? [key, item.deadlines[key]] : [null, null];
}

export function isLate(item, now) {
  const [, due] = nextDue(item);
  return (item.overdue && item.overdue.length > 0) || (due && Date.parse(due) < now);
}

function span(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return `${days}天${hours}小时`;
  if (hours) return `${hours}小时${String(rest).padStart(2, "0")}分`;
  const seconds = Math.floor(Math.abs(ms) / 1000) % 60;
  return `${rest}分${String(seconds).padStart(2, "0")}秒`;
}

export function Countdown({ due, label }) {
  const now = useNow();
  if (!due) return null;
  const left = Date.parse(due) - now;
  const late = left < 0;
  return html`<span class=${"countdown" + (late ? " late" : "")}>
    ${label ? label : ""}${late ? `超期 ${span(left)}` : `剩余 ${span(left)}`}</span>`;
}
