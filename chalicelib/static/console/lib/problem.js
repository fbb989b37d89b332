// Problems (RFC 9457 bodies, application/problem+json) as errors, and the box that shows
// one: its kind in words, its detail, each field that was wrong and the state it met.
import { html } from "../vendor/htm-preact.js";
import { STATE } from "./labels.js";

export class Problem extends Error {
  constructor(body) {
    super(body.detail || body.title || "请求失败");
    this.body = body;
  }
}

const PROBLEM = {
  validation: "填写有误", conflict: "当前状态不允许此操作", "not-found": "未找到",
  forbidden: "无权进行此操作", unauthenticated: "登录已失效", unavailable: "服务暂不可用，请稍后重试",
  "idempotency-mismatch": "重复提交的内容不一致", "account-disabled": "账号已停用或已下线",
  "mfa-required": "请先设置两步验证", "last-admin": "至少要保留一名启用中的管理员",
};
const FIELD = {
  content: "内容", handler_name: "经办人", handler_phone: "经办人电话", public_reply: "公开答复",
  reason: "理由", department_id: "承办单位", co_department_ids: "协办单位", note: "说明",
  into: "并入的诉求编号", level: "督办级别", days: "延期工作日", method: "联系方式",
  text: "批示内容", category: "类别", kind: "类型", approve: "决定", name: "名称",
  holidays: "法定节假日", workdays: "调休上班日", daily: "日报接收人",
  default_department: "默认单位", auto_dispatch: "自动派单",
  article_id: "知识库文章", q: "搜索词", title: "标题", questions: "常见问法", answer: "答案",
  owner_department_id: "所属单位", valid_from: "生效日期", valid_to: "失效日期",
  review_at: "复核日期", public: "向群众公开", version: "版本",
  username: "用户名", role: "角色", email: "邮箱", phone: "手机号", file: "文件", row: "行",
};

function fieldName(field) {
  const base = String(field).replace(/\[\d+\]$/, "");
  return FIELD[base] ? `${FIELD[base]}（${field}）` : field;
}

export function ProblemBox({ error }) {
  if (!error) return null;
  const body = error.body || {};
  const slug = String(body.type || "").split(":").pop();
  return html`<div class="problem" role="alert">
    <strong>${PROBLEM[slug] || body.title || "出错了"}</strong>${body.detail && body.detail !== body.title ? `：${body.detail}` : ""}
    ${body.errors && body.errors.length
      ? html`<ul>${body.errors.map((e) => html`<li data-row=${e.row}>${e.row ? `第 ${e.row} 行 · ` : ""}${fieldName(e.field)}：${e.message}</li>`)}</ul>`
      : null}
    ${body.state ? html`<div>当前状态：${STATE[body.state] || body.state}</div>` : null}
  </div>`;
}
