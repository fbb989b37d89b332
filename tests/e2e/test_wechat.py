"""The demo official account on the running local stack: its token from stack.json signs
WeChat's URL check and a follower's message over real HTTP, as the README shows."""

from __future__ import annotations

import hashlib
import time
import uuid
from xml.etree.ElementTree import fromstring

import pytest
import requests

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def _signed(token: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def test_the_demo_account_answers_wechat_over_http(local_stack: RunningStack) -> None:
    wechat = local_stack.info["wechat"]
    assert wechat["url"] == f"{local_stack.api}/wechat"
    token = wechat["token"]
    # WeChat's check of the server URL
    checked = requests.get(
        wechat["url"], params={**_signed(token), "echostr": "e2e-echo"}, timeout=wait_seconds(10)
    )
    assert checked.status_code == 200 and checked.text == "e2e-echo"
    # A follower's message, answered with its case number
    openid = "oE2e" + uuid.uuid4().hex[:8]
    message = (
        "<xml><ToUserName><![CDATA[gh_demo]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[小区东门路灯坏了两周]]></Content>"
        f"<MsgId>{uuid.uuid4().int % 10**18}</MsgId></xml>"
    )
    answered = requests.post(
        wechat["url"],
        params=_signed(token),
        data=message.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=wait_seconds(10),
    )
    assert answered.status_code == 200, answered.text
    reply = {child.tag: child.text for child in fromstring(answered.content)}
    assert reply["ToUserName"] == openid and "编号：" in str(reply["Content"])
    # And a forged one is refused
    forged = requests.get(
        wechat["url"], params={**_signed("not-the-token"), "echostr": "x"}, timeout=wait_seconds(10)
    )
    assert forged.status_code == 403
