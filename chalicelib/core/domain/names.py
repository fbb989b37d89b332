"""The product's Chinese names of its codes (channels, kinds, states, deadline stages, the
four boards), as reports, exports and replies to citizens print them: one table each."""

from __future__ import annotations

from chalicelib.core.domain.appeal import Channel, Kind, State

CHANNEL_NAMES = {
    Channel.APP: "手机App",
    Channel.WECHAT: "微信公众号",
    Channel.WEB: "PC网站",
    Channel.HOTLINE: "12345热线",
    Channel.MAILBOX: "区长信箱",
    Channel.DEPUTY: "代表委员",
    Channel.OPEN311: "Open311",
    Channel.PROACTIVE: "主动治理",
}
KIND_NAMES = {
    Kind.CONSULTATION: "咨询",
    Kind.COMPLAINT: "投诉",
    Kind.SUGGESTION: "建议",
    Kind.HELP: "求助",
    Kind.WHISTLEBLOWING: "举报",
}
STATE_NAMES = {
    State.SUBMITTED: "待受理",
    State.ACCEPTED: "已受理",
    State.DISPATCHED: "已派单",
    State.SIGNED: "已签收",
    State.CONTACTED: "已联系",
    State.REPLIED: "已答复",
    State.CLOSED: "已办结",
    State.REJECTED: "不予受理",
    State.MERGED: "已合并",
    State.RETURNED: "已退回",
    State.TRANSFERRED: "已转办",
}
STAGE_NAMES = {"sign": "签收", "contact": "联系", "reply": "答复"}
BOARD_NAMES = {
    "volume": "办件量",
    "overdue_rate": "超期率",
    "return_rate": "退回率",
    "satisfaction": "满意度",
}
