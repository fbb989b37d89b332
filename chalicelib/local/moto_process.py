"""moto as AWS, in a process of its own: the local stack's endpoint.

AWS answers from other machines; locally, moto's server used to run as a thread of the
stack's process, so every call's server half (werkzeug, moto's backends) took the same
interpreter lock as the API, the event pump and the schedules: on two cores, one did the
work of both. In a process of its own it runs beside them, as AWS does.

    python -m chalicelib.local.moto_process --port 0   (prints the endpoint, then serves)

The process applies the local stack's corrections of moto (``moto_patches``), answers
until it is told to stop (SIGTERM or SIGINT) and dies with the process that started it.

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
from collections.abc import Callable
from typing import Any

LOOPBACK = "127.0.0.1"


def _die_with_parent() -> None:
    """Linux: SIGTERM when the stack's process dies, however it dies (a kill -9 too)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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


def _write_history(spec: dict[str, Any]) -> None:
    from chalicelib.local import history

    def say(fields: dict[str, Any]) -> None:
        print(json.dumps({history.MARK: fields}, ensure_ascii=False), flush=True)

    try:
        # The stack's settings, with moto's backends in this process as the endpoint.
        os.environ.update(spec["env"])
        os.environ.pop("MINSHENG_AWS_ENDPOINT", None)
        from moto import mock_aws

        mock_aws().start(reset=False)  # the tables and queues the stack made stay
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
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
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
