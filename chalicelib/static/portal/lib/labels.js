// The API's codes in the words citizens read.

export const STATE = {
  submitted: "待受理", accepted: "已受理", dispatched: "办理中", signed: "办理中",
  contacted: "办理中", replied: "已答复", closed: "已办结", rejected: "不予受理",
  merged: "已合并", returned: "重新派单中", transferred: "已转办",
};
// What each kind is for, beside its name (the form explains the choice).
export const KINDS = [
  ["consultation", "咨询", "问政策、问办事流程，多数可以从知识库直接得到答案，1 个工作日内答复"],
  ["complaint", "投诉", "反映侵害自身权益或公共利益的问题，需要有关单位查处，3 个工作日内答复"],
  ["suggestion", "建议", "对政府工作、城市管理提出意见和建议，5 个工作日内答复"],
  ["help", "求助", "生活中遇到困难需要政府部门帮助解决，3 个工作日内答复"],
  ["whistleblowing", "举报", "举报违法违规行为，举报人信息严格保密（承办单位看不到您的姓名和电话），不会公开，5 个工作日内答复"],
];
export const KIND = Object.fromEntries(KINDS.map(([code, name]) => [code, name]));
export const EVENT = {
  submitted: "提交诉求", accepted: "平台受理", rejected: "不予受理", dispatched: "派单至承办单位",
  signed: "承办单位签收", contacted: "承办单位联系了您", replied: "答复", returned: "重新派单",
  extension_decided: "办理期限调整", rated: "评价", rework_requested: "要求重新办理", merged: "合并办理",
  closed: "办结", citizen_note: "补充情况", transferred: "即时转办",
};
// The same steps as anyone reads them on a public appeal (not addressed to its author).
export const PUBLIC_EVENT = { ...EVENT, contacted: "承办单位联系诉求人" };
export const CONTACT = { phone: "电话", visit: "上门", sms: "短信", other: "其他方式" };
export const SCORES = [[5, "满意"], [4, "基本满意"], [3, "一般"], [2, "不满意"], [1, "很不满意"]];
export const OPEN = ["submitted", "accepted", "dispatched", "signed", "contacted", "returned"];
