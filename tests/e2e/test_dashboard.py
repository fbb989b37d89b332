"""The public dashboard in Debian's Chromium (Playwright) against a running local stack
with two simulated days of traffic: the boards show what GET /public/rankings says for
each period, the period switch changes them, a public appeal titled with markup renders
as text, nothing is requested from anywhere but the stack, screenshots at 360 px and
1280 px are kept in test-artifacts/."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import HISTORY_GROUP, ROOT, RunningStack, wait_ms, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(HISTORY_GROUP)]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
XSS = "<img src=x onerror=alert(1)>"
NAMES = {
    "volume": "办件量",
    "overdue_rate": "超期率",
    "return_rate": "退回率",
    "satisfaction": "满意度",
}


def _auth(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


def _replied_public_appeal(stack: RunningStack) -> str:
    api = stack.api
    appeal = requests.post(
        f"{api}/appeals",
        headers=_auth(stack, "citizen2"),
        json={"kind": "complaint", "title": XSS, "content": "测试标记文本", "is_public": True},
        timeout=wait_seconds(10),
    ).json()["id"]
    operator = _auth(stack, "operator1")
    staff = _auth(stack, "staff-transport-bureau")
    steps = [
        (operator, "dispatch", {"department_id": "transport-bureau"}),
        (staff, "sign", {}),
        (staff, "contact", {"method": "phone"}),
        (
            staff,
            "reply",
            {"content": "已处理", "handler_name": "王强", "handler_phone": "13900001111"},
        ),
    ]
    for who, action, payload in steps:
        response = requests.post(
            f"{api}/appeals/{appeal}/{action}", headers=who, json=payload, timeout=wait_seconds(10)
        )
        assert response.status_code == 200, response.text
    return str(appeal)


def _rankings(stack: RunningStack, period: str) -> dict[str, list[list[str]]]:
    return _shown(
        requests.get(
            f"{stack.api}/public/rankings?period={period}", timeout=wait_seconds(10)
        ).json()
    )


def _shown(data: dict[str, Any]) -> dict[str, list[list[str]]]:
    """What the dashboard must show of a /public/rankings answer: each board's ranked
    entries (volume: those with work), ten at most, with the value as displayed."""
    shown: dict[str, list[list[str]]] = {}
    for board in data["boards"]:
        rows = [
            e
            for e in board["entries"]
            if e["ranked"] and (board["board"] != "volume" or e["value"] > 0)
        ][:10]
        shown[board["board"]] = [
            [
                e["name"],
                str(e["value"])
                if board["board"] == "volume"
                else ("—" if e["value"] is None else f"{e['value'] * 100:.1f}%"),
            ]
            for e in rows
        ]
    return shown


def _boards_on_page(page: Any) -> dict[str, list[list[str]]]:
    return json.loads(
        page.evaluate(
            """() => JSON.stringify(Object.fromEntries([...document.querySelectorAll('.board')]
                .map(b => [b.dataset.board, [...b.querySelectorAll('tr')]
                .map(r => [r.querySelector('.name').textContent,
                           r.querySelector('.value').textContent])])))"""
        )
    )


def _center(stats: dict[str, Any]) -> dict[str, str]:
    """What the dashboard must show of the platform center's figures in /public/stats."""
    accuracy = stats["rates"]["dispatch_accuracy"]
    calls = stats["callbacks"]
    targets = {"110": "110", "119": "119", "120": "120", "122": "122", "other": "其他机关"}
    return {
        "dispatch_accuracy": "—" if accuracy is None else f"{accuracy * 100:.1f}%",
        "transfers": str(sum(stats["transfers"].values())),
        "callbacks": f"{calls['reached']} / {calls['made']}",
        "ratings_excluded": str(stats["ratings_excluded"]),
        "targets": "即时转办去向："
        + " · ".join(f"{name} {stats['transfers'][key]}" for key, name in targets.items()),
    }


def _center_on_page(page: Any) -> dict[str, str]:
    shown = json.loads(
        page.evaluate(
            """() => JSON.stringify(Object.fromEntries([...document.querySelectorAll(
                '#center [data-figure]')].map(f => [f.dataset.figure,
                f.querySelector('.value').textContent])))"""
        )
    )
    return {**shown, "targets": page.inner_text("#transfer-targets")}


def test_the_dashboard_shows_the_public_figures_safely(history_stack: RunningStack) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs chromium and fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    appeal = _replied_public_appeal(history_stack)
    # The rankings refresh (after the history is digested, then every 15 minutes) has
    # counted the simulated month
    deadline = time.monotonic() + wait_seconds(90)
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    month = day[:7]
    while time.monotonic() < deadline:
        boards = _rankings(history_stack, month)
        if boards["volume"] and boards != _rankings(history_stack, day):
            break
        time.sleep(2)
    else:
        pytest.fail("the rankings never showed the simulated month")
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], timeout=wait_ms(30_000)
        )
        try:
            for width, height in ((360, 780), (1280, 900)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(wait_ms(30_000))  # Playwright's own, scaled
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on(
                    "request",
                    lambda r: (
                        foreign.append(r.url)
                        if not r.url.startswith(("http://127.0.0.1:", "data:"))
                        else None
                    ),
                )
                # The month's boards are what GET /public/rankings answered the page, and
                # the center's figures what GET /public/stats did
                with (
                    page.expect_response(lambda r: "public/rankings" in r.url) as answer,
                    page.expect_response(lambda r: "public/stats" in r.url) as stats,
                ):
                    page.goto(history_stack.api + "/")
                page.wait_for_selector("body[data-ready='true']", timeout=wait_ms(30_000))
                assert f"period={month}" in answer.value.url
                monthly = _boards_on_page(page)
                assert monthly == _shown(answer.value.json()) and monthly["volume"]
                assert _center_on_page(page) == _center(stats.value.json())
                # The switch to today changes them, to the API's figures for the day
                with page.expect_response(lambda r: "public/rankings" in r.url) as answer:
                    page.click("button[data-granularity='day']")
                page.wait_for_selector(f"body[data-period='{day}']")
                assert f"period={day}" in answer.value.url
                daily = _boards_on_page(page)
                assert daily == _shown(answer.value.json())
                assert daily != monthly
                page.click("button[data-granularity='month']")
                page.wait_for_selector(f"body[data-period='{month}']")
                # The markup title is text, in the feed and on its page
                row = page.locator(f"li[data-appeal='{appeal}'] a")
                assert row.inner_text() == XSS
                assert page.locator("#feed img").count() == 0
                page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}.png"), full_page=True)
                row.click()
                page.wait_for_selector("#detail-body h3")
                assert page.inner_text("#detail-body h3") == XSS
                assert page.locator("#detail img").count() == 0
                width_used = page.evaluate("document.documentElement.scrollWidth")
                assert width_used <= width, width_used
                page.close()
        finally:
            browser.close()
    assert dialogs == []
    assert foreign == []
