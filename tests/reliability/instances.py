"""Real service processes for the scale-out and fault tests: uvicorn instances, workers, a proxy."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx

from bench.load import free_port
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
_NEVER = threading.Event()  # never set: waiting on it is a pause that no faked clock stretches


def pause(seconds: float) -> None:
    """Between two polls of a real process (no time.sleep: it fails under faketime)."""
    _NEVER.wait(seconds)


def eventually(check: Callable[[], bool], timeout_s: float, what: str, every_s: float = 0.1) -> None:
    """Poll `check` (a real process's state) until it holds; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        pause(every_s)


def _env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTRAKO_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        LTRAKO_JWT_SECRET=TEST_SECRET,
        LTRAKO_SCHEDULER="0",
        LTRAKO_JOB_POLL_S="0.3",
        PYTHONPATH=str(ROOT),
    )
    env.update({f"LTRAKO_{k.upper()}": v for k, v in settings.items()})
    return env


class Instance:
    """One `uvicorn api.main:create_app` process on its own port."""

    def __init__(self, database_url: str, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", *self._options()],
            env=_env(database_url, **settings),
            cwd=ROOT,
        )
        try:
            eventually(self._healthy, 30, f"instance on port {self.port} starting", every_s=0.2)
        except AssertionError:
            self.kill()
            raise

    def _healthy(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200
        return False

    def _options(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]

    def kill(self) -> None:
        """Gone at once, as in a crash: no shutdown, no cleanup."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Worker:
    """A separate `ltrako worker` process (the only kind of process that solves)."""

    def __init__(self, database_url: str, **settings: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker"],
            env=_env(database_url, **settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def kill(self) -> None:
        """Gone at once, mid-solve: its job keeps status running until its lease runs out."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@contextlib.contextmanager
def instances(database_url: str, count: int, **settings: str) -> Iterator[list[Instance]]:
    started: list[Instance] = []
    try:
        for _ in range(count):
            started.append(Instance(database_url, **settings))
        yield started
    finally:
        for instance in started:
            instance.stop()


class Proxy:
    """A TCP proxy in front of the database that can "restart" it: every connection is cut and
    new ones are refused for a while, as when the server restarts or fails over."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.down = threading.Event()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.restarts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def restart(self, down_s: float) -> None:
        """Cut every connection now and accept none for `down_s` seconds."""
        self.down.set()
        with self.lock:
            cut, self.sockets = self.sockets, []
        for s in cut:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        pause(down_s)
        self.restarts += 1
        self.down.clear()

    def close(self) -> None:
        self.server.close()
