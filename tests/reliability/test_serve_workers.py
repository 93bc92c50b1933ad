"""`ltrako serve` solves in worker processes of its own and takes them along when it ends.

Real processes on SQLite: the service with LTRAKO_WORKER_PROCESSES=2 answers POST /plans with
202 at once, its workers (children running `cli.main worker`) do the job, and after SIGTERM
(uvicorn re-raises it once shut down: serve stops its workers and exits 0) or SIGKILL of the
service (the workers get SIGTERM as their parent dies) no worker is left behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from bench.load import free_port
from ltrako.core.clock import SystemClock
from ltrako.core.config import Settings
from ltrako.core.security import Role, local_issuer
from tests.conftest import TEST_SECRET
from tests.reliability.instances import ROOT, _env, eventually

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` and that run the planning worker."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(fields[1]) == pid and b"cli.main worker" in command:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _serve(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = _env(db_url, worker_processes="2", job_poll_s="0.2")
    command = [sys.executable, "-m", "cli.main", "serve", "--no-scheduler", "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("ending", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_serve_plans_in_its_worker_processes_and_leaves_none_behind(db_url: str, ending: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = _serve(db_url, port)
    workers: list[int] = []
    try:
        eventually(lambda: _healthy(base), 60, "ltrako serve answering /health", every_s=0.2)
        eventually(lambda: len(_children(service.pid)) == 2, 30, "two worker processes")
        workers = _children(service.pid)
        issuer = local_issuer(Settings(database_url=db_url, jwt_secret=TEST_SECRET), SystemClock())
        headers = {"Authorization": f"Bearer {issuer.issue(Role.ZAB, zab='ZAB-E', subject='d-e')}"}
        day = SystemClock().today().isoformat()
        answer = httpx.post(f"{base}/api/v1/plans", json={"day": day, "time_limit_s": 1}, headers=headers)
        assert answer.status_code == 202, answer.text
        location = f"{base}{answer.headers['location']}"

        def ended() -> bool:  # a poll that times out on a loaded machine is polled again
            try:
                return httpx.get(location, headers=headers, timeout=10).json()["status"] in ("done", "failed")
            except httpx.HTTPError:
                return False

        eventually(ended, 60, "a worker process running the job")
        job = httpx.get(location, headers=headers).json()
        assert job["status"] == "done" and job["attempts"] == 1, job
    finally:
        service.send_signal(ending)
        service.wait(60)
    if ending == signal.SIGTERM:  # a graceful end: the workers were stopped, then serve exited
        assert service.returncode == 0, service.returncode
    eventually(lambda: not any(_alive(pid) for pid in workers), 45, "the workers ending with serve")
