"""moto as AWS, in a process of its own: the local stack's endpoint.

AWS answers from other machines; locally, moto's server used to run as a thread of the
stack's process, so every call's server half (werkzeug, moto's backends) took the same
interpreter lock as the API, the event pump and the schedules: on two cores, one did the
work of both. In a process of its own it runs beside them, as AWS does.

    python -m chalicelib.local.moto_process --port 0   (prints the endpoint, then serves)

The process applies the local stack's corrections of moto (``moto_patches``), answers
until it is told to stop (SIGTERM or SIGINT) and dies with the process that started it.

It writes the demo data the stack opens on when the stack asks (a ``{"demo": {...}}``
line; the answer, a ``{"demo": {...}}`` line, is what the banner shows), the same way as
the history below, once the stack has made every resource through the endpoint.

It also writes the district's history when the stack asks (a ``{"history": {...}}`` line
on its standard input, see ``chalicelib/local/history.py``): through the services, on
moto's backends in this process (``mock_aws`` without a reset, the tables the server
serves), with no HTTP round trip per call, and on the simulated clock, which is this
process's alone. The progress comes back as lines on its standard output."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

LOOPBACK = "127.0.0.1"


def _death_signal() -> Callable[[], None] | None:
    """Linux: what the child runs between fork and exec to get SIGTERM when the stack's
    process dies, however it dies (a kill -9 too). libc is loaded here, in the stack's
    process: importing in the forked child (ctypes) could wait forever on an import lock
    another of the stack's threads held at the fork."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def die_with_parent() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return die_with_parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.local.moto_process")
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.server import ThreadedMotoServer

    from chalicelib.local import moto_patches

    moto_patches.apply_all()
    _list_modules_once()
    # Each AWS call on a connection of its own: werkzeug closes every connection (it reads
    # what is left of a request after answering, which would swallow the next one).
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stopped = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"endpoint": f"http://{host}:{port}"}), flush=True)
    threading.Thread(target=_commands, name="commands", daemon=True).start()
    stopped.wait()
    # Its state lives in memory only: nothing to save, and no client's keep-alive
    # connection to wait for.
    sys.stdout.flush()
    os._exit(0)


def _list_modules_once() -> None:
    """moto's server finds each request's service by first listing its own package
    directory (``list_of_moto_modules``: a listdir and some 150 ``isdir`` calls), under
    the lock every request takes: a tenth of this process's time while the month is
    digested. The directory does not change while the server runs: it is listed once."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


def _commands() -> None:
    """What the stack asks of this process, a JSON object a line."""
    for line in sys.stdin:
        command = json.loads(line)
        if "history" in command:
            threading.Thread(
                target=_write_history, args=(command["history"],), name="history", daemon=True
            ).start()
        if DEMO in command:
            threading.Thread(
                target=_write_demo, args=(command[DEMO],), name="demo", daemon=True
            ).start()


DEMO = "demo"


def _on_own_backends(env: dict[str, str]) -> None:
    """The stack's settings, with moto's backends in this process as the endpoint: the
    tables, pool and queues the server serves (``mock_aws`` without a reset), no HTTP."""
    os.environ.update(env)
    os.environ.pop("MINSHENG_AWS_ENDPOINT", None)
    config = sys.modules.get("chalicelib.core.config")
    if config is not None:  # read by an earlier command, with other settings
        config.settings.cache_clear()
    from moto import mock_aws

    _one_data_loader()
    mock_aws().start(reset=False)


class _SearchPaths(list[str]):
    """A loader's search paths, each once: boto3 adds its own at every session."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def _one_data_loader() -> None:
    """Every botocore session of this process reads botocore's data files through one
    loader. The demo data and the history call through the app's clients and PynamoDB's,
    and each makes a botocore session of its own (PynamoDB one per model and thread), which
    read and parsed the endpoints file and the service's model again: a third of the demo
    data's time. The files do not change while the process runs; what the calls do does
    not depend on which loader read them."""
    import botocore.loaders
    import botocore.session

    if getattr(botocore.session.create_loader, "shared", False):
        return
    loaders: dict[str | None, Any] = {}
    lock = threading.Lock()

    def create_loader(search_path_string: str | None = None) -> Any:
        with lock:
            if search_path_string not in loaders:
                loader = botocore.loaders.create_loader(search_path_string)
                loader._search_paths = _SearchPaths(loader.search_paths)
                loaders[search_path_string] = loader
            return loaders[search_path_string]

    create_loader.shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = create_loader


def _write_demo(spec: dict[str, Any]) -> None:
    """The demo data (``demo.seed``) on this process's backends; the answer on a line."""
    try:
        _on_own_backends(spec["env"])
        import boto3

        from chalicelib.local import demo

        region = spec["env"]["AWS_REGION"]
        answer = demo.seed(
            boto3.client("cognito-idp", region_name=region),
            boto3.client("secretsmanager", region_name=region),
            spec.get("user_pool_id"),
            spec.get("user_pool_client_id"),
        )
    except Exception as exc:  # told to the stack, which stops with it
        import traceback

        traceback.print_exc()
        answer = {"failed": repr(exc)}
    print(json.dumps({DEMO: answer}, ensure_ascii=False), flush=True)


def _write_history(spec: dict[str, Any]) -> None:
    from chalicelib.local import history

    def say(fields: dict[str, Any]) -> None:
        print(json.dumps({history.MARK: fields}, ensure_ascii=False), flush=True)

    try:
        _on_own_backends(spec["env"])
        history.write(spec, say)
    except Exception as exc:  # told to the stack, which shows it
        say({"failed": repr(exc)})
        raise


class MotoProcess:
    """The stack's handle on moto's process: its endpoint, what it prints (``listen``),
    what it is asked (``send``), and a stop that waits for it."""

    def __init__(self, process: subprocess.Popen[str], endpoint: str) -> None:
        self.process = process
        self.endpoint = endpoint
        self.listeners: list[Callable[[str], None]] = []
        self.exited = threading.Event()
        threading.Thread(target=self._read, name="moto-output", daemon=True).start()

    @classmethod
    def start(cls, host: str, port: int, timeout: float = 60.0) -> MotoProcess:
        """Start it with this process's environment (the outbox the Cognito corrections
        write to must be set before) and wait for its endpoint."""
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "chalicelib.local.moto_process"),
                *("--host", host, "--port", str(port)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
            preexec_fn=_death_signal(),
        )
        assert process.stdout is not None
        line = process.stdout.readline()  # its first line, or EOF when it failed to start
        if not line:
            process.wait(timeout)
            raise RuntimeError(f"moto's process exited with {process.returncode} before serving")
        return cls(process, json.loads(line)["endpoint"])

    def _read(self) -> None:
        """Every line it prints, to each listener (a full pipe would stop it mid-call)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            for listener in list(self.listeners):
                listener(line)
        self.exited.set()

    def listen(self, listener: Callable[[str], None]) -> None:
        self.listeners.append(listener)

    def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
        self.process.stdin.flush()

    def ask(self, mark: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send ``{mark: spec}`` and wait for the process's ``{mark: ...}`` answer; raises
        when it answers ``failed``, exits first or takes longer than ``timeout`` seconds."""
        answers: list[dict[str, Any]] = []
        answered = threading.Event()

        def hear(line: str) -> None:
            try:
                fields = json.loads(line)[mark]
            except (ValueError, KeyError, TypeError):
                return  # another command's line, or something else it printed
            answers.append(fields)
            answered.set()

        self.listen(hear)
        try:
            self.send({mark: spec})
            deadline = time.monotonic() + timeout
            while not answered.wait(0.05):
                if self.exited.is_set() and not answered.is_set():
                    raise RuntimeError(f"moto's process exited before answering {mark!r}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto's process did not answer {mark!r} in {timeout} s")
        finally:
            self.listeners.remove(hear)
        if "failed" in answers[0]:
            raise RuntimeError(f"moto's process failed {mark!r}: {answers[0]['failed']}")
        return answers[0]

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None


if __name__ == "__main__":
    sys.exit(main())
