// What the console calls the API's codes: states, kinds, channels, timeline events, roles,
// contact methods and deadline stages; which states are still open; which deadline each
// state runs against.

export const STATE = {
  submitted: "待受理", accepted: "已受理", dispatched: "已派单", signed: "已签收",
  contacted: "已联系", replied: "已答复", closed: "已办结", rejected: "已驳回",
  merged: "已合并", returned: "已退回", transferred: "已即时转办",
};
export const KIND = {
  consultation: "咨询",
  complaint: "投诉",
  suggestion: "建议",
  help: "求助",
  whistleblowing: "举报",
};
export const CHANNEL = {
  app: "APP", wechat: "微信公众号", web: "网站", hotline: "12345热线", mailbox: "区长信箱",
  deputy: "代表委员", open311: "Open311", proactive: "主动治理",
};
export const EVENT = {
  submitted: "提交", accepted: "受理", rejected: "驳回", dispatched: "派单", signed: "签收",
  contacted: "联系群众", replied: "答复", returned: "退回", extension_requested: "申请延期",
  extension_decided: "延期审批", escalated: "提级督办", commented: "点评批示", rated: "评价",
  rework_requested: "要求重办", merged: "合并", closed: "办结", sla_warning: "临期提醒",
  sla_overdue: "超期", media_published: "照片公开设置", citizen_note: "群众补充",
  transferred: "即时转办", urged: "催办", department_note: "办理进展",
  called_back: "回访（未接通）", rating_reviewed: "差评审核",
};
// 回访: what the citizen said, as the API names it, and the score it is recorded as.
export const SATISFACTION = {
  satisfied: "满意（5 分）", basically_satisfied: "基本满意（4 分）", dissatisfied: "不满意（2 分）",
};
export const CALLBACK_ATTEMPTS = 3;
// 不予受理 reasons and 即时转办 targets, as the API names them.
export const REJECT_REASON = {
  out_of_scope: "不属于受理范围", other_procedure: "应通过其他法定途径解决", duplicate: "重复诉求",
  no_content: "无实质内容", abusive: "恶意或辱骂",
};
export const TRANSFER_TARGET = {
  "110": "110 报警服务台", "119": "119 火警", "120": "120 急救中心", "122": "122 交通事故报警",
  other: "其他机关（填写名称）",
};
// Where a department holds a work order: it can be urged (催办).
export const AT_DEPARTMENT = ["dispatched", "signed", "contacted"];
export const ROLE = {
  citizen: "群众", operator: "平台中心", department: "承办单位", leader: "区领导",
  admin: "管理员", system: "系统", deputy: "代表委员",
};
// A staff account's state in the user pool.
export const ACCOUNT_STATUS = {
  FORCE_CHANGE_PASSWORD: "待首次登录", CONFIRMED: "已启用", RESET_REQUIRED: "待重设密码",
  UNCONFIRMED: "未确认", UNKNOWN: "未知",
};
export const OPEN = ["submitted", "accepted", "dispatched", "signed", "contacted", "returned"];
export const CONTACT = { phone: "电话", visit: "上门", sms: "短信", other: "其他" };
export const STAGE_DUE = { dispatched: "sign_due", signed: "contact_due", contacted: "reply_due" };
export const STAGE = { sign_due: "签收", contact_due: "联系", reply_due: "答复" };
