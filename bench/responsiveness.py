"""Responsiveness: does `ltrako serve` keep answering while its workers solve? (issue 16.5)

The script sets itself up: a fresh database (SQLite file, and PostgreSQL `ltrako_resp_<hex>`
when `--postgres` is reachable), migrated, with the reference data and a demo day of
`--requests` requests (`ltrako.planning.demo.load_demo_day`). It starts `ltrako serve` as a
subprocess (LTRAKO_WORKER_PROCESSES=2, no scheduler, on a free port), waits for /health, and
then, per database:

1. idle: GET /api/v1/health back to back for `--idle-seconds` (the baseline);
2. two solves: POST /plans for two ZABs (`--solve-seconds` each) — each answer timed — and,
   once both jobs are `running` in the two worker processes, GET /health back to back from a
   thread while, every second, another dispatcher POSTs /plans (a 1-s job that waits in the
   queue) and that answer is timed too; sampling stops when either solve has ended.

Printed: p50/p95/max of /health idle and during the two solves, the POST /plans answers
(status, p50/p95/max), how many health samples saw both solves running, and PASS/MISS against
the targets (p95 /health < 50 ms while two solves run; POST /plans 202 in < 200 ms while a solve
runs). The service is stopped (SIGTERM: the workers are stopped with it) and the PostgreSQL
database dropped. The machine is shared: the figures say what it did at that moment.

    python -m bench.responsiveness                       # SQLite, and PostgreSQL if reachable
    python -m bench.responsiveness --no-postgres --solve-seconds 20 --requests 80
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import first_day, free_port, percentile
from ltrako.core.clock import FixedClock, SystemClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, normalize_url, session_factory, transaction, upgrade
from ltrako.core.security import SYSTEM, Role, local_issuer
from ltrako.planning.demo import load_demo_day
from ltrako.requests.seed import load_reference
from planner.model import HaversineTravel

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
TZ = "Europe/Berlin"
SECRET = "responsiveness-bench-secret-0123456789abcdef"
DEFAULT_POSTGRES = os.environ.get("LTRAKO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
HEALTH_P95_MS, POST_MS = 50.0, 200.0
SOLVING_ZABS = ("ZAB-E", "ZAB-K")
QUEUED_ZABS = ("ZAB-BI", "ZAB-COE", "ZAB-UN")


@dataclass
class Figures:
    backend: str
    idle_ms: list[float] = field(default_factory=list)
    busy_ms: list[float] = field(default_factory=list)
    both_running: int = 0  # health samples taken while both solves were running
    solve_posts: list[tuple[int, float]] = field(default_factory=list)  # the two solves
    posts: list[tuple[int, float]] = field(default_factory=list)  # POST /plans during the solves
    solve_s: float = 0.0  # how long the sampling window lasted


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"p50 {percentile(values, 50):6.1f}  p95 {percentile(values, 95):6.1f}  max {max(values):7.1f} ms"


# ----------------------------------------------------------------------------- databases


def _prepare(url: str, day: dt.date, requests: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, timezone=TZ)
    sessions = session_factory(engine, FixedClock(SystemClock(TZ).now()))
    with transaction(sessions) as session:
        load_reference(session)
    travel = HaversineTravel(settings.travel_circuity, settings.travel_speed_kmh)
    with transaction(sessions) as session:
        load_demo_day(session, day=day, requests=requests, travel=travel, timezone=TZ, actor=SYSTEM)
    engine.dispose()


def _postgres(url: str) -> tuple[str, Any] | None:
    """A fresh PostgreSQL database and its admin engine, or None if the server is not there."""
    admin = create_engine(
        normalize_url(url), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"ltrako_resp_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # not reachable: SQLite only
        print(f"PostgreSQL nicht erreichbar ({type(exc).__name__}): nur SQLite.")
        admin.dispose()
        return None
    target = make_url(normalize_url(url)).set(database=name).render_as_string(hide_password=False)
    return target, (admin, name)


# ------------------------------------------------------------------------------- service


class Serve:
    """`ltrako serve` (through `python -m cli.main serve`) with two planning worker processes."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LTRAKO_") and k != "DATABASE_URL"}
        env.update(
            LTRAKO_DATABASE_URL=url,
            LTRAKO_JWT_SECRET=SECRET,
            LTRAKO_TIMEZONE=TZ,
            LTRAKO_WORKER_PROCESSES="2",
            LTRAKO_JOB_POLL_S="0.2",
            LTRAKO_JOB_QUEUE_LIMIT="100",
        )
        self.log = log_path.open("wb")
        command = [sys.executable, "-m", "cli.main", "serve", "--no-scheduler", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(base_url=self.base, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"ltrako serve exited ({self.process.returncode}); see {self.log.name}"
                    )
                try:
                    if client.get(f"{API}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                threading.Event().wait(0.2)
        raise RuntimeError("ltrako serve did not answer /health")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # uvicorn ends, then serve stops its workers
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


# ------------------------------------------------------------------------------- measuring


def _health_loop(base: str, until: threading.Event, out: list[float], running: Any = None) -> int:
    """GET /health back to back until `until` is set; returns samples taken while `running()`."""
    both = 0
    with httpx.Client(base_url=base, timeout=30.0) as client:
        while not until.is_set():
            started = time.perf_counter()
            answer = client.get(f"{API}/health")
            out.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
            if running is not None and running():
                both += 1
            until.wait(0.02)
    return both


def measure(backend: str, url: str, options: argparse.Namespace, day: dt.date, logs: Path) -> Figures:
    figures = Figures(backend)
    service = Serve(url, logs / f"responsiveness-{backend}.log")
    issuer = local_issuer(Settings(jwt_secret=SecretStr(SECRET), database_url=url), SystemClock(TZ))

    def headers(zab: str, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(Role.ZAB, zab=zab, subject=subject)}"}

    try:
        service.wait_ready()
        stop = threading.Event()
        idle = threading.Thread(target=_health_loop, args=(service.base, stop, figures.idle_ms))
        idle.start()
        stop.wait(options.idle_seconds)
        stop.set()
        idle.join()

        with httpx.Client(base_url=service.base, timeout=30.0) as client:
            solving: list[tuple[str, dict[str, str]]] = []
            for zab in SOLVING_ZABS:
                who = headers(zab, f"bench-{zab.lower()}")
                body = {"day": str(day), "time_limit_s": options.solve_seconds}
                started = time.perf_counter()
                answer = client.post(f"{API}/plans", json=body, headers=who)
                figures.solve_posts.append((answer.status_code, (time.perf_counter() - started) * 1000))
                assert answer.status_code == 202, answer.text
                solving.append((answer.headers["location"], who))
            states = dict.fromkeys(range(len(solving)), "queued")

            def poll() -> None:
                for i, (location, who) in enumerate(solving):
                    states[i] = client.get(location, headers=who).json()["status"]

            deadline = time.monotonic() + 60
            while any(s != "running" for s in states.values()):  # both claimed by the two workers
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the two solves did not both start: {states}")
                threading.Event().wait(0.1)
                poll()

            stop = threading.Event()
            result: list[int] = []
            probe = threading.Thread(
                target=lambda: result.append(
                    _health_loop(
                        service.base,
                        stop,
                        figures.busy_ms,
                        lambda: all(s == "running" for s in states.values()),
                    )
                )
            )
            window = time.monotonic()
            probe.start()
            number = 0
            while all(s == "running" for s in states.values()):
                zab = QUEUED_ZABS[number % len(QUEUED_ZABS)]
                body = {"day": str(day), "time_limit_s": 1}
                started = time.perf_counter()
                answer = client.post(f"{API}/plans", json=body, headers=headers(zab, f"bench-q{number}"))
                figures.posts.append((answer.status_code, (time.perf_counter() - started) * 1000))
                number += 1
                stop.wait(1.0)
                poll()
            stop.set()
            probe.join()
            figures.solve_s = time.monotonic() - window
            figures.both_running = result[0] if result else 0
    finally:
        service.stop()
    return figures


def report(figures: Figures, options: argparse.Namespace) -> bool:
    busy_p95 = percentile(figures.busy_ms, 95) if figures.busy_ms else float("inf")
    post_ms = [ms for _, ms in figures.posts]
    post_max = max(post_ms) if post_ms else float("inf")
    statuses = sorted({s for s, _ in figures.posts + figures.solve_posts})
    limit = options.solve_seconds
    print(f"\n== {figures.backend}: ltrako serve, 2 worker processes, 2 solves of {limit:g} s ==")
    print(f"GET /health idle          n={len(figures.idle_ms):5d}  {_ms(figures.idle_ms)}")
    print(f"GET /health 2 solves      n={len(figures.busy_ms):5d}  {_ms(figures.busy_ms)}")
    print(f"  samples with both solves running: {figures.both_running} of {len(figures.busy_ms)}")
    print(f"  window: {figures.solve_s:.1f} s")
    print(f"POST /plans (the 2 solves) {[f'{s} {ms:.1f} ms' for s, ms in figures.solve_posts]}")
    print(f"POST /plans during solves n={len(post_ms):5d}  {_ms(post_ms)}  statuses {statuses}")
    health_ok = busy_p95 < HEALTH_P95_MS and figures.both_running > 0
    post_ok = bool(post_ms) and post_max < POST_MS and all(s == 202 for s, _ in figures.posts)
    verdict = {True: "PASS", False: "MISS"}
    print(f"target p95 /health < {HEALTH_P95_MS:.0f} ms while two solves run: {verdict[health_ok]}")
    print(f"target POST /plans 202 in < {POST_MS:.0f} ms (max) while a solve runs: {verdict[post_ok]}")
    return health_ok and post_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=60, help="requests of the demo day")
    parser.add_argument(
        "--solve-seconds", type=float, default=15.0, help="time limit of each of the 2 solves"
    )
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args(argv)
    day = first_day()
    passed = True
    with tempfile.TemporaryDirectory(prefix="ltrako-resp-") as tmp:
        logs = Path(tmp)
        sqlite_url = f"sqlite:///{logs / 'ltrako.db'}"
        _prepare(sqlite_url, day, options.requests)
        passed &= report(measure("sqlite", sqlite_url, options, day, logs), options)
        pg = None if options.no_postgres else _postgres(options.postgres)
        if pg is not None:
            url, (admin, name) = pg
            try:
                _prepare(url, day, options.requests)
                passed &= report(measure("postgresql", url, options, day, logs), options)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
