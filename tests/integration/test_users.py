"""Staff accounts through the users API, against moto's user pool as the local stack
corrects it (chalicelib/local/moto_patches.py): the invitation with its temporary password,
the first sign-in's new password, imports checked whole, changes on record, the last admin,
disabled and signed-out accounts refused at their next request, and MFA for admins."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from chalicelib.local import moto_patches
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, People

HEADER = "username,name,role,department_id,email,phone\n"
GOOD = HEADER + (
    "zhang.wei,张伟,department,transport-bureau,zhangwei@example.gov,13912345001\n"
    "li.na,李娜,operator,,lina@example.gov,\n"
    "wang.fang,王芳,leader,,,13912345003\n"
)


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)


def _post(people: People, path: str, payload: Any = None, who: str = "admin") -> Any:
    return people.post(who, path, payload)


def _csv(people: People, text: str | bytes, who: str = "admin") -> Any:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    headers = {**people.stack.headers(people.token(who)), "Content-Type": "text/csv"}
    return people.client.http.post("/users/import", headers=headers, body=raw)


def _patch(people: People, username: str, payload: Any) -> Any:
    return people.client.http.patch(
        f"/users/{username}",
        headers=people.stack.headers(people.token("admin")),
        body=json.dumps(payload),
    )


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    found = body(response)
    assert found["type"] == f"urn:minsheng:problem:{slug}", found
    return dict(found)


def invitation(username: str) -> dict[str, Any]:
    return next(m for m in reversed(moto_patches.SENT) if m["username"] == username)


def first_sign_in(stack: Stack, username: str, new_password: str) -> dict[str, Any]:
    """The temporary password from the invitation, then a new one (NEW_PASSWORD_REQUIRED)."""
    started = stack.cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": invitation(username)["code"]},
    )
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = stack.cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
    )
    return dict(done["AuthenticationResult"])


def new_user(people: People, **fields: Any) -> dict[str, Any]:
    payload = {
        "username": "zhao.lei",
        "name": "赵磊",
        "role": "department",
        "department_id": DEPARTMENT,
        "email": "zhaolei@example.gov",
        **fields,
    }
    response = _post(people, "/users", payload)
    assert response.status_code == 201, response.body
    return dict(body(response))


def test_a_new_account_gets_a_temporary_password_and_sets_its_own(people: People) -> None:
    stack = people.stack
    made = new_user(people, phone="139 1234 5678")
    assert made["status"] == "FORCE_CHANGE_PASSWORD" and made["enabled"] is True
    assert made["phone"] == "+8613912345678" and made["mfa"] is False
    # The pool sent the invitation both ways, with the user name and a temporary password
    sent = [m for m in moto_patches.SENT if m["username"] == "zhao.lei"]
    assert {m["medium"] for m in sent} == {"EMAIL", "SMS"}
    assert all("zhao.lei" in m["text"] and m["code"] in m["text"] for m in sent)
    # The first sign-in must set a password; then the department's queue is theirs
    tokens = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    queue = people.client.http.get("/work-orders", headers=stack.headers(tokens["IdToken"]))
    assert queue.status_code == 200, queue.body
    listed = body(people.get("admin", f"/users?department_id={DEPARTMENT}"))
    mine = next(u for u in listed["items"] if u["username"] == "zhao.lei")
    assert mine["status"] == "CONFIRMED" and mine["department_id"] == DEPARTMENT


def test_adding_an_account_checks_every_field(people: People) -> None:
    cases = [
        ({"role": "department", "department_id": None}, "department_id"),
        ({"role": "operator"}, "department_id"),  # a department for department staff only
        ({"department_id": "no-such-unit"}, "department_id"),
        ({"phone": "010-12345678"}, "phone"),  # a landline cannot take the SMS
        ({"email": "not-an-address"}, "email"),
        ({"email": None}, "email"),  # neither email nor phone
        ({"username": "A"}, "username"),
        ({"role": "citizen"}, "role"),
    ]
    for change, field in cases:
        payload = {
            "username": "qian.jun",
            "name": "钱军",
            "role": "department",
            "department_id": DEPARTMENT,
            "email": "qianjun@example.gov",
            **change,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        problem = _problem(_post(people, "/users", payload), 400, "validation")
        assert field in [e["field"] for e in problem["errors"]], (change, problem)
    assert "qian.jun" not in json.dumps(body(people.get("admin", "/users")))
    new_user(people)
    _problem(_post(people, "/users", {**new_user_payload(), "name": "别人"}), 409, "conflict")
    # Only admins add accounts
    _problem(_post(people, "/users", new_user_payload(), who="operator"), 403, "forbidden")


def new_user_payload() -> dict[str, Any]:
    return {
        "username": "zhao.lei",
        "name": "赵磊",
        "role": "department",
        "department_id": DEPARTMENT,
        "email": "zhaolei@example.gov",
    }


def test_an_import_with_a_wrong_row_creates_nothing_and_names_each_problem(
    people: People,
) -> None:
    new_user(people, username="taken.one", email="taken@example.gov")
    bad = HEADER + (
        "zhang.wei,张伟,department,no-such-unit,zhangwei@example.gov,\n"  # row 2
        "li.na,李娜,operator,,lina@example.gov,12345\n"  # row 3: not a mobile
        "li.na,李娜,operator,,lina@example.gov,\n"  # row 4: twice in the file
        "taken.one,别人,operator,,other@example.gov,\n"  # row 5: in the pool already
        "wang.fang,王芳,leader,,,13912345003\n"  # row 6: fine
    )
    problem = _problem(_csv(people, bad), 400, "validation")
    errors = {(e["row"], e["field"]) for e in problem["errors"]}
    assert errors == {(2, "department_id"), (3, "phone"), (4, "username"), (5, "username")}
    assert "nothing was created" in problem["detail"]
    names = {u["username"] for u in body(people.get("admin", "/users"))["items"]}
    assert not names & {"zhang.wei", "li.na", "wang.fang"}
    assert not [m for m in moto_patches.SENT if m["username"] in ("zhang.wei", "wang.fang")]
    # A missing column is the header's problem (row 1)
    problem = _problem(_csv(people, "username,name,role\nx.y.z,某,operator\n"), 400, "validation")
    assert {(e["row"], e["field"]) for e in problem["errors"]} == {
        (1, "department_id"),
        (1, "email"),
        (1, "phone"),
    }
    # Not CSV at all
    refused = people.client.http.post(
        "/users/import", headers=people.stack.headers(people.token("admin")), body="{}"
    )
    _problem(refused, 415, "unsupported-media-type")


def test_a_good_import_creates_all_and_again_changes_nothing(people: People) -> None:
    # With a byte-order mark, as spreadsheet programs write UTF-8
    first = _csv(people, "\ufeff" + GOOD)
    assert first.status_code == 201, first.body
    assert body(first) == {"created": ["zhang.wei", "li.na", "wang.fang"], "unchanged": []}
    assert {m["username"] for m in moto_patches.SENT if m["kind"] == "invitation"} >= {
        "zhang.wei",
        "li.na",
        "wang.fang",
    }
    again = _csv(people, GOOD)
    assert again.status_code == 200, again.body
    assert body(again) == {"created": [], "unchanged": ["zhang.wei", "li.na", "wang.fang"]}
    leaders = body(people.get("admin", "/users?role=leader"))["items"]
    assert [u["username"] for u in leaders if u["username"] == "wang.fang"] == ["wang.fang"]
    history = body(people.get("admin", "/users/zhang.wei/history"))["items"]
    assert [h["action"] for h in history] == ["imported"]


def test_an_import_failing_half_way_takes_back_what_it_made(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.administration.integrations import user_pool
    from chalicelib.core.errors import ServiceUnavailable

    create = user_pool.create

    def failing(user: Any) -> Any:
        if user.username == "wang.fang":
            raise ServiceUnavailable("the user pool did not take the change")
        return create(user)

    monkeypatch.setattr(user_pool, "create", failing)
    _problem(_csv(people, GOOD), 503, "unavailable")
    monkeypatch.undo()
    assert body(people.get("admin", "/users?role=operator"))["items"] == [] or all(
        u["username"] != "li.na" for u in body(people.get("admin", "/users"))["items"]
    )
    for username in ("zhang.wei", "li.na"):
        with pytest.raises(people.stack.cognito.exceptions.UserNotFoundException):
            people.stack.cognito.admin_get_user(UserPoolId=people.stack.pool_id, Username=username)
    # Then the same file goes through whole
    assert body(_csv(people, GOOD))["created"] == ["zhang.wei", "li.na", "wang.fang"]


def test_a_failed_record_write_takes_the_new_account_out_of_the_pool(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.administration.store import users as directory
    from chalicelib.core.errors import ServiceUnavailable

    def refuse(*_args: Any) -> str:
        raise ServiceUnavailable("the users store did not accept the write")

    monkeypatch.setattr(directory, "write", refuse)
    _problem(_post(people, "/users", new_user_payload()), 503, "unavailable")
    with pytest.raises(people.stack.cognito.exceptions.UserNotFoundException):
        people.stack.cognito.admin_get_user(UserPoolId=people.stack.pool_id, Username="zhao.lei")


def test_listing_masks_contacts_for_other_staff_and_pages(people: People) -> None:
    _csv(people, GOOD)
    staff = body(people.get("operator", "/users?role=department"))["items"]
    zhang = next(u for u in staff if u["username"] == "zhang.wei")
    assert zhang["email"] == "z***@example.gov" and zhang["phone"] == "139****5001"
    assert "status" not in zhang and "mfa" not in zhang
    admin_view = body(people.get("admin", "/users?role=department"))["items"]
    zhang = next(u for u in admin_view if u["username"] == "zhang.wei")
    assert zhang["email"] == "zhangwei@example.gov" and zhang["phone"] == "+8613912345001"
    assert zhang["status"] == "FORCE_CHANGE_PASSWORD" and zhang["mfa"] is False
    # Page by page, each once
    seen: list[str] = []
    cursor = ""
    while True:
        page = body(people.get("admin", f"/users?limit=1{cursor}"))
        seen += [u["username"] for u in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) and {"zhang.wei", "li.na", "wang.fang"} <= set(seen)
    assert seen == sorted(seen)
    _problem(people.get("admin", "/users?role=king"), 400, "validation")
    _problem(people.get("admin", "/users?role=leader&department_id=x"), 400, "validation")
    _problem(people.get("citizen", "/users"), 403, "forbidden")


def test_changes_move_staff_and_are_on_record(people: People) -> None:
    stack = people.stack
    new_user(people)
    tokens = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    moved = _patch(people, "zhao.lei", {"department_id": "health-commission", "name": "赵磊磊"})
    assert moved.status_code == 200, moved.body
    assert body(moved)["department_id"] == "health-commission"
    # The move counts at once, with the token issued before it
    from chalicelib.core.services import accounts

    accounts.forget()
    queue = people.client.http.get("/work-orders?limit=1", headers=stack.headers(tokens["IdToken"]))
    assert queue.status_code == 200
    attributes = stack.cognito.admin_get_user(UserPoolId=stack.pool_id, Username="zhao.lei")
    values = {a["Name"]: a["Value"] for a in attributes["UserAttributes"]}
    assert values["custom:department_id"] == "health-commission" and values["name"] == "赵磊磊"
    # An operator now: no department, the group changed
    assert body(_patch(people, "zhao.lei", {"role": "operator"}))["department_id"] is None
    groups = stack.cognito.admin_list_groups_for_user(UserPoolId=stack.pool_id, Username="zhao.lei")
    assert [g["GroupName"] for g in groups["Groups"]] == ["operator"]
    _problem(_patch(people, "zhao.lei", {"department_id": DEPARTMENT}), 400, "validation")
    _problem(_patch(people, "zhao.lei", {"role": "department"}), 400, "validation")
    _problem(_patch(people, "zhao.lei", {"state": "x"}), 400, "validation")
    _problem(_patch(people, "no.such.user", {"name": "无"}), 404, "not-found")
    history = body(people.get("admin", "/users/zhao.lei/history"))["items"]
    assert [h["action"] for h in history] == ["changed", "changed", "created"]
    latest = history[0]
    assert latest["before"] == {"role": "department", "department_id": "health-commission"}
    assert latest["after"] == {"role": "operator", "department_id": None}
    assert latest["by"]["username"].startswith("admin-")
    assert history[1]["before"] == {"name": "赵磊", "department_id": DEPARTMENT}
    _problem(people.get("operator", "/users/zhao.lei/history"), 403, "forbidden")


def test_a_disabled_account_is_refused_at_its_next_request(people: People) -> None:
    stack = people.stack
    new_user(people)
    tokens = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    headers = stack.headers(tokens["IdToken"])
    assert people.client.http.get("/work-orders", headers=headers).status_code == 200
    disabled = _post(people, "/users/zhao.lei/disable")
    assert disabled.status_code == 200 and body(disabled)["enabled"] is False
    _problem(people.client.http.get("/work-orders", headers=headers), 401, "account-disabled")
    with pytest.raises(stack.cognito.exceptions.NotAuthorizedException):
        stack.sign_in("zhao.lei", "Zhao-Lei-2026-new")
    # Enabled again: a new sign-in works (tokens from before the disable stay refused)
    assert body(_post(people, "/users/zhao.lei/enable"))["enabled"] is True
    _problem(people.client.http.get("/work-orders", headers=headers), 401, "account-disabled")
    time.sleep(1.05)  # tokens carry whole seconds: one of the disable's second is refused too
    fresh = stack.sign_in("zhao.lei", "Zhao-Lei-2026-new")
    assert people.client.http.get("/work-orders", headers=stack.headers(fresh)).status_code == 200
    actions = [h["action"] for h in body(people.get("admin", "/users/zhao.lei/history"))["items"]]
    assert actions == ["enabled", "disabled", "created"]


def test_the_last_enabled_admin_stays(people: People) -> None:
    stack = people.stack
    me = people.tokens.setdefault("admin", stack.token("admin"))
    from chalicelib.core.integrations.tokens import verify_id_token

    admin = str(verify_id_token(me)["cognito:username"])
    _problem(_post(people, f"/users/{admin}/disable"), 409, "last-admin")
    _problem(_patch(people, admin, {"role": "leader"}), 409, "last-admin")
    # With a second admin, one may go
    second, password = stack.user("admin")
    people.tokens["admin:second"] = stack.sign_in(second, password)
    gone = _post(people, f"/users/{admin}/disable", who="admin:second")
    assert gone.status_code == 200, gone.body
    # ...and the other is the last now
    _problem(_post(people, f"/users/{second}/disable", who="admin:second"), 409, "last-admin")
    _problem(
        people.client.http.patch(
            f"/users/{second}",
            headers=stack.headers(people.tokens["admin:second"]),
            body=json.dumps({"role": "operator"}),
        ),
        409,
        "last-admin",
    )


def test_a_demoted_admin_loses_the_admin_routes_at_once(people: People) -> None:
    stack = people.stack
    second, password = stack.user("admin")
    token = stack.sign_in(second, password)
    headers = stack.headers(token)
    assert people.client.http.get("/users", headers=headers).status_code == 200
    assert _patch(people, second, {"role": "leader"}).status_code == 200
    _problem(people.client.http.get("/users/x/history", headers=headers), 403, "forbidden")


def test_a_reset_sends_a_new_temporary_password_and_ends_the_sessions(people: People) -> None:
    stack = people.stack
    new_user(people)
    tokens = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    reset = _post(people, "/users/zhao.lei/reset-password")
    assert reset.status_code == 200, reset.body
    assert body(reset)["status"] == "FORCE_CHANGE_PASSWORD"
    headers = stack.headers(tokens["IdToken"])
    _problem(people.client.http.get("/work-orders", headers=headers), 401, "account-disabled")
    # The new invitation keeps the account as it was; its password opens the first sign-in
    time.sleep(1.05)
    again = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-again")
    assert (
        people.client.http.get("/work-orders", headers=stack.headers(again["IdToken"])).status_code
        == 200
    )
    values = stack.cognito.admin_get_user(UserPoolId=stack.pool_id, Username="zhao.lei")
    assert {"Name": "custom:department_id", "Value": DEPARTMENT} in values["UserAttributes"]
    latest = body(people.get("admin", "/users/zhao.lei/history"))["items"][0]
    assert latest["action"] == "password_reset"
    _post(people, "/users/zhao.lei/disable")
    _problem(_post(people, "/users/zhao.lei/reset-password"), 409, "conflict")


def test_signing_out_ends_every_session(people: People) -> None:
    stack = people.stack
    new_user(people)
    tokens = first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    assert _post(people, "/users/zhao.lei/sign-out").status_code == 200
    headers = stack.headers(tokens["IdToken"])
    _problem(people.client.http.get("/work-orders", headers=headers), 401, "account-disabled")
    with pytest.raises(stack.cognito.exceptions.NotAuthorizedException):
        stack.cognito.initiate_auth(
            ClientId=stack.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    _problem(_post(people, "/users/nobody.here/sign-out"), 404, "not-found")
    assert (
        body(people.get("admin", "/users/zhao.lei/history"))["items"][0]["action"] == "signed_out"
    )


def test_admins_need_an_authenticator_app(people: People) -> None:
    from chalicelib.local.provision import create_user

    stack = people.stack
    create_user(stack.cognito, stack.pool_id, "admin.nomfa", "Admin-No-Mfa-2026", "admin", None)
    token = stack.sign_in("admin.nomfa", "Admin-No-Mfa-2026")
    problem = _problem(
        people.client.http.get("/users", headers=stack.headers(token)), 403, "mfa-required"
    )
    assert problem["role"] == "admin"
    # Set up: the next request passes, and sign-ins ask for the code
    stack.set_up_totp("admin.nomfa", "Admin-No-Mfa-2026")
    assert people.client.http.get("/users", headers=stack.headers(token)).status_code == 200
    started = stack.cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin.nomfa", "PASSWORD": "Admin-No-Mfa-2026"},
    )
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(stack.cognito.exceptions.CodeMismatchException):
        stack.cognito.respond_to_auth_challenge(
            ClientId=stack.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "admin.nomfa", "SOFTWARE_TOKEN_MFA_CODE": "000000"},
        )
    code = pyotp.TOTP(stack.totp["admin.nomfa"]).now()
    done = stack.cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "admin.nomfa", "SOFTWARE_TOKEN_MFA_CODE": code},
    )
    assert "IdToken" in done["AuthenticationResult"]


def test_the_stack_setting_extends_mfa_to_leaders(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.config import settings

    monkeypatch.setenv("MINSHENG_MFA_ROLES", "leader")
    settings.cache_clear()
    try:
        _problem(people.get("leader", "/supervision"), 403, "mfa-required")
        assert people.get("operator", "/supervision").status_code == 200
    finally:
        monkeypatch.delenv("MINSHENG_MFA_ROLES")
        settings.cache_clear()


def test_a_forgotten_password_is_set_again_with_the_code_sent(people: People) -> None:
    stack = people.stack
    new_user(people)
    # Before the first sign-in there is no password to forget
    with pytest.raises(stack.cognito.exceptions.NotAuthorizedException):
        stack.cognito.forgot_password(ClientId=stack.client_id, Username="zhao.lei")
    first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    sent = stack.cognito.forgot_password(ClientId=stack.client_id, Username="zhao.lei")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = invitation("zhao.lei")["code"]
    with pytest.raises(stack.cognito.exceptions.CodeMismatchException):
        stack.cognito.confirm_forgot_password(
            ClientId=stack.client_id,
            Username="zhao.lei",
            ConfirmationCode="000000" if code != "000000" else "111111",
            Password="Zhao-Lei-2026-lost",
        )
    stack.cognito.confirm_forgot_password(
        ClientId=stack.client_id,
        Username="zhao.lei",
        ConfirmationCode=code,
        Password="Zhao-Lei-2026-lost",
    )
    assert stack.sign_in("zhao.lei", "Zhao-Lei-2026-lost")


def test_the_loader_makes_the_first_admin_from_a_csv_file(
    people: People, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.load_reference_data import load_users

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "wang.min,王敏,admin,transport-bureau,wm@example.gov,\n", "utf-8")
    assert load_users(bad) is False
    assert "row 2, department_id: is only for department staff" in capsys.readouterr().err
    staff = tmp_path / "staff.csv"
    staff.write_text("\ufeff" + HEADER + "wang.min,王敏,admin,,wm@example.gov,\n", "utf-8")
    assert load_users(staff) is True
    assert "1 staff accounts made (wang.min)" in capsys.readouterr().out
    assert load_users(staff) is True
    assert "0 staff accounts made (none); 1 were there already" in capsys.readouterr().out
    history = body(people.get("admin", "/users/wang.min/history"))["items"]
    assert history[0]["by"]["username"] == "load_reference_data"
    # The first admin signs in with the temporary password and sets a new one
    assert first_sign_in(people.stack, "wang.min", "Wang-Min-2026-first")["IdToken"]


def test_a_deleted_account_and_one_out_of_every_staff_group_lose_the_staff_routes(
    people: People,
) -> None:
    from chalicelib.core.services import accounts

    stack = people.stack
    name, password = stack.user("operator")
    token = stack.sign_in(name, password)
    # Taken out of its group in the pool by hand (the table never saw the account)
    stack.cognito.admin_remove_user_from_group(
        UserPoolId=stack.pool_id, Username=name, GroupName="operator"
    )
    _problem(people.client.http.get("/supervision", headers=stack.headers(token)), 403, "forbidden")
    stack.cognito.admin_delete_user(UserPoolId=stack.pool_id, Username=name)
    accounts.forget()
    _problem(
        people.client.http.get("/supervision", headers=stack.headers(token)),
        401,
        "account-disabled",
    )


def test_after_a_reset_an_account_with_an_authenticator_still_gives_its_code(
    people: People,
) -> None:
    stack = people.stack
    new_user(people)
    first_sign_in(stack, "zhao.lei", "Zhao-Lei-2026-new")
    stack.set_up_totp("zhao.lei", "Zhao-Lei-2026-new")
    assert body(_post(people, "/users/zhao.lei/reset-password"))["mfa"] is True
    started = stack.cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "zhao.lei", "PASSWORD": invitation("zhao.lei")["code"]},
    )
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    asked = stack.cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "zhao.lei", "NEW_PASSWORD": "Zhao-Lei-2026-again"},
    )
    assert asked["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = stack.cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=asked["Session"],
        ChallengeResponses={
            "USERNAME": "zhao.lei",
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(stack.totp["zhao.lei"]).now(),
        },
    )
    assert "IdToken" in done["AuthenticationResult"]


def test_the_guard_holds_without_the_early_check(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two admins stepping down at once both pass the early check (each reads the other in
    the directory): the guard written in the record's transaction lets one through, and the
    other's pool steps are undone."""
    from chalicelib.administration.services import users

    stack = people.stack
    me = people.tokens.setdefault("admin", stack.token("admin"))
    from chalicelib.core.integrations.tokens import verify_id_token

    mine = str(verify_id_token(me)["cognito:username"])
    other, password = stack.user("admin")
    people.tokens["admin:other"] = stack.sign_in(other, password)
    assert people.get("admin:other", "/users").status_code == 200  # on record, counted
    monkeypatch.setattr(users, "_guard_last_admin", lambda _before, _after: None)
    assert _patch(people, mine, {"role": "leader"}).status_code == 200
    refused = people.client.http.patch(
        f"/users/{other}",
        headers=stack.headers(people.tokens["admin:other"]),
        body=json.dumps({"role": "leader"}),
    )
    _problem(refused, 409, "last-admin")
    groups = stack.cognito.admin_list_groups_for_user(UserPoolId=stack.pool_id, Username=other)
    assert [g["GroupName"] for g in groups["Groups"]] == ["admin"]


def test_every_account_route_answers_an_unknown_account_and_bad_input_as_problems(
    people: People,
) -> None:
    for action in ("disable", "enable", "reset-password", "sign-out"):
        _problem(_post(people, f"/users/nobody.here/{action}"), 404, "not-found")
    _problem(people.get("admin", "/users/nobody.here/history"), 404, "not-found")
    _problem(_patch(people, "nobody.here", {"name": "无"}), 404, "not-found")
    _problem(people.get("admin", "/users?cursor=not-a-cursor"), 400, "validation")
    _problem(people.get("admin", "/users?limit=0"), 400, "validation")
    _problem(_csv(people, HEADER + "x" * (300 * 1024)), 413, "payload-too-large")
    _problem(_csv(people, HEADER), 400, "validation")  # no rows
    _problem(_csv(people, b"\xff\xfe"), 400, "validation")  # not UTF-8
    _problem(_post(people, "/users", {"username": "x.y.z"}), 400, "validation")
    # A cursor of one list does not page another
    _csv(people, GOOD)
    page = body(people.get("admin", "/users?limit=1"))
    assert page["next_cursor"]
    _problem(
        people.get("admin", f"/users?role=leader&cursor={page['next_cursor']}"),
        400,
        "validation",
    )
