"""``make run``: moto as AWS, every resource, demo data, the API, the event pump and the
schedules on loopback, then a month of the district's history written in the background
(``--history none``: an empty district). Writes what it started to ``.local/stack.json``.

moto runs in a process of its own, which also writes the history (on its backends, with
no HTTP round trips); the API, the pump and the schedules share this one."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
PREFIX = "minsheng-local"
# The demo data takes about a second on an idle machine; a loaded one is given time.
DEMO_TIMEOUT_SECONDS = 300.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.local", description=__doc__)
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", 8000)))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", 5000)))
    parser.add_argument("--state-dir", default=os.environ.get("STATE_DIR", ".local"))
    parser.add_argument(
        "--history",
        choices=("month", "none"),
        default=os.environ.get("HISTORY") or "month",
        help="open on a simulated month ending now, written in the background (default),"
        " or on an empty district",
    )
    parser.add_argument(
        "--simulate-days",
        type=int,
        default=int(os.environ["SIMULATE_DAYS"]) if os.environ.get("SIMULATE_DAYS") else None,
        help="days of history (default 30 with --history month; 0: none)",
    )
    parser.add_argument(
        "--simulate-per-day", type=int, default=int(os.environ.get("SIMULATE_PER_DAY") or 60)
    )
    parser.add_argument(
        "--history-seed", type=int, default=int(os.environ.get("HISTORY_SEED") or 12345)
    )
    parser.add_argument(
        "--accounts",
        choices=("pool", "issuer"),
        default=os.environ.get("ACCOUNTS", "pool"),
        help="pool: a user pool with demo users, as the stack's Accounts=pool; issuer: no "
        "pool, everyone signs in at MINSHENG_OIDC_ISSUER (Accounts=issuer)",
    )
    parser.add_argument(
        "--schedule-scale",
        type=float,
        default=1.0,
        help="multiply schedule rates by this (0.05 turns a minute into 3 s, for tests)",
    )
    args = parser.parse_args(argv)
    if args.simulate_days is None:
        args.simulate_days = 30 if args.history == "month" else 0
    return args


def _aws_environment(endpoint: str) -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        MINSHENG_STAGE="local",
        MINSHENG_TABLE_PREFIX=PREFIX,
        MINSHENG_AWS_ENDPOINT=endpoint,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state = Path(args.state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    outbox = state / "outbox"
    outbox.mkdir(exist_ok=True)
    for stale in ("stack.json", "events.jsonl"):
        (state / stale).unlink(missing_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    began = time.monotonic()

    from chalicelib.local.moto_process import MotoProcess

    # Every sent email and text as files too (moto's corrections write them, in its process).
    os.environ["MINSHENG_OUTBOX_DIR"] = str(outbox)
    # What this process needs next (a third of a second of imports), while moto's process
    # starts (half a second of its own), on the other core.
    imports = threading.Thread(target=_import_clients, name="imports", daemon=True)
    imports.start()
    moto_server = MotoProcess.start(LOOPBACK, args.aws_port)
    imports.join()
    endpoint = moto_server.endpoint
    _aws_environment(endpoint)

    import boto3
    from botocore.config import Config

    cfg = Config(account_id_endpoint_mode="disabled")

    def aws(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION, config=cfg)

    from chalicelib.local import provision

    # As the stack's Accounts parameter: the pool, or none (the issuer signs everyone in).
    identity = None
    if args.accounts == "pool":
        identity = provision.create_user_pool(aws("cognito-idp"), PREFIX)
        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
    elif not os.environ.get("MINSHENG_OIDC_ISSUER"):
        raise SystemExit("--accounts issuer needs MINSHENG_OIDC_ISSUER and its settings")
    else:
        for name in ("MINSHENG_USER_POOL_ID", "MINSHENG_USER_POOL_CLIENT_ID"):
            os.environ.pop(name, None)

    from chalicelib.core.config import settings

    settings.cache_clear()
    provision.create_tables(aws("dynamodb"))
    provision.create_owner_key_secret(aws("secretsmanager"), settings().owner_key_secret)
    provision.create_queues(aws("sqs"))
    provision.create_media_bucket(aws("s3"), settings().media_bucket, REGION)
    # What each optional part brings, only when it is on (MINSHENG_FEATURES), as the stack.
    if settings().feature_on("reports"):
        provision.create_email_identity(aws("sesv2"), settings().report_sender)
    if settings().feature_on("mailbox"):
        provision.create_inbox_bucket(aws("s3"), aws("sqs"), settings().inbox_bucket, REGION)
        provision.create_email_identity(aws("sesv2"), settings().mailbox_address)

    # The demo data: written by moto's process on its own backends, through the services
    # (as the history), while this one imports the app and makes the API server.
    demo_env = {k: v for k, v in os.environ.items() if k.startswith(("MINSHENG_", "AWS_"))}
    demo_data: dict[str, Any] = {}
    demo_failed: list[BaseException] = []

    def write_demo() -> None:
        try:
            demo_data.update(
                moto_server.ask(
                    "demo",
                    {
                        "env": demo_env,
                        "user_pool_id": identity.user_pool_id if identity else None,
                        "user_pool_client_id": identity.user_pool_client_id if identity else None,
                    },
                    timeout=DEMO_TIMEOUT_SECONDS,
                )
            )
        except BaseException as exc:  # told in the main thread
            demo_failed.append(exc)

    demo_thread = threading.Thread(target=write_demo, name="demo", daemon=True)
    demo_thread.start()

    from chalice.cli.factory import CLIFactory
    from chalice.local import ThreadedHTTPServer, create_local_server

    # API Gateway takes bursts of connections; the socketserver default backlog of 5 resets
    # the sixth simultaneous client.
    ThreadedHTTPServer.request_queue_size = 128
    # A client holding a keep-alive connection must not keep Ctrl-C from stopping the stack.
    ThreadedHTTPServer.daemon_threads = True
    _refuse_undeclared_methods()

    project_dir = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(project_dir))
    from app import app as chalice_app

    factory = CLIFactory(project_dir=str(project_dir), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    server = create_local_server(chalice_app, config, LOOPBACK, args.api_port)
    api_port = server.server.server_address[1]
    api_url = f"http://{LOOPBACK}:{api_port}"
    os.environ.setdefault("MINSHENG_PUBLIC_BASE_URL", api_url)  # the reports' links
    settings.cache_clear()

    demo_thread.join()
    if demo_failed:
        moto_server.stop()
        raise SystemExit(f"The demo data was not written: {demo_failed[0]}")
    departments, categories = demo_data["departments"], demo_data["categories"]
    articles = demo_data["articles"]
    users = demo_data["users"]
    webhook_secrets = demo_data["webhook_secrets"]
    wechat = demo_data["wechat"]
    threading.Thread(target=server.server.serve_forever, name="api", daemon=True).start()

    from chalicelib.local.pump import EventLog, StreamPump
    from chalicelib.local.scheduler import Scheduler

    log = EventLog(state / "events.jsonl")
    pump = StreamPump(
        chalice_app, aws("dynamodbstreams"), aws("dynamodb"), log, sqs_client=aws("sqs")
    )
    pump.start()
    scheduler = Scheduler(chalice_app, REGION, log, scale=args.schedule_scale)
    history = None
    if args.simulate_days > 0:
        from chalicelib.core.domain import clock
        from chalicelib.local.history import HistoryRun

        history = HistoryRun(
            args.simulate_days, args.simulate_per_day, args.history_seed, clock.now()
        )
    else:
        scheduler.start()

    info = {
        "api_url": api_url,
        "aws_endpoint": endpoint,
        "region": REGION,
        "user_pool_id": identity.user_pool_id if identity else "",
        "user_pool_client_id": identity.user_pool_client_id if identity else "",
        "users": users,
        "webhook_secrets": webhook_secrets,
        "wechat": {**wechat, "url": f"{api_url}/wechat"} if wechat else None,
        "features": sorted(settings().features),
        "outbox_dir": str(outbox),
        "inbox_bucket": settings().inbox_bucket,
        "mailbox_address": settings().mailbox_address,
        "events_log": str(state / "events.jsonl"),
        "openapi_url": f"{api_url}/openapi.json",
        "dashboard_url": f"{api_url}/",
        "console_url": f"{api_url}/console/",
        "portal_url": f"{api_url}/portal/",
        "pid": os.getpid(),
        "history": None,
    }
    # Ready to be stopped before anyone can learn the stack is up (stack.json).
    stopped = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    writing = threading.Lock()

    def publish(**changes: Any) -> None:
        """Whole or not at all: readers wait for the file to exist, then read it at once."""
        with writing:
            if stopped.is_set():
                return
            info.update(changes)
            partial = state / "stack.json.partial"
            partial.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
            partial.replace(state / "stack.json")

    if history is not None:
        info["history"] = {**history.describe(), "state": "seeding"}
    publish()
    _print_banner(info, departments, categories, articles)
    print(f"Ready in {time.monotonic() - began:.1f} s.", flush=True)
    if history is not None:
        history.start(moto_server)
        threading.Thread(
            target=_follow_history,
            args=(history, pump, scheduler, publish, stopped, began),
            name="history-progress",
            daemon=True,
        ).start()

    stopped.wait()
    print("\nStopping the local stack ...", flush=True)
    with writing:
        (state / "stack.json").unlink(missing_ok=True)
    deadline = time.monotonic() + 5  # the scheduler's and the pump's threads, together
    for stop_part in (
        lambda: scheduler.stop(deadline),
        lambda: pump.stop(deadline),
        server.server.shutdown,
        server.server.server_close,
        moto_server.stop,
    ):
        began = time.monotonic()
        stop_part()
        if time.monotonic() - began > 2:
            print(f"  ({stop_part.__qualname__} took {time.monotonic() - began:.1f} s)")
    print("Stopped.", flush=True)
    # Whatever a handler still runs on a background thread (a schedule half done, a pump
    # retry pause) dies with the process, as a Lambda container would.
    sys.stderr.flush()
    os._exit(0)


def _import_clients() -> None:
    """Imported ahead, on a thread of their own (``main`` waits for it before its own)."""
    import boto3  # noqa: F401
    import chalice.cli.factory
    import chalice.local  # noqa: F401
    from botocore.config import Config  # noqa: F401


def _follow_history(
    history: Any,
    pump: Any,
    scheduler: Any,
    publish: Callable[..., None],
    stopped: threading.Event,
    began: float,
) -> None:
    """The history's progress on the terminal (one line redrawn on a terminal, a line every
    30 s otherwise), the schedules started once it is written (an SLA sweep on the real
    clock amid a month still being written would change it), and the rankings refreshed as
    soon as its stream is digested rather than at the first 15-minute refresh."""
    from chalicelib.local.history import progress_line
    from chalicelib.local.scheduler import schedules

    tty = sys.stdout.isatty()
    every = 0.5 if tty else 30.0

    def show(final: bool = False) -> None:
        line = progress_line(history, pump.waiting())
        if tty:
            sys.stdout.write("\r\033[K" + line + ("\n" if final else ""))
            sys.stdout.flush()
        else:
            print(line, flush=True)

    shown = 0.0
    while not history.finished.wait(0.5):
        if stopped.is_set():
            return
        if time.monotonic() - shown >= every:
            show()
            shown = time.monotonic()
    if stopped.is_set():
        return
    show(final=True)
    if history.failed:
        print(f"  History stopped: {history.failed}", flush=True)
        publish(history={**history.describe(), "state": "failed"})
        scheduler.start()
        return
    seeded = time.monotonic() - began
    publish(history={**history.describe(), "state": "digesting"})
    scheduler.start()
    # Digested: every stream drained and the notifications queue delivered.
    while True:
        drained = pump.wait_drained(settle_seconds=1.0, timeout=every)
        if drained and not any(pump.waiting().values()):
            break
        if stopped.wait(0.5):
            return
        if time.monotonic() - shown >= every:
            show()
            shown = time.monotonic()
    for schedule in schedules(scheduler.app):
        if schedule.name == "rankings_refresh":
            scheduler.fire(schedule)
    digested = time.monotonic() - began
    publish(
        history={
            **history.describe(),
            "state": "digested",
            "seeded_after_seconds": round(seeded, 1),
            "digested_after_seconds": round(digested, 1),
        }
    )
    print(
        f"  History: {history.appeals} appeals over {history.days} days, written"
        f" {seeded:.0f} s and digested {digested:.0f} s after start (streams drained,"
        " rankings refreshed).",
        flush=True,
    )


def _refuse_undeclared_methods() -> None:
    """Methods no route declares (TRACE, CONNECT, QUERY...) get 405 problem+json, as the
    deployed API refuses them, instead of the HTTP server's 501 page."""
    import json
    from http.server import BaseHTTPRequestHandler

    from chalice.local import ChaliceRequestHandler

    def refuse(self: BaseHTTPRequestHandler) -> None:
        body = json.dumps(
            {
                "type": "urn:minsheng:problem:method-not-allowed",
                "title": "Method not allowed",
                "status": 405,
                "detail": f"{self.command} is not a method of this API",
            }
        ).encode()
        self.send_response(405)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    original = ChaliceRequestHandler.send_error

    def send_error(
        self: Any, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        # The HTTP server answers a method it has no handler for with 501.
        if code == 501:
            refuse(self)
        else:
            original(self, code, message, explain)

    ChaliceRequestHandler.send_error = send_error  # type: ignore[method-assign]


def _print_banner(
    info: dict[str, Any], departments: int, categories: int, articles: int = 0
) -> None:
    from chalicelib.local import demo

    users = info["users"]
    shown = [u for u in users if u["role"] != "department"][:6]
    staff = [u for u in users if u["role"] == "department"]
    lines = [
        "",
        "Minsheng local stack is up (loopback only).",
        f"  API            {info['api_url']}",
        f"  OpenAPI        {info['openapi_url']}",
        f"  Dashboard      {info['dashboard_url']}",
        f"  Portal         {info['portal_url']}   (citizens: sign up with a mobile number; "
        "the SMS code is in the outbox's sms/)",
        f"  Console        {info['console_url']}   (staff: operator1, staff-<unit id>, "
        "leader1, admin1)",
        f"  AWS (moto)     {info['aws_endpoint']}   region {info['region']}",
        f"  User pool      {info['user_pool_id']}   app client {info['user_pool_client_id']}"
        if info["user_pool_id"]
        else "  User pool      none: everyone signs in at MINSHENG_OIDC_ISSUER (--accounts issuer)",
        f"  Demo data      {departments} departments, towns and streets; {categories} categories;"
        f" {articles} knowledge-base articles",
        f"  Event log      {info['events_log']}",
        f"  Outbox         {info['outbox_dir']}",
        "  Reports        daily 08:00 and weekly Monday 08:00 (Asia/Shanghai), each email "
        "also in the outbox as .eml and .html; any time: GET /reports/daily?date=",
        "  Staff accounts made with POST /users start in FORCE_CHANGE_PASSWORD: their "
        "temporary password is in the outbox (invitation-<user>--<address>.eml, or sms/)",
        f"  SMS            texts (rating links) in {info['outbox_dir']}/sms; citizen1's "
        f"verified phone is {demo.DEMO_CALLER}: record a call for it with POST /hotline/appeals",
        "  Demo logins (passwords are new at every start):",
        *[
            f"    {u['role']:<10} {u['username']:<12} {u['password']}"
            + (f"   authenticator secret {u['totp_secret']}" if u.get("totp_secret") else "")
            for u in shown
        ],
        f"    department staff: {len(staff)} users, e.g. {staff[0]['username']} "
        f"{staff[0]['password']}"
        if staff
        else "    none (no user pool)",
        f"  Mailbox        letters to {info['mailbox_address']}: python -m chalicelib.local "
        "mail FILE.eml, a letter as SES stores it (chalicelib/local/sample_letter.eml; "
        "sample_letter_unverified.eml is set aside); answers in the outbox"
        if "mailbox" in info["features"]
        else "  Mailbox        off",
        f"  Webhooks       signing secrets of the {len(info['webhook_secrets'])} demo departments "
        "in stack.json (webhook_secrets)",
        f"  WeChat         {info['wechat']['url']}   token {info['wechat']['token']} "
        "(stack.json: wechat)"
        if info["wechat"]
        else "  WeChat         off",
        "  Parts on       "
        + (", ".join(info["features"]) or "none (the core alone)")
        + "   (MINSHENG_FEATURES)",
        "  All logins, machine-readable: .local/stack.json. Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)
