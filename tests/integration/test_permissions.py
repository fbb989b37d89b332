"""Each function's IAM needs, derived: every AWS call a journey through the app makes is
recorded per function (botocore's API calls, and the PutObject a presigned POST lets the
citizen make), turned into (action, resource), and compared with infra/permissions.py, from
which the template's roles are built. A call missing from the list fails here, and so does
a listed permission no call uses."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.core.config import resource_fields, settings
from chalicelib.core.domain import clock
from infra.permissions import NEEDS, Grant
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

REPORT_LEADER = "leader@example.com"
REPORT_DEPARTMENT = "transport@example.com"
TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _field(name: str) -> str:
    cfg = settings()
    return next(f for f in resource_fields() if getattr(cfg, f) == name)


def _object(bucket: str, key: str) -> str:
    return f"objects:{_field(bucket)}/{key.split('/', 1)[0]}/"


def grants_of(service: str, operation: str, params: dict[str, Any]) -> set[Grant]:
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return {
                (f"dynamodb:{TRANSACT[kind]}", f"table:{_field(spec['TableName'])}")
                for item in params["TransactItems"]
                for kind, spec in item.items()
            }
        if operation == "TransactGetItems":
            return {
                ("dynamodb:GetItem", f"table:{_field(i['Get']['TableName'])}")
                for i in params["TransactItems"]
            }
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return {(f"dynamodb:{operation}", f"table:{_field(t)}") for t in params["RequestItems"]}
        table = _field(params["TableName"])
        if params.get("IndexName"):
            return {(f"dynamodb:{operation}", f"index:{table}/{params['IndexName']}")}
        return {(f"dynamodb:{operation}", f"table:{table}")}
    if service == "s3":
        if operation == "CopyObject":
            source = params["CopySource"]
            return {
                ("s3:GetObject", _object(source["Bucket"], source["Key"])),
                ("s3:PutObject", _object(params["Bucket"], params["Key"])),
            }
        action = {"HeadObject": "GetObject"}.get(operation, operation)
        return {(f"s3:{action}", _object(params["Bucket"], params["Key"]))}
    if service == "sqs":
        # Batch calls are authorised as their single-message actions.
        action = operation.removesuffix("Batch")
        return {(f"sqs:{action}", f"queue:{_field(params['QueueUrl'])}")}
    if service == "secretsmanager":
        name = params.get("SecretId") or params.get("Name")
        if name == settings().wechat_secret:
            return {(f"secretsmanager:{operation}", "secrets:wechat_secret")}
        if name == settings().owner_key_secret:
            return {(f"secretsmanager:{operation}", "secrets:owner_key_secret")}
        assert str(name).startswith(settings().webhook_secret_prefix), name
        return {(f"secretsmanager:{operation}", "secrets:webhook_secret_prefix")}
    if service == "cognito-idp":
        assert params["UserPoolId"] == settings().user_pool_id
        return {(f"cognito-idp:{operation}", "pool:user_pool_id")}
    if service == "sesv2":
        identities = {settings().report_sender: "report_sender"}
        identities[settings().mailbox_address] = "mailbox_address"
        return {(f"ses:{operation}", f"identity:{identities[params['FromEmailAddress']]}")}
    if service == "sns":
        assert set(params) >= {"PhoneNumber", "Message"} and "TopicArn" not in params, params
        return {(f"sns:{operation}", "sms:phone-numbers")}
    raise AssertionError(f"no IAM mapping for {service}:{operation}")


class Recorder:
    def __init__(self) -> None:
        self.current: str | None = None
        self.grants: dict[str, set[Grant]] = defaultdict(set)

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.current is not None:
            self.grants[self.current] |= grants_of(service, operation, params)

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        self.current = function
        try:
            yield
        finally:
            self.current = None


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    from botocore.client import BaseClient
    from botocore.signers import S3PostPresigner

    found = Recorder()
    make_call = BaseClient._make_api_call
    presign = S3PostPresigner.generate_presigned_post

    def recording_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if not getattr(client, "not_the_function", False):
            found.record(client.meta.service_model.service_name, operation, params)
        return make_call(client, operation, params)

    def recording_presign(self: Any, request_dict: Any, fields: Any, conditions: Any, **kw: Any):  # type: ignore[no-untyped-def]
        bucket = next(c["bucket"] for c in conditions if isinstance(c, dict) and "bucket" in c)
        found.record("s3", "PutObject", {"Bucket": bucket, "Key": fields["key"]})
        return presign(self, request_dict, fields=fields, conditions=conditions, **kw)

    from chalicelib.core.integrations import media

    signed = media.presign_download

    def recording_download(key: str, seconds: int) -> str:
        # A presigned GET is the function's own GetObject, made by whoever holds the URL.
        found.record("s3", "GetObject", {"Bucket": settings().media_bucket, "Key": key})
        return signed(key, seconds)

    monkeypatch.setattr(media, "presign_download", recording_download)
    from chalicelib.channels.mailbox.integrations import mailbox as inbox_bucket

    signed_letter = inbox_bucket.presign_download

    def recording_letter(key: str, seconds: int) -> str:
        found.record("s3", "GetObject", {"Bucket": settings().inbox_bucket, "Key": key})
        return signed_letter(key, seconds)

    monkeypatch.setattr(inbox_bucket, "presign_download", recording_letter)
    monkeypatch.setattr(BaseClient, "_make_api_call", recording_call)
    monkeypatch.setattr(S3PostPresigner, "generate_presigned_post", recording_presign)
    return found


def users_journey(people: People, recorder: Recorder, client: Any, stack: Stack) -> None:
    """Every users route, a change undone (the record's write refused after the pool's
    steps), and an account first seen by the check of its request."""
    from chalicelib.administration.store import users as directory
    from chalicelib.core.errors import ServiceUnavailable

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    headers = stack.headers(people.token("admin"))
    csv = {**headers, "Content-Type": "text/csv"}
    rows = (
        "username,name,role,department_id,email,phone\n"
        f"perm.one,甲,department,{DEPARTMENT},one@example.gov,13912345001\n"
    )
    new = {"username": "perm.two", "name": "乙", "role": "operator", "email": "two@example.gov"}
    from chalicelib.local.provision import create_user

    create_user(stack.cognito, stack.pool_id, "perm.admin", "Perm-Admin-2026x", "admin", None)
    stack.set_up_totp("perm.admin", "Perm-Admin-2026x")
    unseen = stack.sign_in("perm.admin", "Perm-Admin-2026x")
    with recorder.running("APIHandler"):
        ok(client.http.post("/users/import", headers=csv, body=rows))
        ok(people.post("admin", "/users", new))
        ok(people.get("admin", "/users"))
        ok(people.get("admin", "/users?role=operator"))
        ok(people.get("admin", f"/users?department_id={DEPARTMENT}"))
        ok(client.http.patch("/users/perm.one", headers=headers, body='{"name": "甲甲"}'))
        ok(client.http.patch("/users/perm.one", headers=headers, body='{"role": "leader"}'))
        ok(client.http.patch("/users/perm.two", headers=headers, body='{"role": "admin"}'))
        ok(
            client.http.patch(
                "/users/perm.one",
                headers=headers,
                body=json.dumps({"role": "department", "department_id": DEPARTMENT}),
            )
        )
        for action in ("disable", "enable", "reset-password", "sign-out"):
            ok(people.post("admin", f"/users/perm.one/{action}"))
        ok(people.get("admin", "/users/perm.one/history"))

        def refuse(*_args: Any) -> str:
            raise ServiceUnavailable("the users store did not accept the write")

        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(directory, "write", refuse)
            failed = people.post("admin", "/users", {**new, "username": "perm.three"})
        assert failed.status_code == 503, failed.body
        # An import failing at its second account takes the first back
        from chalicelib.administration.integrations import user_pool

        create = user_pool.create

        def second_fails(user: Any) -> Any:
            if user.username == "perm.five":
                raise ServiceUnavailable("the user pool did not take the change")
            return create(user)

        two = rows.replace("perm.one", "perm.four") + "perm.five,戊,operator,,five@example.gov,\n"
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(user_pool, "create", second_fails)
            failed = client.http.post("/users/import", headers=csv, body=two)
        assert failed.status_code == 503, failed.body
        # An admin the users table has not seen: recorded (and counted) at its first request
        ok(client.http.get("/users", headers=stack.headers(unseen)))
        ok(people.post("admin", "/users/perm.admin/disable"))


def api_journey(people: People, recorder: Recorder, client: Any, stack: Stack) -> None:
    """Every route at least once, through the states that reach every store call."""

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    def put(who: str, path: str, payload: Any) -> Any:
        return client.http.put(
            path, headers=stack.headers(people.token(who)), body=json.dumps(payload)
        )

    for who in (
        "citizen",
        "citizen:other",
        "operator",
        f"department:{DEPARTMENT}",
        "leader",
        "admin",
        "deputy",
    ):
        people.token(who)  # sign-ins are Cognito's, not the function's
    people.tokens["caller"] = stack.sign_in(*stack.user(phone=CALLER))
    Clock(shanghai("2026-11-26T09:00:00"))
    with recorder.running("APIHandler"):
        ticket = ok(people.post("citizen", "/uploads", {"content_type": "image/png"}))
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=settings().media_bucket, Key=ticket["key"], Body=b"\x89PNG"
    )
    headers = stack.headers(people.token("citizen"), **{"Idempotency-Key": "journey-1"})
    payload = {
        "kind": "complaint",
        "title": "路灯不亮",
        "content": "东门路灯坏了",
        "is_public": True,
    }
    with recorder.running("APIHandler"):
        first = ok(
            client.http.post(
                "/appeals", headers=headers, body=json.dumps({**payload, "media": [ticket["key"]]})
            )
        )
        ok(
            client.http.post(
                "/appeals", headers=headers, body=json.dumps({**payload, "media": [ticket["key"]]})
            )
        )
        failing = stack.headers(people.token("citizen"), **{"Idempotency-Key": "journey-2"})
        refused = client.http.post(
            f"/appeals/{first['id']}/rating", headers=failing, body='{"score": 5, "resolved": true}'
        )
        assert refused.status_code == 409
        # A keyed request refused after its record was taken (Powertools drops the record)
        keyed = stack.headers(people.token("leader"), **{"Idempotency-Key": "journey-3"})
        missing = client.http.post(
            "/appeals/20260101-00000000/comments", headers=keyed, body='{"text": "请办理"}'
        )
        assert missing.status_code == 404
        appeal = first["id"]
        ok(people.get("citizen", "/appeals/mine"))
        ok(people.get("citizen", f"/appeals/{appeal}"))
        ok(put("admin", "/categories/water-supply", {"auto_dispatch": True}))
        ok(people.post("admin", "/categories", {"code": "journey", "name": "途中"}))
        ok(people.post("admin", "/departments", {"id": "journey-office", "name": "途中办公室"}))
        ok(put("admin", "/departments/journey-office", {"name": "途中办"}))
        ok(people.get("operator", "/departments"))
        ok(people.get("operator", "/categories"))
        ok(put("admin", "/calendar/2027", {"holidays": ["2027-01-01"], "workdays": []}))
        ok(people.get("operator", "/calendar/2027"))
        ok(people.act("operator", appeal, "accept"))
        ok(people.act("operator", appeal, "dispatch", {"department_id": DEPARTMENT}))
        dept = f"department:{DEPARTMENT}"
        ok(people.act(dept, appeal, "sign"))
        ok(people.act(dept, appeal, "contact"))
        ok(people.act(dept, appeal, "extension"))
        ok(people.act("operator", appeal, "extension/decision"))
        ok(people.act("leader", appeal, "escalate"))
        ok(people.act("leader", appeal, "comments"))
        ok(people.get("leader", f"/appeals/{appeal}/comments"))
        ok(people.get("leader", f"/appeals/{appeal}"))
        ok(people.act("operator", appeal, "media/publish", {"index": 0, "public": True}))
        ok(people.get("citizen:other", f"/appeals/{appeal}"))
        support = f"/appeals/{appeal}/support"
        headers_other = stack.headers(people.token("citizen:other"))
        ok(client.http.put(support, headers=headers_other))
        ok(client.http.delete(support, headers=headers_other))
        ok(client.http.put(support, headers=headers_other))
        for path in (
            "/public/appeals",
            "/public/appeals?replied=false",
            f"/public/appeals/{appeal}",
            "/public/daily-volume",
            "/",
            "/dashboard/app.js",
        ):
            ok(client.http.get(path)) if path.startswith("/public") else client.http.get(path)
        ok(people.act("operator", appeal, "media/publish", {"index": 0, "public": False}))
        ok(
            client.http.put(
                f"/appeals/{appeal}/follow", headers=stack.headers(people.token("leader"))
            )
        )
        ok(people.get("leader", "/me/following"))
        ok(
            client.http.delete(
                f"/appeals/{appeal}/follow", headers=stack.headers(people.token("leader"))
            )
        )
        ok(people.get("leader", "/supervision"))
        ok(people.get("operator", f"/appeals/{appeal}/similar"))
        ok(client.http.get("/console/config.json"))
        ok(people.act(dept, appeal, "reply"))
        ok(people.act("citizen", appeal, "rating", {"score": 1, "resolved": False, "rework": True}))
        ok(people.act(dept, appeal, "return"))
        for query in (
            "",
            "?state=returned",
            f"?department_id={DEPARTMENT}",
            f"?department_id={DEPARTMENT}&state=returned",
            "?overdue=true",
            "?escalated=true",
            "?month=2026-11",
        ):
            ok(people.get("operator", f"/work-orders{query}"))
        ok(people.get(dept, "/work-orders"))
        ok(people.get(dept, "/work-orders?state=returned"))
        other = people.submit()["id"]
        spam = people.submit()["id"]
        ok(people.act("operator", other, "merge", {"into": appeal}))
        ok(people.act("operator", spam, "reject"))
        people.submit(category="water-supply")  # dispatched by AppealRouting
        for _ in range(2):  # left unsigned: the SLA sweep marks them overdue
            due = people.submit()["id"]
            ok(people.act("operator", due, "dispatch", {"department_id": DEPARTMENT}))
        unrated = people.submit()["id"]  # replied, never rated: AutoClose closes it
        ok(people.act("operator", unrated, "dispatch", {"department_id": DEPARTMENT}))
        for action in ("sign", "contact", "reply"):
            ok(people.act(dept, unrated, action))
        for path in ("/public/rankings", "/public/stats", "/public/hot-topics", "/openapi.json"):
            ok(client.http.get(path))
        recipients = {"daily": [REPORT_LEADER], "weekly": {DEPARTMENT: [REPORT_DEPARTMENT]}}
        ok(put("admin", "/report-recipients", recipients))
        ok(people.get("admin", "/report-recipients"))
        for who, path in (
            ("leader", "/reports/daily?date=2026-11-26"),
            (dept, "/reports/weekly?week=2026-W48"),
            ("leader", "/reports/monthly?month=2026-11"),
        ):
            page = people.get(who, path)
            assert page.status_code == 200 and b"</html>" in page.body, page.body

        knowledge_journey(people, client, stack, dept)
        webhook_journey(people, client, appeal, dept)
        open311_journey(people, client, stack, appeal)
        channels_journey(people, client, stack, dept)
        wechat_journey(client)


CALLER = "+8613912345678"


def knowledge_journey(people: People, client: Any, stack: Stack, dept: str) -> None:
    """Articles added, read, changed and searched; a helpful answer; a consultation the
    center replies to from an article."""

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    article = ok(
        people.post(
            dept,
            "/knowledge/articles",
            {"title": "公交线路咨询", "answer": "请拨打公交热线。", "category": "public-transport"},
        )
    )
    path = f"/knowledge/articles/{article['id']}"
    ok(
        client.http.put(
            path,
            headers=stack.headers(people.token("operator")),
            body=json.dumps({"questions": ["公交车几点发车"]}),
        )
    )
    ok(people.get("operator", "/knowledge/articles"))
    ok(people.get("operator", path))
    ok(people.get("operator", "/knowledge/search?q=公交车几点发车"))
    ok(people.get("citizen", "/knowledge/search?q=公交车几点发车"))
    ok(people.post("citizen", f"{path}/helpful"))
    question = people.submit(kind="consultation", title="公交", content="公交车几点发车")["id"]
    ok(people.act("operator", question, "direct-reply", {"article_id": article["id"]}))


def channels_journey(people: People, client: Any, stack: Stack, dept: str) -> None:
    """A hotline call dispatched at once and replied (its SMS follows in the notifications
    journey), the caller's earlier appeals, the caller's own list, a deputy's appeal."""

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    call = {
        "caller": {"phone": "139 1234 5678", "name": "王女士"},
        "kind": "complaint",
        "title": "小区停水",
        "content": "三天没有水",
        "dispatch": {"department_id": DEPARTMENT},
    }
    taken = ok(people.post("operator", "/hotline/appeals", call))["id"]
    ok(people.get("operator", "/hotline/callers/13912345678/appeals"))
    for action in ("sign", "contact", "reply"):
        ok(people.act(dept, taken, action))
    ok(people.get("caller", "/appeals/mine"))
    people.submit("deputy", title="学校门口增设信号灯", kind="suggestion")


def webhook_journey(people: People, client: Any, appeal: str, dept: str) -> None:
    """The admin's webhook calls, a signed inbound action, the delivery log and redrives."""
    from tests.integration.test_webhooks import inbound, register, signed_read

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    secret = register(people, "http://127.0.0.1:9/hook")  # first: creates the secret
    ok(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
    secret = ok(people.post("admin", f"/departments/{DEPARTMENT}/webhook/secret"))["secret"]
    ok(people.post("admin", f"/departments/{DEPARTMENT}/webhook/secret/revoke-previous"))
    ok(people.get("admin", f"/departments/{DEPARTMENT}/webhook/history"))
    ok(people.get(dept, f"/departments/{DEPARTMENT}/webhook/history"))
    assert people.post(dept, f"/departments/{DEPARTMENT}/webhook/verify").status_code == 202
    fresh = people.submit()["id"]
    ok(people.act("operator", fresh, "dispatch", {"department_id": DEPARTMENT}))
    ok(inbound(client, secret, {"appeal_id": fresh, "action": "sign"}))
    ok(people.act("leader", fresh, "comments"))
    # The department's system catches up through the signed reads
    reads = f"/department-systems/{DEPARTMENT}/work-orders"
    ok(signed_read(client, secret, reads, changed_since="2026-01-01T00:00:00+08:00"))
    ok(signed_read(client, secret, f"{reads}/{fresh}"))
    ok(signed_read(client, secret, f"{reads}/{fresh}/comments"))
    ok(people.get("admin", f"/deliveries?department_id={DEPARTMENT}"))
    ok(people.get("admin", "/deliveries?status=dead"))
    ok(people.get("citizen", "/me/notifications"))


def open311_journey(people: People, client: Any, stack: Stack, appeal: str) -> None:
    """Open311: a key issued, a request posted with it, every read, the key revoked."""
    from urllib.parse import urlencode

    def ok(response: Any) -> Any:
        assert response.status_code < 300, response.body
        return body(response)

    key = ok(people.post("admin", "/open311/keys", {"name": "journey"}))
    form = {
        "api_key": key["api_key"],
        "service_code": "road-facilities",
        "lat": "36.8",
        "long": "118.0",
        "description": "路灯不亮",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    ok(client.http.post("/open311/v2/requests.json", headers=headers, body=urlencode(form)))
    for path in (
        "/open311/v2/discovery.json",
        "/open311/v2/services.xml",
        "/open311/v2/services/road-facilities.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml?status=closed&service_code=road-facilities",
        f"/open311/v2/requests.json?service_request_id={appeal}",
        f"/open311/v2/requests/{appeal}.xml",
    ):
        read = client.http.get(path)
        assert read.status_code == 200, (path, read.body)
    admin = stack.headers(people.token("admin"))
    ok(client.http.delete(f"/open311/keys/{key['key_id']}", headers=admin))
    refused = client.http.post("/open311/v2/requests.json", headers=headers, body=urlencode(form))
    assert refused.status_code == 403


def mailbox_journey(people: People, client: Any, recorder: Recorder) -> None:
    """Letters to the mayor's mailbox: a new appeal with a photo (acknowledged), a reply
    with a photo (a note), the same letter again, an auto-reply (flagged); the operators'
    list of flagged letters with links to the raw letters."""
    from tests.integration.test_mailbox import Mailbox, gbk_letter, plain_letter

    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().mailbox_address
    )
    mailbox = Mailbox(client)
    letter = gbk_letter("journey-letter@example.com", html="<p>路灯不亮</p>")
    reply = gbk_letter("journey-reply@example.com", html="<p>补充照片</p>", subject="Re: 路灯")
    reply = reply.replace(
        b"Message-ID:", b"In-Reply-To: <journey-letter@example.com>\nMessage-ID:", 1
    )
    auto = plain_letter(
        "journey-auto@example.com", "休假中", "自动回复", Auto_Submitted="auto-replied"
    )
    from chalicelib.core.integrations import secrets
    from chalicelib.core.store import reference

    reference.clear_cache()  # a process of its own on Lambda
    secrets.reset()
    for raw in (letter, reply, letter, auto):
        bodies = [mailbox.notification(mailbox.store(raw))]
        with recorder.running("ReceiveMail"):
            assert mailbox.invoke(bodies) == {"batchItemFailures": []}
    with recorder.running("APIHandler"):
        listed = people.get("operator", "/mailbox/messages?status=flagged")
        assert listed.status_code == 200 and body(listed)["items"], listed.body


def exports_journey(people: People, client: Any, recorder: Recorder) -> None:
    """An export of each kind asked for, built by the exports consumer (each message a run
    of its own), then read with its link."""
    from chalicelib.core.store import reference
    from chalicelib.figures.services import rankings
    from chalicelib.local.pump import sqs_record

    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.not_the_function = True  # type: ignore[attr-defined]  # the mapping's polls
    url = settings().exports_queue
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    made = []
    with recorder.running("APIHandler"):
        for kind, file_format in (
            ("work-orders", "xlsx"),
            ("bulletin", "csv"),
            ("rankings", "xlsx"),
        ):
            asked = people.post(
                "operator", "/exports", {"kind": kind, "period": "2026-11", "format": file_format}
            )
            assert asked.status_code == 202, asked.body
            made.append(body(asked)["id"])
    for _ in made:
        message = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
        reference.clear_cache()  # a process of its own on Lambda
        rankings.clear_cache()
        with recorder.running("BuildExports"):
            event = {"Records": [sqs_record(message, arn, "us-east-1")]}
            assert client.lambda_.invoke("build_exports", event).payload == {
                "batchItemFailures": []
            }
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    with recorder.running("APIHandler"):
        for export_id in made:
            shown = body(people.get("operator", f"/exports/{export_id}"))
            assert shown["state"] == "done" and shown["url"], shown


def wechat_journey(client: Any) -> None:
    """The official account: WeChat's URL check, a message (an appeal), its retry, 查询."""
    from tests.integration.test_wechat import WeChat, reply

    wechat = WeChat(client)
    assert wechat.get(wechat.query(echostr="journey")).status_code == 200
    for _ in range(2):
        reply(wechat.text("oJourney", "小区门口积水", msg_id="4242"))
    assert "已登记" not in reply(wechat.text("oJourney", "查询"))["Content"]


def someone_writes_first(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    """The sweep's first due work order is changed by someone else between its read and
    its write (the path where the sweep reads the appeal again)."""
    from chalicelib.work_orders.services import sla

    read = sla.appeal_store.due_by

    def due_by(moment: str) -> Any:
        found = read(moment)
        current, recorder.current = recorder.current, None
        boto3.client("dynamodb", region_name="us-east-1").update_item(
            TableName=settings().appeals_table,
            Key={"id": {"S": found[0].id}},
            UpdateExpression="SET version = version + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        recorder.current = current
        return found

    monkeypatch.setattr(sla.appeal_store, "due_by", due_by)


def notifications_journey(people: People, client: Any, recorder: Recorder, records: Any) -> None:
    """The notifications consumer on the journey's records, the deliverer with the
    receiver down (a retry time is set), a redrive, then delivered, and read in the app."""
    from chalicelib.core.integrations import secrets
    from tests.integration.test_webhooks import Flow, admin_put
    from tests.support.department_system import Receiver

    flow = Flow(client)
    flow.sqs.not_the_function = True  # the event source mapping's polls and deletes
    with recorder.running("AppealNotifications"):
        flow.replay(records)
    secrets.reset()  # the deliverer is a process of its own
    with recorder.running("DeliverNotifications"):
        flow.deliver(rounds=10)  # nobody listens: every delivery ends in the dead letters
    dead = [
        d
        for d in body(people.get("admin", "/deliveries?status=dead"))["items"]
        if d["type"].startswith("work_order.")
    ]
    keys = secrets.read(DEPARTMENT, fresh=True)
    assert keys is not None
    receiver = Receiver(secret=keys.current).start()
    try:
        # The department's system at a new URL answers its challenge; then the dead
        # deliveries are sent there again
        admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": receiver.url})
        with recorder.running("DeliverNotifications"):
            flow.deliver()
        assert receiver.of_type("webhook.verify")
        with recorder.running("APIHandler"):
            assert people.post("admin", f"/deliveries/{dead[0]['id']}/redrive").status_code == 202
            assert body(people.post("admin", "/deliveries/redrive"))["redriven"] >= 1
        with recorder.running("DeliverNotifications"):
            flow.deliver()
        assert receiver.of_type("work_order.dispatched")
    finally:
        receiver.stop()
    rating_link_journey(client, recorder)
    mine = body(people.get("citizen", "/me/notifications"))["items"]
    with recorder.running("APIHandler"):
        read = people.post("citizen", "/me/notifications/read", {"ids": [mine[0]["id"]]})
        assert read.status_code == 200, read.body


def rating_link_journey(client: Any, recorder: Recorder) -> None:
    """The hotline caller's SMS: its link opens the page and rates the reply once."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    texts = [m for m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()]
    assert [phone for phone, _text in texts] == [CALLER], texts
    token = texts[0][1].split("/r/")[1].split()[0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with recorder.running("APIHandler"):
        assert client.http.get(f"/r/{token}").status_code == 200
        rated = client.http.post(f"/r/{token}", headers=form, body="score=4&resolved=yes")
        assert rated.status_code == 200, rated.body


def plant_alert(now: Any) -> None:
    """Six citizens about noise in one town in the week of ``now`` (as the topics consumer
    counts them, outside any function): the refresh's early warning raises alerts."""
    from chalicelib.core.domain.periods import week_of
    from chalicelib.core.integrations import directory
    from chalicelib.figures.store import warnings

    directory.clear_cache()  # the refresh is a process of its own: it lists the leaders
    week = week_of(now)
    for n in range(6):
        assert warnings.add_place_mentions(
            f"plant-{n}",
            week,
            "zhaili-town",
            f"citizen-key-{n}",
            [("word", "噪音"), ("category", "environment-noise")],
            int(now.timestamp()) + 86400 * 60,
            clock.iso(now),
        )


def alerts_journey(people: People, recorder: Recorder) -> None:
    """The alerts the refresh raised: listed, one acted on with a note, one with a
    proactive work order."""
    with recorder.running("APIHandler"):
        found = body(people.get("operator", "/alerts"))["items"]
        assert len(found) == 2, found
        noted = people.post("operator", f"/alerts/{found[0]['id']}/act", {"note": "已处置"})
        assert noted.status_code == 200, noted.body
        made = people.post(
            "operator", f"/alerts/{found[1]['id']}/work-order", {"department_id": DEPARTMENT}
        )
        assert made.status_code == 201, made.body


@pytest.mark.long(20)
def test_each_function_is_granted_exactly_the_calls_its_code_makes(
    client: Any,
    stack: Stack,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    quick_retries: None,
) -> None:
    from chalicelib.core.store import reference
    from tests.integration.test_wechat import install_account

    # Submission limits on, as deployed (wide enough for the journey's many appeals).
    monkeypatch.setenv("MINSHENG_SUBMISSION_LIMITS", "100/minute,1000/day")
    settings.cache_clear()
    people = People(stack, client)
    install_account()  # made by the stack (or the local stack), never by a function
    someone_writes_first(monkeypatch, recorder)
    try:
        api_journey(people, recorder, client, stack)
        users_journey(people, recorder, client, stack)
        mailbox_journey(people, client, recorder)
        exports_journey(people, client, recorder)
        records = stream_records()
        for function, handler in (
            ("AppealActivity", "appeal_activity"),
            ("AppealRouting", "appeal_routing"),
            ("AppealStatistics", "appeal_statistics"),
            ("AppealTopics", "appeal_topics"),
        ):
            reference.clear_cache()  # each function is a process of its own on Lambda
            with recorder.running(function):
                result = client.lambda_.invoke(handler, {"Records": records}).payload
            assert result == {"batchItemFailures": []}, function
        reference.clear_cache()
        supports = stream_records(settings().supports_table)
        with recorder.running("SupportTopics"):
            result = client.lambda_.invoke("support_topics", {"Records": supports}).payload
        assert result == {"batchItemFailures": []}
        notifications_journey(people, client, recorder, records)
        expected = {
            "SlaSweep": ("overdue", "skipped"),
            "AutoClose": ("closed",),
            "RankingsRefresh": (),
        }
        later = clock.now() + timedelta(days=9)
        Clock(later)
        plant_alert(later)
        for function, handler in (
            ("SlaSweep", "sla_sweep"),
            ("AutoClose", "auto_close"),
            ("RankingsRefresh", "rankings_refresh"),
        ):
            event = client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            )
            reference.clear_cache()
            with recorder.running(function):
                result = client.lambda_.invoke(handler, event).payload
            assert all(result.get(k, 0) for k in expected[function]), (function, result)
        alerts_journey(people, recorder)
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(
            EmailIdentity=settings().report_sender
        )
        for function, handler, at in (
            ("DailyReport", "daily_report", shanghai("2026-11-27T08:00:00")),
            ("WeeklyReport", "weekly_report", shanghai("2026-11-30T08:00:00")),
            ("MonthlyReport", "monthly_report", shanghai("2026-12-01T09:00:00")),
        ):
            Clock(at)
            event = client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            )
            reference.clear_cache()
            with recorder.running(function):
                result = client.lambda_.invoke(handler, event).payload
            assert result["sent"] == 1 and result["failed"] == 0, (function, result)
    finally:
        clock.set_clock(None)
    differences = {
        function: {
            "not listed": sorted(recorder.grants.get(function, set()) - declared),
            "never used": sorted(declared - recorder.grants.get(function, set())),
        }
        for function, declared in NEEDS.items()
        if recorder.grants.get(function, set()) != declared
    }
    assert not differences, json.dumps(differences, indent=1)
