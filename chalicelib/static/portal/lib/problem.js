// Problems (RFC 9457 bodies) as errors, in words a citizen understands: what went wrong and,
// for a form, the message for each field the API names (shown at that field).
import { html } from "../vendor/htm-preact.js";

export class Problem extends Error {
  constructor(body) {
    super(body.detail || body.title || "请求失败");
    this.body = body;
  }
}

const PROBLEM = {
  validation: "填写有误，请按提示修改", conflict: "当前状态不能进行这个操作", "not-found": "没有找到",
  forbidden: "无权进行此操作", unauthenticated: "请先登录", unavailable: "服务暂时不可用，请稍后重试",
  "too-many-requests": "提交太频繁了，请稍后再试", "idempotency-mismatch": "重复提交的内容不一致",
  "payload-too-large": "内容太长了",
};

// The API's messages (English, for integrators) in Chinese.
function message(text) {
  const rules = [
    [/^is required$/, "必填"],
    [/^must not be blank$/, "不能只填空格"],
    [/^must have at least (\d+) character/, (m) => `至少 ${m[1]} 个字`],
    [/^must have at most (\d+) characters/, (m) => `最多 ${m[1]} 个字`],
    [/^must have at most (\d+) items/, (m) => `最多 ${m[1]} 项`],
    [/^must be one of/, "请从选项中选择"],
    [/^is not a known category$/, "没有这个类别，请重新选择"],
    [/^is not an upload of yours$|^was not uploaded$/, "照片没有上传成功，请删除后重新添加"],
    [/^has an invalid format$/, "格式不正确"],
    [/^contains a control character$/, "含有无法识别的字符"],
    [/^must be at (least|most)/, "超出范围"],
  ];
  for (const [pattern, words] of rules) {
    const found = String(text).match(pattern);
    if (found) return typeof words === "function" ? words(found) : words;
  }
  return text;
}

// field -> message, for the form's fields (``media[2]`` counts as ``media``).
export function fieldErrors(error) {
  const out = {};
  for (const e of (error && error.body && error.body.errors) || []) {
    const base = String(e.field).replace(/\[\d+\]$/, "");
    if (!out[base]) out[base] = message(e.message);
  }
  return out;
}

export function ProblemBox({ error, fields = {} }) {
  if (!error) return null;
  const body = error.body || {};
  const slug = String(body.type || "").split(":").pop();
  const others = ((body.errors) || []).filter((e) => !fields[String(e.field).replace(/\[\d+\]$/, "")]);
  return html`<div class="problem" role="alert">
    <strong>${PROBLEM[slug] || body.title || "出错了"}</strong>
    ${body.detail && !PROBLEM[slug] && body.detail !== body.title ? html`<div>${body.detail}</div>` : null}
    ${others.length ? html`<ul>${others.map((e) => html`<li>${e.field}：${message(e.message)}</li>`)}</ul>` : null}
  </div>`;
}
