// Times in Beijing time and deadlines in words.

const PARTS = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function parts(iso) {
  return Object.fromEntries(PARTS.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
}

// "12月9日 17:30" (with the year when it is not this year's).
export function when(iso) {
  if (!iso) return "—";
  const p = parts(iso);
  const year = parts(new Date().toISOString()).year === p.year ? "" : `${p.year}年`;
  return `${year}${p.month}月${p.day}日 ${p.hour}:${p.minute}`;
}

export const day = (iso) => (iso ? when(iso).split(" ")[0] : "—");

// What is expected next of whom, and by when: "承办单位应于 12月9日 17:30 前答复".
export function deadlineWords(appeal) {
  const due = appeal.deadlines || {};
  const late = (appeal.overdue || []).length > 0;
  switch (appeal.state) {
    case "submitted":
    case "accepted":
    case "returned":
      return "平台中心正在处理，将尽快派给承办单位";
    case "dispatched":
    case "signed":
    case "contacted":
      if (!due.reply_due) return "承办单位正在办理";
      return `承办单位应于 ${when(due.reply_due)} 前答复${late || Date.parse(due.reply_due) < Date.now() ? "（已超期，平台正在督办）" : ""}`;
    case "replied":
      return "已答复：请查看答复并评价；不评价的，7 天后自动办结";
    case "closed":
      return "已办结";
    case "rejected":
      return "平台中心没有受理这条诉求，原因见办理过程";
    case "merged":
      return "与另一条相同的诉求合并办理";
    default:
      return "";
  }
}
