"""The early-warning alerts (未诉先办) in the console's supervision view, in Debian's
Chromium against the running local stack: a rise planted in the counts the topics consumer
keeps (6 distinct citizens about 噪音 in 寨里镇 this week, one the week before) is raised by
the stack's own refresh; the operator dispatches a proactive work order on one alert and
notes the other; the leader reads both, acted on. No name or number shows; axe finds
nothing serious; the view fits 360 px. Screenshots in test-artifacts/console/."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests

from chalicelib.core.domain import clock
from chalicelib.core.domain.periods import week_of
from tests.e2e.conftest import RunningStack, settle, wait_ms, wait_seconds
from tests.e2e.test_console import ARTIFACTS, CHROMIUM, Browser, _axe, _shots

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]


def _plant(stack: RunningStack) -> str:
    """The counts 6 citizens' appeals leave (as the consumer writes them): this week's and
    one citizen the week before. Returns the week."""
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=stack.info["aws_endpoint"],
        region_name=stack.info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    table = next(t for t in ddb.list_tables()["TableNames"] if "stats" in t)
    now = clock.now()
    week, before = week_of(now), week_of(now - timedelta(weeks=1))
    for period, citizens in ((week, 6), (before, 1)):
        for sk in ("word#噪音", "category#environment-noise"):
            ddb.put_item(
                TableName=table,
                Item={
                    "pk": {"S": f"place-topics#{period}#zhaili-town"},
                    "sk": {"S": sk},
                    "citizens": {"N": str(citizens)},
                },
            )
    return week


@pytest.mark.long(45)
def test_alerts_in_the_supervision_view(local_stack: RunningStack) -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = time.time()
    week = _plant(local_stack)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = Browser(p, local_stack)
        try:
            page = browser.page()
            browser.sign_in(page, "operator1")  # while the stack's refresh comes round
            refresh = local_stack.wait_for_schedule_run_after(
                "rankings_refresh", started, timeout=wait_seconds(60)
            )
            assert refresh["error"] is None, refresh
            page.goto(local_stack.api + "/console/#/supervision")
            page.wait_for_selector("#alerts[data-ready='true'] li[data-alert]")
            items = page.locator("#alerts li[data-alert]")
            assert items.count() >= 2
            text = page.locator("#alerts").inner_text()
            assert "寨里镇" in text and "噪音" in text and "噪声与油烟" in text and week in text
            assert "本周 6 位市民" in text
            problems += _axe(page, "alerts")
            problems += _shots(page, "alerts-operator")
            word = page.locator("#alerts li[data-alert]", has_text="话题“噪音”")
            # A proactive work order to the town (the place is chosen already)
            word.locator("form[data-act='work-order'] button").click()
            word.locator("text=已派发主动治理工单").wait_for(timeout=wait_ms(15_000))
            category = page.locator("#alerts li[data-alert]", has_text="噪声与油烟")
            category.locator("input[name='note']").fill("已通知城管夜间巡查")
            category.locator("form[data-act='note'] button").click()
            category.locator("text=已处置：已通知城管夜间巡查").wait_for(timeout=wait_ms(15_000))
            problems += _shots(page, "alerts-acted")
            # The work order is the town's, on the proactive channel
            link = word.locator("a").get_attribute("href") or ""
            page.goto(local_stack.api + "/console/" + link)
            page.wait_for_selector("[data-appeal]")
            assert "主动治理" in page.locator("main").inner_text()

            leader = browser.page()
            browser.sign_in(leader, "leader1")
            leader.goto(local_stack.api + "/console/#/supervision")
            leader.wait_for_selector("#alerts[data-ready='true'] li[data-alert]")
            shown = leader.locator("#alerts").inner_text()
            assert "已派发主动治理工单" in shown and "已处置：已通知城管夜间巡查" in shown
            assert leader.locator("#alerts form").count() == 0  # leaders read, the center acts
            problems += _shots(leader, "alerts-leader")
            for private in ("138", "139", "市民张", "李四"):
                assert private not in shown
        finally:
            browser.browser.close()
    assert not browser.dialogs and not browser.errors and not browser.foreign, (
        browser.dialogs,
        browser.errors,
        browser.foreign,
    )
    assert not problems, problems


def _api(stack: RunningStack, who: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    token = stack.sign_in(who)
    response = requests.post(
        f"{stack.api}/{path}",
        headers={"Authorization": f"Bearer {token}"},
        json=payload,
        timeout=wait_seconds(10),
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.mark.long(30)
def test_the_reply_form_flags_an_unrelated_reply_and_sends_it_anyway(
    local_stack: RunningStack,
) -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    unit = "zhaili-town"
    appeal = _api(
        local_stack,
        "citizen2",
        "appeals",
        {"kind": "complaint", "title": "路灯不亮", "content": "寨里镇东门路灯坏了，晚上出行不便"},
    )["id"]
    _api(local_stack, "operator1", f"appeals/{appeal}/dispatch", {"department_id": unit})
    _api(local_stack, f"staff-{unit}", f"appeals/{appeal}/sign", {})
    _api(local_stack, f"staff-{unit}", f"appeals/{appeal}/contact", {"method": "phone"})
    problems: list[str] = []
    with sync_playwright() as p:
        browser = Browser(p, local_stack)
        try:
            page = browser.page()
            browser.sign_in(page, f"staff-{unit}")
            page.goto(f"{local_stack.api}/console/#/appeal/{appeal}")
            page.wait_for_selector(f"[data-appeal='{appeal}'][data-state='contacted']")
            page.fill(
                "#reply-content", "您好，城乡居民医保缴费期为每年9月至12月，可通过爱山东缴费。"
            )
            page.fill("#reply-name", "王强")  # the text loses focus: checked
            flags = page.locator("#reply-flags[data-flags='unrelated']")
            flags.wait_for(timeout=wait_ms(15_000))
            assert "几乎没有共同的词语" in flags.inner_text()
            problems += _axe(page, "reply check")
            page.locator("#reply").scroll_into_view_if_needed()
            for width, height in ((1280, 900), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                settle(page)
                page.locator("#reply").screenshot(path=str(ARTIFACTS / f"reply-check-{width}.png"))
                if page.evaluate("document.documentElement.scrollWidth") > width:
                    problems.append(f"reply form wider than {width} px")
            page.set_viewport_size({"width": 1280, "height": 900})
            # A related text: nothing flagged
            page.fill(
                "#reply-content", "经核查，寨里镇东门路灯线路老化，已更换灯具，路灯恢复照明。"
            )
            page.click("#reply-check")
            page.locator("#reply-flags[data-flags='']").wait_for(timeout=wait_ms(15_000))
            # Sent anyway with the unrelated text: replied, the flag on its event
            page.fill(
                "#reply-content", "您好，城乡居民医保缴费期为每年9月至12月，可通过爱山东缴费。"
            )
            page.fill("#reply-phone", "13900001111")
            page.click("#reply button[type=submit]")
            page.wait_for_selector(f"[data-appeal='{appeal}'][data-state='replied']")
        finally:
            browser.browser.close()
    token = local_stack.sign_in("operator1")
    read = requests.get(
        f"{local_stack.api}/appeals/{appeal}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=wait_seconds(10),
    ).json()
    assert read["timeline"][-1]["data"]["quality_flags"] == ["unrelated"]
    assert not browser.dialogs and not browser.errors and not browser.foreign
    assert not problems, problems
