"""Staff accounts in Debian's Chromium against the running local stack, as a real pool
treats them: the admin imports a CSV file of three staff (one row wrong first: nothing
made, the row's problem shown; then fixed: three made); a new department staff member
signs in with the temporary password from the local outbox, sets a new one, sets up an
authenticator app (the secret as text and as a QR code), signs out, forgets the password
and sets another with the code sent, signs in with the authenticator's code, sees the
department's queue and signs a work order; the admin disables the account and its next
request is refused. axe finds nothing serious, every view fits 360 px, nothing is
requested from anywhere but the stack. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import email
import re
import subprocess
import time
from email import policy
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.test_console import ARTIFACTS, CHROMIUM, Browser, _axe, _open, _shots

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

ZBARIMG = Path("/usr/bin/zbarimg")  # reads the QR code back (zbar-tools; make test installs it)

UNIT = "transport-bureau"
STAFF = "e2e.zhang"
HEADER = "username,name,role,department_id,email,phone\n"
WRONG = HEADER + (
    f"{STAFF},张伟,department,{UNIT},zhangwei@example.gov,\n"
    "e2e.li,李娜,operator,,lina@example.gov,12345\n"  # row 3: not a mobile number
    "e2e.wang,王芳,leader,,,13912345003\n"
)
FIXED = WRONG.replace("lina@example.gov,12345", "lina@example.gov,13912345002")


def _outbox_mail(stack: RunningStack, kind: str, username: str, timeout: float = 10) -> str:
    """The text of the latest message of ``kind`` the local pool sent ``username``."""
    folder = Path(stack.info["outbox_dir"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(f"{kind}-{username}--*.eml"), key=lambda p: p.stat().st_mtime)
        if found:
            message = email.message_from_bytes(found[-1].read_bytes(), policy=policy.default)
            return str(message.get_body().get_content())  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError(f"no {kind} for {username} in {folder}")


def _dispatched(stack: RunningStack) -> str:
    citizen = {"Authorization": f"Bearer {stack.sign_in('citizen2')}"}
    made = requests.post(
        f"{stack.api}/appeals",
        headers=citizen,
        json={"kind": "complaint", "title": "公交站牌倒了", "content": "般阳路公交站牌倒在路边"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    appeal = str(made.json()["id"])
    operator = {"Authorization": f"Bearer {stack.sign_in('operator1')}"}
    sent = requests.post(
        f"{stack.api}/appeals/{appeal}/dispatch",
        headers=operator,
        json={"department_id": UNIT},
        timeout=10,
    )
    assert sent.status_code == 200, sent.text
    return appeal


def _users(stack: RunningStack, query: str) -> list[dict[str, Any]]:
    admin = {"Authorization": f"Bearer {stack.sign_in('admin1')}"}
    answer = requests.get(f"{stack.api}/users?{query}", headers=admin, timeout=10)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


@pytest.mark.long(60)
def test_staff_accounts_from_import_to_disable(local_stack: RunningStack) -> None:
    if not CHROMIUM.exists() or not ZBARIMG.exists():
        pytest.fail(f"{CHROMIUM} or {ZBARIMG} is missing: `make test` installs them")
    from playwright.sync_api import sync_playwright

    stack = local_stack
    appeal = _dispatched(stack)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []
    overflow: list[str] = []
    with sync_playwright() as playwright:
        b = Browser(playwright, stack)
        try:
            # The admin: the transport bureau's staff, then an import with a wrong row
            admin = b.page()
            b.sign_in(admin, "admin1")
            admin.click("nav.tabs a[href='#/users']")
            admin.wait_for_selector("#users[data-ready='true']")
            admin.select_option("#users-unit", UNIT)
            admin.wait_for_selector(f"#users[data-ready='true'] tr[data-user='staff-{UNIT}']")
            violations += _axe(admin, "users")
            overflow += _shots(admin, "admin-users")
            csv = {"name": "staff.csv", "mimeType": "text/csv", "buffer": WRONG.encode()}
            admin.set_input_files("#import-file", files=[csv])
            admin.click("#user-import button[type=submit]")
            problem = admin.locator("#user-import [role=alert]")
            problem.wait_for()
            row = problem.locator("li[data-row='3']")
            assert "第 3 行" in row.inner_text() and "phone" in row.inner_text()
            assert problem.locator("li").count() == 1
            violations += _axe(admin, "users import with a wrong row")
            overflow += _shots(admin, "admin-users-import-errors")
            assert not [u for u in _users(stack, f"department_id={UNIT}") if u["username"] == STAFF]
            # Fixed: all three made, each invited
            fixed = {**csv, "buffer": FIXED.encode()}
            admin.set_input_files("#import-file", files=[fixed])
            admin.click("#user-import button[type=submit]")
            status = admin.locator("[role=status]")
            status.wait_for()
            assert "已开通 3 个账号" in status.inner_text(), status.inner_text()
            admin.wait_for_selector(
                f"#users[data-ready='true'] tr[data-user='{STAFF}']"
                "[data-status='FORCE_CHANGE_PASSWORD']"
            )
            overflow += _shots(admin, "admin-users-imported")

            # The new staff member: the temporary password from the outbox, a new password
            invitation = _outbox_mail(stack, "invitation", STAFF)
            temporary = re.search(r"临时密码：([A-Za-z0-9]+)", invitation)
            assert temporary and STAFF in invitation, invitation
            page = b.page()
            page.goto(stack.api + "/console/")
            page.fill("#username", STAFF)
            page.fill("#password", temporary.group(1))
            page.click("#signin button[type=submit]")
            page.wait_for_selector("#new-password")
            violations += _axe(page, "new password")
            overflow += _shots(page, "first-sign-in-new-password")
            page.fill("#new-password-1", "Zhang-Wei-2026-own")
            page.fill("#new-password-2", "Zhang-Wei-2026-own")
            page.click("#new-password button[type=submit]")
            # The authenticator app: the secret as text and as a QR code
            page.wait_for_selector("#totp-secret[data-secret]")
            secret = page.get_attribute("#totp-secret", "data-secret")
            assert secret and page.locator("#totp svg.qr path").count() == 1
            assert page.inner_text("#totp-secret").replace(" ", "") == secret
            violations += _axe(page, "authenticator set-up")
            overflow += _shots(page, "first-sign-in-authenticator")
            # The QR code reads back as the authenticator's otpauth link with the secret
            qr = ARTIFACTS / "authenticator-qr.png"
            page.locator("#totp svg.qr").screenshot(path=str(qr))
            read = subprocess.run(
                [str(ZBARIMG), "-q", "--raw", str(qr)], capture_output=True, text=True, check=True
            ).stdout.strip()
            assert read.startswith(
                f"otpauth://totp/%E6%B0%91%E7%94%9F%E8%AF%89%E6%B1%82%3A{STAFF}?"
            )
            assert f"secret={secret}&" in read and "issuer=" in read
            page.fill("#totp-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
            page.click("#totp-form button[type=submit]")
            page.wait_for_selector("#totp-form [role=alert]")
            page.fill("#totp-code", pyotp.TOTP(secret).now())
            page.click("#totp-form button[type=submit]")
            page.wait_for_selector("header.top")
            page.click("#sign-out")
            page.wait_for_selector("#signin")

            # A forgotten password: the code sent by email, then another password
            page.click("#forgot-link")
            page.fill("#forgot-username", STAFF)
            page.click("#forgot button[type=submit]")
            page.wait_for_selector("#forgot-code")
            assert "邮件" in page.inner_text("#forgot-code ~ *, [role=status]")
            violations += _axe(page, "forgotten password")
            overflow += _shots(page, "forgotten-password")
            code = re.search(r"验证码：(\d{6})", _outbox_mail(stack, "code", STAFF))
            assert code
            page.fill("#forgot-code-value", code.group(1))
            page.fill("#forgot-password-1", "Zhang-Wei-2026-next")
            page.fill("#forgot-password-2", "Zhang-Wei-2026-next")
            page.click("#forgot-code button[type=submit]")
            page.wait_for_selector("#signin [role=status]")

            # Signed in again: the password, then the authenticator's code
            page.fill("#username", STAFF)
            page.fill("#password", "Zhang-Wei-2026-next")
            page.click("#signin button[type=submit]")
            page.wait_for_selector("#mfa-code")
            violations += _axe(page, "authenticator code")
            overflow += _shots(page, "sign-in-code")
            page.fill("#mfa-code", pyotp.TOTP(secret).now())
            page.click("#mfa button[type=submit]")
            # The department's queue, and its work order signed
            item = page.locator(f"#queue li[data-appeal='{appeal}']")
            item.wait_for(timeout=15_000)
            item.locator("a").click()
            _open(page, appeal, "dispatched")
            page.click("#sign button[type=submit]")
            _open(page, appeal, "signed")
            listed = [u for u in _users(stack, f"department_id={UNIT}") if u["username"] == STAFF]
            assert listed[0]["mfa"] is True and listed[0]["status"] == "CONFIRMED"

            # The admin disables the account: its next request is refused
            admin.reload()
            admin.wait_for_selector("#users[data-ready='true']")
            admin.select_option("#users-unit", UNIT)
            row = admin.locator(f"#users[data-ready='true'] tr[data-user='{STAFF}']")
            row.get_by_role("button", name="停用").click()
            admin.wait_for_selector(f"tr[data-user='{STAFF}'][data-enabled='false']")
            with page.expect_response(
                lambda r: r.url.startswith(stack.api) and "/console/" not in r.url
            ) as refused:
                page.click("nav.tabs a[href='#/queue']")
            assert refused.value.status == 401
            assert refused.value.json()["type"] == "urn:minsheng:problem:account-disabled"
            page.wait_for_selector("#signin")
            history = admin.locator(f"tr[data-user='{STAFF}']")
            history.get_by_role("button", name="变更记录").click()
            admin.wait_for_selector(f"tr[data-user='{STAFF}'] ol.history li")
            assert "停用" in admin.inner_text(f"tr[data-user='{STAFF}'] ol.history")
            overflow += _shots(admin, "admin-users-history")

            # Enabled again, a new temporary password, then moved to another unit
            row = admin.locator(f"tr[data-user='{STAFF}']")
            row.get_by_role("button", name="启用").click()
            admin.wait_for_selector(f"tr[data-user='{STAFF}'][data-enabled='true']")
            row.get_by_role("button", name="重设密码").click()
            admin.wait_for_selector(f"tr[data-user='{STAFF}'][data-status='FORCE_CHANGE_PASSWORD']")
            assert "已重新发送临时密码" in admin.inner_text("[role=status]")
            assert "临时密码" in _outbox_mail(stack, "invitation", STAFF)
            row.get_by_role("button", name="修改").click()
            admin.select_option(f"[id='edit-unit-{STAFF}']", "health-commission")
            violations += _axe(admin, "users edit")
            overflow += _shots(admin, "admin-users-edit")
            admin.click(f"[id='edit-{STAFF}'] button[type=submit]")
            admin.wait_for_selector(f"tr[data-user='{STAFF}']", state="detached")
            assert "已保存" in admin.inner_text("[role=status]")
            moved = [u for u in _users(stack, "department_id=health-commission")]
            assert [u["username"] for u in moved if u["username"] == STAFF] == [STAFF]

            # One more added by hand: it starts waiting for its first sign-in
            admin.fill("#new-user-username", "e2e.zhao")
            admin.fill("#new-user-name", "赵磊")
            admin.fill("#new-user-email", "zhaolei@example.gov")
            admin.click("#user-new button[type=submit]")
            admin.wait_for_selector("tr[data-user='e2e.zhao'][data-status='FORCE_CHANGE_PASSWORD']")
            assert "已开通 赵磊（e2e.zhao）" in admin.inner_text("[role=status]")
            page.close()
            admin.close()
        finally:
            b.browser.close()
    assert b.dialogs == [] and b.errors == [] and b.foreign == []
    assert violations == []
    assert overflow == []
