"""The SMS rating page (``/r/{token}``): a caller without the app reads the reply and rates
it once. A plain HTML form, no script; the token is the only credential."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from chalicelib.core.errors import DomainError, PayloadTooLarge, ValidationFailed
from chalicelib.core.http.base import api
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 4096
STYLE = (
    "body{font:16px/1.6 system-ui,'Noto Sans CJK SC',sans-serif;margin:0;color:#1a1a1a;"
    "background:#f5f6f8}main{max-width:34rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.3rem}h2{font-size:1.1rem;margin:.2rem 0}h3{font-size:1rem;margin:.8rem 0 0}"
    "section,form{background:#fff;border-radius:8px;padding:1rem;margin:0 0 1rem}"
    ".case{color:#555;margin:0}.reply{white-space:pre-wrap}"
    "fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.3rem}"
    "fieldset label{display:block;padding:.35rem 0}"
    "textarea{width:100%;box-sizing:border-box;font:inherit;margin:.3rem 0 1rem}"
    "button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#0b5cad;"
    "color:#fff}button:focus,input:focus,textarea:focus{outline:3px solid #f0a500}"
    ".message{background:#fff;border-left:4px solid #0b5cad;padding:.6rem 1rem}"
    ".errors{background:#fff3f3;border-left:4px solid #b00020;padding:.6rem 2rem}"
)
SCORES = ((5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"))
LABELS = {"score": "评分", "resolved": "是否解决", "comment": "意见", "token": "链接"}


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


@cache
def _template() -> Any:
    import jinja2

    from chalicelib.figures.services.report_render import TEMPLATES

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES.parent / "pages")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("rating.html")


def _page(status: int, heading: str, **context: Any) -> Response:
    html = _template().render(
        heading=heading,
        style=STYLE,
        scores=SCORES,
        labels=LABELS,
        message=context.get("message"),
        errors=context.get("errors") or [],
        appeal=context.get("appeal"),
        form=context.get("form", False),
    )
    return Response(
        body=html,
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": _csp(),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
        },
    )


def _refused(error: DomainError, appeal: dict[str, Any] | None = None) -> Response:
    if error.status >= 500:
        logger.exception("rating page failed")
        return _page(503, "暂时无法处理", message="系统繁忙，请稍后再试。")
    if isinstance(error, ValidationFailed):
        return _page(400, "请完善评价", errors=error.errors, appeal=appeal, form=True)
    if error.status == 413:
        return _page(413, "内容过长", message="提交的内容过长，请精简意见后重试。")
    if error.status == 409:
        return _page(409, "无需评价", message="该诉求已评价或已办结，感谢您的关注。")
    return _page(404, "链接已失效", message="该评价链接无效、已使用或已过期。")


@api(
    bp,
    "/r/{token}",
    "GET",
    roles=None,
    tag="citizen",
    summary="The SMS rating page: the reply, and a form to rate it (HTML; the token from "
    "the text message opens it once)",
    content_type="text/html",
    error_type="text/html",
    responses={200: {"type": "string"}},
    feature="sms",
)
def show(_principal: None, token: str) -> Response:
    from chalicelib.channels.hotline.services import sms_followup

    try:
        appeal = sms_followup.page(token)
    except DomainError as error:
        return _refused(error)
    if not appeal["waiting"]:
        return _page(409, "无需评价", message="该诉求已评价或已办结，感谢您的关注。")
    return _page(200, "诉求办理评价", appeal=appeal, form=True)


@api(
    bp,
    "/r/{token}",
    "POST",
    roles=None,
    tag="citizen",
    summary="Rate through the SMS link (an HTML form: score 1-5, resolved yes/no, comment); "
    "the link is used up",
    content_type="text/html",
    accepts=(FORM,),
    error_type="text/html",
    responses={200: {"type": "string"}},
    feature="sms",
)
def submit(_principal: None, token: str) -> Response:
    from chalicelib.channels.hotline.services import sms_followup

    received = bp.current_request.raw_body or b""
    raw = received if isinstance(received, bytes) else received.encode()
    try:
        if len(raw) > MAX_FORM_BYTES:
            raise PayloadTooLarge(f"the form is larger than {MAX_FORM_BYTES} bytes")
        form = parse_qs(raw.decode("utf-8", errors="replace"), max_num_fields=10)
        sms_followup.rate(token, form)
    except ValueError:
        return _refused(ValidationFailed.one("score", "the form could not be read"))
    except DomainError as error:
        shown = None
        if isinstance(error, ValidationFailed):
            try:
                shown = sms_followup.page(token)
            except DomainError as again:
                return _refused(again)
        return _refused(error, shown)
    return _page(200, "感谢您的评价", message="评价已提交。感谢您对我们工作的支持！")
