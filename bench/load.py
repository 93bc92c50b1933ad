"""Load: the HTTP service on PostgreSQL with several uvicorn workers, at rising concurrency.

The script sets itself up: a fresh PostgreSQL database `ltrako_load_<hex>` (migrated with
`ltrako.core.db.upgrade`, reference data from `ltrako.requests.seed.load_reference`), demo days from
`ltrako.planning.demo.load_demo_day` run through the daily loop in-process as `bench.restplatz` does
(a share of each day's requests rejected by its ZAB, first pass per ZAB, every proposed tour
accepted, the planner's rejections confirmed, one Restplatzbörse run): the *main day* (requests,
committed tours, plan versions, open offers) for the dispatch reads, and one *pool day* per
stage whose open offers are raced there (`--pool-days` fewer: the stages share their offers).
The service starts as a subprocess while the days load (`uvicorn --factory
api.main:create_app --workers N`, LTRAKO_SCHEDULER=0, on a free port); once /api/v1/health
answers and the days are ready it is warmed up with a few reads, the stages run, the service
stops, the database is checked and dropped (`--keep` keeps it).

A stage runs C virtual clients for `--stage-seconds`, each in a closed loop (no think time
unless `--think-ms`; then an exponential pause of that mean between operations), choosing:

- 30 `read:requests`: GET /transport-requests?day=<main day>, as a dispatcher of the client's ZAB;
- 15 `read:plans`: GET /plans?day=<main day> (the ZAB's plan versions);
- 15 `read:offers`: GET /restplatz/offers?day=<main day> (the main day's offers are never taken);
- 15 `read:reference`: GET /zabs, /abhs, /locations, /vehicles in turn;
- 15 `submit`: POST /transport-requests as the client's ABH for the intake day, one person with
  a unique case reference, an `Idempotency-Key` header with a fresh UUID per submission; after a
  connection error the same submission again with the same key (3 attempts at most);
- 10 `take`: a race: the next open offer of the stage's pool day, taken over by `--racers`
  dispatchers of the offer's ZAB (distinct subjects) at the same moment: one 200 expected, the
  others 409. An offer is addressed to one ZAB (any other gets 403), so the racers are that ZAB's
  dispatchers; offers of other ZABs sharing a request or a crew are superseded by a take-over
  (409 for them too). When the stage's offers are used up, a `read:offers` instead.

Besides the clients, in every stage: a planning job (`plan`) every `--plan-every` seconds,
POST /jobs (`plan_day`) for the stage's pool day with `time_limit_s = --plan-limit`, the ZABs
in turn, solved by one separate `ltrako worker` process (the instances run no planning
threads, the production set-up); `--sync-plans` plans with POST /plans instead, which since
issue 16.5 queues a job too (it solved inside the service's workers before, holding their GIL);
and the baseline, GET /health every 100 ms (`health`), whose p95 at the same load is the
reference for the read p95 (`read-p95/health-p95`).

Per stage and kind: count, throughput, p50/p95/p99 latency (ms, of completed responses), and
errors: 5xx, connection errors, unexpected 4xx (a 409 of a take-over is expected and counted
as `409`). Per stage also the CPU of this client and of the service (percent of one core) and
how busy the whole machine was (the client, PostgreSQL and anything else share it). The tables
go to stdout, one row per stage and kind to `--csv` (default bench/results/load.csv).

Afterwards the database is checked: every submission answered 201 is stored exactly once (by
its case reference, under the id the 201 named), none got 201 twice; every raced offer was
taken at most once, each 200 of a take-over left exactly one committed tour carrying the
offer's requests (status taken over), and none was taken without a 200. Exit 1 on any 5xx,
connection error, unexpected 4xx, lost or duplicated record; the target "read p95 < 100 ms at
50 clients" is reported as PASS/MISS without failing.

    python -m bench.load                               # clients 1 10 25 50 100, 20 s stages, 2 workers
    python -m bench.load --clients 1,10,50 --stage-seconds 10 --workers 4
    python -m bench.load --think-ms 1000               # dispatchers who pause about a second
    python -m bench.load --smoke                       # CI: clients 1 5 10, 3 s stages, small days
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import itertools
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx2 as httpx
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from bench.restplatz import ADMIN, TZ, clear_all
from ltrako.core.clock import SystemClock
from ltrako.core.config import Settings
from ltrako.core.db import normalize_url, transaction, upgrade
from ltrako.core.errors import Conflict
from ltrako.core.runtime import Runtime, open_runtime
from ltrako.core.security import Role, local_issuer
from ltrako.models import (
    Abh,
    OfferStatus,
    Person,
    RequestStatus,
    RestplatzOffer,
    Tour,
    TourStop,
    TransportRequest,
    TransportRequestPerson,
    Zab,
)
from ltrako.planning import dayplan, restplatz
from ltrako.planning.dayplan import RejectReason
from ltrako.planning.demo import load_demo_day
from ltrako.requests.seed import load_reference
from planner.params import SolveParams

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
APP = "api.main:create_app"


def first_day() -> dt.date:
    """The first planning day of the load: the Tuesday after tomorrow (the service refuses past days)."""
    day = SystemClock().today() + dt.timedelta(days=2)
    return day + dt.timedelta(days=(1 - day.weekday()) % 7)


DEFAULT_POSTGRES = os.environ.get("LTRAKO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
TARGET_CLIENTS, TARGET_P95_MS = 50, 100.0
READ_KINDS = ("read:requests", "read:plans", "read:offers", "read:reference")
ERROR_KINDS = (*READ_KINDS, "submit", "take", "plan", "health")
MIX: tuple[tuple[str, int], ...] = (
    ("read:requests", 30),
    ("read:plans", 15),
    ("read:offers", 15),
    ("read:reference", 15),
    ("submit", 15),
    ("take", 10),
)
REFERENCE_PATHS = ("/zabs", "/abhs", "/locations", "/vehicles")
SUBMIT_ATTEMPTS = 3
HEALTH_EVERY_S = 0.1
KEEPALIVE_S = 2.0  # below uvicorn's 5 s: a connection the server is closing is never reused
FLEET = 1.5  # demo staffing per request × this: spare crews elsewhere, as `bench.restplatz --fleet 1.5`


@dataclass(frozen=True)
class Options:
    clients: list[int]
    stage_s: float
    workers: int
    app: str
    think_ms: float
    racers: int
    plan_every_s: float
    plan_limit_s: float
    sync_plans: bool
    main_requests: int
    pool_requests: int
    pool_days: int
    reject_share: float
    first_pass_s: float
    pool_s: float  # time limit of a pool day's Restplatzbörse run
    main_pool_s: float  # of the main day's (a larger pool: the solver needs longer for a first tour)
    postgres_url: str
    keep: bool
    csv: Path | None
    seed: int


# ------------------------------------------------------------------------------ setup


@dataclass(frozen=True)
class Fixture:
    """What the setup made: the days, the ids the clients act with."""

    database_url: str
    main_day: dt.date
    stage_days: list[dt.date]  # the pool day of each stage
    stage_offers: list[list[tuple[int, str]]]  # (offer id, ZAB) raced in each stage
    intake_day: dt.date  # submissions land here, so the reads of the main day stay the same size
    zabs: list[str]
    abhs: list[str]
    day_summaries: list[str]


def weekdays(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def admin_engine(postgres_url: str) -> Engine:
    return create_engine(
        normalize_url(postgres_url), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def database_url(postgres_url: str, name: str) -> str:
    url = make_url(normalize_url(postgres_url)).set(database=name)
    return url.render_as_string(hide_password=False)


def create_database(postgres_url: str, name: str) -> str:
    admin = admin_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(postgres_url, name)


def drop_database(postgres_url: str, name: str) -> None:
    admin = admin_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare_database(url: str) -> None:
    """Schema (the migrations) and the NRW reference data."""
    runtime = open_runtime(Settings(database_url=url, timezone=TZ))
    upgrade(runtime.engine)
    with transaction(runtime.sessions) as session:
        load_reference(session)
    runtime.engine.dispose()


def build_fixture(url: str, options: Options, before_solving: Callable[[], None]) -> Fixture:
    """The main day and the pool days, each through the daily loop; each stage's share of offers.

    `before_solving` runs between loading and the day loops (the solver wants the CPU to itself).
    """
    days = weekdays(first_day(), options.pool_days + 2)
    main_day, pool_days, intake_day = days[0], days[1:-1], days[-1]
    runtime = open_runtime(Settings(database_url=url, timezone=TZ))
    for number, day in enumerate([main_day, *pool_days], start=1):
        size = options.main_requests if day == main_day else options.pool_requests
        with transaction(runtime.sessions) as session:
            load_demo_day(
                session,
                day=day,
                requests=size,
                travel=runtime.travel,
                timezone=TZ,
                actor=ADMIN,
                seed=options.seed + number,
                fleet_scale=max(1.0, size / 40) * FLEET,
            )
            _reject_share(session, day, options.reject_share, options.seed + number)
    with transaction(runtime.sessions) as session:
        clear_all(session)  # every transit approved, every medical reception confirmed
        zabs = sorted(session.exec(select(Zab.id)).all())
        abhs = sorted(session.exec(select(Abh.id)).all())
    runtime.engine.dispose()  # before the day loops fork
    before_solving()
    jobs = [(url, main_day, options.first_pass_s, options.main_pool_s)]  # the longest first
    jobs += [(url, day, options.first_pass_s, options.pool_s) for day in pool_days]
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork")) as pool:
        summaries = list(pool.map(_daily_loop, *zip(*jobs, strict=True)))
    runtime = open_runtime(Settings(database_url=url, timezone=TZ))
    stage_days = [pool_days[n % len(pool_days)] for n in range(len(options.clients))]
    stage_offers: list[list[tuple[int, str]]] = [[] for _ in stage_days]
    for day in pool_days:  # a pool day's offers are shared out among the stages racing on it
        stages = [n for n, d in enumerate(stage_days) if d == day]
        for k, offer in enumerate(open_offers(runtime, day)):
            stage_offers[stages[k % len(stages)]].append(offer)
    runtime.engine.dispose()
    return Fixture(url, main_day, stage_days, stage_offers, intake_day, zabs, abhs, summaries)


def _reject_share(session: Session, day: dt.date, share: float, seed: int) -> None:
    """The ZABs turn down a share of the day's requests (no staff): they go to the pool."""
    rng = random.Random(seed)
    ids = session.exec(
        select(TransportRequest.id).where(TransportRequest.service_date == day).order_by(TransportRequest.id)
    ).all()
    for request_id in ids:
        if rng.random() < share:
            dayplan.reject_request(session, ADMIN, request_id=request_id, reason=RejectReason.NO_STAFF)


def _daily_loop(url: str, day: dt.date, first_pass_s: float, pool_s: float) -> str:
    """First pass per ZAB, every tour accepted, rejections confirmed, one Restplatzbörse run.

    A tour that cannot be committed (409: a clearance is missing) stays proposed, as a
    dispatcher would leave it.
    """
    runtime = open_runtime(Settings(database_url=url, timezone=TZ))
    with transaction(runtime.sessions) as session:
        zabs = sorted(session.exec(select(Zab.id)).all())
    tours = 0
    for zab in zabs:
        version = dayplan.plan_day(
            runtime, ADMIN, day=day, zab_id=zab, params=SolveParams(time_limit_s=first_pass_s)
        )
        assert version.id is not None
        for index in range(len(version.plan["tours"])):
            try:
                with transaction(runtime.sessions) as session:
                    dayplan.accept_tour(session, ADMIN, version_id=version.id, tour_index=index, timezone=TZ)
                tours += 1
            except Conflict:
                pass
        with transaction(runtime.sessions) as session:
            dayplan.reject_unassigned(session, ADMIN, version_id=version.id, timezone=TZ)
    run = restplatz.run_pool(runtime, day, actor=ADMIN, params=SolveParams(time_limit_s=pool_s))
    if run is not None and run.pool_size and not run.offers_made:  # too short for this pool, or the
        run = restplatz.run_pool(
            runtime, day, actor=ADMIN, params=SolveParams(time_limit_s=pool_s * 3)
        )  # CPU is shared
    with transaction(runtime.sessions) as session:
        requests = session.exec(
            select(func.count()).select_from(TransportRequest).where(TransportRequest.service_date == day)
        ).one()
        pooled = session.exec(
            select(func.count())
            .select_from(TransportRequest)
            .where(TransportRequest.service_date == day, TransportRequest.status == RequestStatus.IN_POOL)
        ).one()
        offers = len(open_offers(runtime, day))
    runtime.engine.dispose()
    made = f"run {run.status}, {run.offers_made} offers made" if run is not None else "no run"
    if run is not None and run.error:
        made += f": {run.error}"
    return (
        f"{day}: {requests} requests, {tours} committed tours, {pooled} in the pool, "
        f"{offers} open offers ({made})"
    )


def open_offers(runtime: Runtime, day: dt.date) -> list[tuple[int, str]]:
    """(offer id, ZAB) of the day's open offers, oldest first."""
    with transaction(runtime.sessions) as session:
        rows = session.exec(
            select(RestplatzOffer.id, RestplatzOffer.zab_id)
            .where(RestplatzOffer.day == day, RestplatzOffer.status == OfferStatus.OPEN)
            .order_by(col(RestplatzOffer.id))
        ).all()
    return [(offer_id or 0, zab) for offer_id, zab in rows]


# ---------------------------------------------------------------------------- service


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """`uvicorn --factory APP --workers N` as a subprocess in its own process group."""

    def __init__(self, app: str, url: str, secret: str, workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("LTRAKO_") and k != "DATABASE_URL"}
        env.update(DATABASE_URL=url, LTRAKO_JWT_SECRET=secret, LTRAKO_SCHEDULER="0", LTRAKO_TIMEZONE=TZ)
        env.update(LTRAKO_JOB_POLL_S="0.5")  # a bare uvicorn instance runs no planning worker
        command = [
            sys.executable, "-m", "uvicorn", "--factory", app,
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        # the planning worker (its CPU counts as the service's)
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Health answered 200 several times in a row (every worker has had time to start)."""
        deadline, good = time.monotonic() + timeout_s, 0
        with httpx.Client(base_url=self.base_url, timeout=5.0) as client:
            while good < 5:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the service exited ({self.process.returncode}); see {self.log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not answer /health in {timeout_s} s")
                try:
                    good = good + 1 if client.get(f"{API}/health").status_code == 200 else 0
                except httpx.TransportError:
                    good = 0
                time.sleep(0.2)

    def cpu_seconds(self) -> float:
        """User + system CPU of the service's process group (master and workers) so far."""
        tick, total = os.sysconf("SC_CLK_TCK"), 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) in (self.process.pid, self.worker.pid):  # pgrp: sessions this script started
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        if self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# ---------------------------------------------------------------------------- records


@dataclass
class KindStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    connection_errors: int = 0
    unexpected_4xx: int = 0
    conflicts: int = 0  # 409 where it is expected (take-over races)

    @property
    def count(self) -> int:
        return len(self.latencies_ms) + self.connection_errors

    @property
    def errors(self) -> int:
        return self.server_errors + self.connection_errors + self.unexpected_4xx

    def merge(self, other: KindStats) -> None:
        self.latencies_ms += other.latencies_ms
        self.statuses.update(other.statuses)
        self.server_errors += other.server_errors
        self.connection_errors += other.connection_errors
        self.unexpected_4xx += other.unexpected_4xx
        self.conflicts += other.conflicts


@dataclass
class Submission:
    key: str
    created: list[str] = field(default_factory=list)  # request ids answered with 201
    attempts: int = 0
    connection_errors: int = 0


@dataclass
class Race:
    offer_id: int
    zab: str
    wins: int = 0  # 200
    conflicts: int = 0  # 409
    other: int = 0  # anything else, connection errors included


@dataclass
class Ledger:
    """What the clients were told, for the check against the database."""

    run_tag: str
    submissions: dict[str, Submission] = field(default_factory=dict)  # by case reference
    races: dict[int, Race] = field(default_factory=dict)  # by offer id
    unexpected: Counter[str] = field(default_factory=Counter)  # "kind status: detail" → count


class Recorder:
    def __init__(self, ledger: Ledger) -> None:
        self.kinds: dict[str, KindStats] = defaultdict(KindStats)
        self.ledger = ledger

    async def call(
        self,
        http: httpx.AsyncClient,
        kind: str,
        method: str,
        path: str,
        *,
        expected: frozenset[int],
        tolerated: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> httpx.Response | None:
        """One request, timed and classified; None on a connection error."""
        stats = self.kinds[kind]
        began = time.perf_counter()
        try:
            response = await http.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            stats.connection_errors += 1
            self.ledger.unexpected[f"{kind} {type(exc).__name__}"] += 1
            return None
        stats.latencies_ms.append((time.perf_counter() - began) * 1000)
        stats.statuses[response.status_code] += 1
        if response.status_code in tolerated:
            stats.conflicts += 1
        elif response.status_code >= 500:
            stats.server_errors += 1
        elif response.status_code not in expected:
            stats.unexpected_4xx += 1
        if response.status_code >= 400 and response.status_code not in tolerated:
            self.ledger.unexpected[f"{kind} {response.status_code}: {response.text[:160]}"] += 1
        return response


# ------------------------------------------------------------------------------ stage


class Tokens:
    """Bearer headers of the local issuer, one per (role, unit, subject)."""

    def __init__(self, secret: str) -> None:
        self.issuer = local_issuer(Settings(jwt_secret=SecretStr(secret), oidc_issuer=None), SystemClock())
        self.cache: dict[tuple[Role, str, str], dict[str, str]] = {}

    def __call__(self, role: Role, unit: str, subject: str) -> dict[str, str]:
        key = (role, unit, subject)
        if key not in self.cache:
            token = self.issuer.issue(
                role,
                subject=subject,
                zab=unit if role is Role.ZAB else None,
                abh=unit if role is Role.ABH else None,
            )
            self.cache[key] = {"Authorization": f"Bearer {token}"}
        return self.cache[key]


@dataclass
class Stage:
    clients: int
    pool_day: dt.date
    offers: deque[tuple[int, str]]  # open offers of the pool day, raced in turn
    deadline: float = 0.0


class LoadRun:
    def __init__(self, fixture: Fixture, options: Options, tokens: Tokens, ledger: Ledger) -> None:
        self.fixture = fixture
        self.options = options
        self.tokens = tokens
        self.ledger = ledger
        self.serial = itertools.count(1)

    async def run_stage(self, base_url: str, stage: Stage, recorder: Recorder) -> None:
        limits = httpx.Limits(
            max_connections=stage.clients * self.options.racers + 8,
            max_keepalive_connections=stage.clients * self.options.racers + 8,
            keepalive_expiry=KEEPALIVE_S,
        )
        async with httpx.AsyncClient(base_url=base_url, timeout=120.0, limits=limits) as http:
            stage.deadline = time.perf_counter() + self.options.stage_s
            await asyncio.gather(
                *(self.client(http, stage, recorder, number) for number in range(stage.clients)),
                self.health(http, stage, recorder),
                self.planner(http, stage, recorder),
            )

    async def warm_up(self, base_url: str) -> None:
        """A few reads of each kind on every worker, not recorded."""
        ledger = Ledger("warm-up")
        recorder = Recorder(ledger)
        async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
            for _ in range(3 * self.options.workers):
                await asyncio.gather(
                    *(self.read(http, recorder, n, kind) for n in range(4) for kind in READ_KINDS)
                )
        if ledger.unexpected:
            raise RuntimeError(f"warm-up failed: {dict(ledger.unexpected)}")

    async def client(self, http: httpx.AsyncClient, stage: Stage, recorder: Recorder, number: int) -> None:
        rng = random.Random(f"{self.options.seed}-{stage.clients}-{number}")
        kinds, weights = zip(*MIX, strict=True)
        think_s = self.options.think_ms / 1000
        while time.perf_counter() < stage.deadline:
            kind = rng.choices(kinds, weights)[0]
            if kind == "submit":
                await self.submit(http, recorder, number, rng)
            elif kind == "take" and stage.offers:
                await self.race(http, stage, recorder)
            else:
                await self.read(http, recorder, number, "read:offers" if kind == "take" else kind)
            if think_s > 0:
                await asyncio.sleep(rng.expovariate(1 / think_s))

    def dispatcher(self, number: int) -> tuple[str, dict[str, str]]:
        zab = self.fixture.zabs[number % len(self.fixture.zabs)]
        return zab, self.tokens(Role.ZAB, zab, f"load-dispatcher-{number}")

    async def read(self, http: httpx.AsyncClient, recorder: Recorder, number: int, kind: str) -> None:
        _, headers = self.dispatcher(number)
        day = {"day": self.fixture.main_day.isoformat()}
        ok = frozenset({200})
        if kind == "read:requests":
            await recorder.call(
                http, kind, "GET", "/transport-requests", expected=ok, params=day, headers=headers
            )
        elif kind == "read:plans":
            await recorder.call(http, kind, "GET", "/plans", expected=ok, params=day, headers=headers)
        elif kind == "read:offers":
            await recorder.call(
                http, kind, "GET", "/restplatz/offers", expected=ok, params=day, headers=headers
            )
        else:
            path = REFERENCE_PATHS[next(self.serial) % len(REFERENCE_PATHS)]
            await recorder.call(http, kind, "GET", path, expected=ok, headers=headers)

    async def submit(
        self, http: httpx.AsyncClient, recorder: Recorder, number: int, rng: random.Random
    ) -> None:
        """One logical submission; a connection error is retried with the same Idempotency-Key."""
        abh = self.fixture.abhs[number % len(self.fixture.abhs)]
        case_ref = f"LD-{self.ledger.run_tag}-{number:03d}-{next(self.serial):06d}"
        submission = Submission(key=str(uuid.uuid4()))
        self.ledger.submissions[case_ref] = submission
        body = submission_body(self.fixture.intake_day, abh, case_ref, rng)
        headers = {
            **self.tokens(Role.ABH, abh, f"load-caseworker-{number}"),
            "Idempotency-Key": submission.key,
        }
        for _ in range(SUBMIT_ATTEMPTS):
            submission.attempts += 1
            response = await recorder.call(
                http,
                "submit",
                "POST",
                "/transport-requests",
                expected=frozenset({201}),
                json=body,
                headers=headers,
            )
            if response is None:
                submission.connection_errors += 1
                continue
            if response.status_code == 201:
                submission.created.append(response.json()["id"])
            return

    async def race(self, http: httpx.AsyncClient, stage: Stage, recorder: Recorder) -> None:
        """The offer's ZAB's dispatchers all take it over at the same moment."""
        offer_id, zab = stage.offers.popleft()
        race = self.ledger.races.setdefault(offer_id, Race(offer_id, zab))
        answers = await asyncio.gather(
            *(
                recorder.call(
                    http,
                    "take",
                    "POST",
                    f"/restplatz/offers/{offer_id}/take",
                    expected=frozenset({200}),
                    tolerated=frozenset({409}),
                    headers=self.tokens(Role.ZAB, zab, f"load-racer-{zab}-{racer}"),
                )
                for racer in range(self.options.racers)
            )
        )
        for response in answers:
            status = response.status_code if response is not None else 0
            race.wins += status == 200
            race.conflicts += status == 409
            race.other += status not in (200, 409)

    async def health(self, http: httpx.AsyncClient, stage: Stage, recorder: Recorder) -> None:
        while time.perf_counter() < stage.deadline:
            await recorder.call(http, "health", "GET", "/health", expected=frozenset({200}))
            await asyncio.sleep(HEALTH_EVERY_S)

    async def planner(self, http: httpx.AsyncClient, stage: Stage, recorder: Recorder) -> None:
        """A dispatcher plans the pool day now and then (the ZABs in turn)."""
        zabs = itertools.cycle(self.fixture.zabs)
        while time.perf_counter() < stage.deadline:
            began = time.perf_counter()
            zab = next(zabs)
            body = {"day": stage.pool_day.isoformat(), "time_limit_s": self.options.plan_limit_s}
            sync = self.options.sync_plans
            await recorder.call(
                http,
                "plan",
                "POST",
                "/plans" if sync else "/jobs",
                expected=frozenset({202}),  # both queue: no request solves (issue 16.5)
                json=body if sync else {"kind": "plan_day", **body},
                headers=self.tokens(Role.ZAB, zab, f"load-planner-{zab}"),
            )
            pause = self.options.plan_every_s - (time.perf_counter() - began)
            await asyncio.sleep(max(0.0, min(pause, stage.deadline - time.perf_counter())))


NATIONALITIES = ("ALB", "SRB", "GEO", "TUR", "NGA", "AFG", "IRQ", "MKD", "XXX")


def submission_body(day: dt.date, abh: str, case_ref: str, rng: random.Random) -> dict[str, Any]:
    """One person from the ABH's seat to Düsseldorf airport on `day` (reachable from all of NRW)."""

    def at(hour: int) -> str:
        return f"{day.isoformat()}T{hour:02d}:00:00+01:00"

    return {
        "persons": [
            {"case_ref": case_ref, "nationality": rng.choice(NATIONALITIES), "gender": rng.choice("mf")}
        ],
        "pickup": {"location": abh, "earliest": at(6), "latest": at(8), "service_min": 20},
        "dropoff": {"location": "AP-DUS", "earliest": at(7), "latest": at(18), "service_min": 30},
        "priority": rng.randint(1, 5),
    }


# ---------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank; NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class StageResult:
    clients: int
    seconds: float
    kinds: dict[str, KindStats]
    client_cpu: float  # percent of one core
    server_cpu: float
    machine_busy: float  # percent of all cores, every process on the machine

    def stats(self, kind: str) -> KindStats:
        if kind != "reads":
            return self.kinds.get(kind, KindStats())
        merged = KindStats()
        for read in READ_KINDS:
            merged.merge(self.kinds.get(read, KindStats()))
        return merged

    def rows(self) -> Iterator[dict[str, Any]]:
        for kind in ("reads", *READ_KINDS, "submit", "take", "plan", "health"):
            stats = self.stats(kind)
            yield {
                "clients": self.clients,
                "kind": kind,
                "count": stats.count,
                "rps": round(stats.count / self.seconds, 1),
                "p50_ms": round(percentile(stats.latencies_ms, 50), 1),
                "p95_ms": round(percentile(stats.latencies_ms, 95), 1),
                "p99_ms": round(percentile(stats.latencies_ms, 99), 1),
                "errors_5xx": stats.server_errors,
                "errors_conn": stats.connection_errors,
                "errors_4xx": stats.unexpected_4xx,
                "conflicts_409": stats.conflicts,
                "stage_s": round(self.seconds, 1),
                "client_cpu_pct": round(self.client_cpu),
                "server_cpu_pct": round(self.server_cpu),
                "machine_busy_pct": round(self.machine_busy),
            }

    @property
    def ratio(self) -> float:
        health = percentile(self.stats("health").latencies_ms, 95)
        return percentile(self.stats("reads").latencies_ms, 95) / health if health else math.nan


COLUMNS = (
    "kind",
    "count",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors_5xx",
    "errors_conn",
    "errors_4xx",
    "conflicts_409",
)
HEADINGS = ("kind", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "5xx", "conn", "4xx", "409")


def print_stage(result: StageResult) -> None:
    print(
        f"\n== {result.clients} clients, {result.seconds:.1f} s; CPU (% of one core): "
        f"client {result.client_cpu:.0f}, service {result.server_cpu:.0f}; "
        f"machine busy {result.machine_busy:.0f} % of {os.cpu_count()} cores =="
    )
    print(f"{HEADINGS[0]:<16}" + "".join(f"{h:>9}" for h in HEADINGS[1:]))
    for row in result.rows():
        print(f"{row['kind']:<16}" + "".join(f"{row[c]:>9}" for c in COLUMNS[1:]))
    print(f"read-p95 / health-p95 = {result.ratio:.1f}", flush=True)


SUMMARY = (
    "clients", "reads/s", "read p50", "read p95", "read p99", "health p95", "read-p95/health-p95",
    "submit p95", "take p95", "plans (p95)", "errors", "CPU % client/service", "machine busy %",
)  # fmt: skip


def print_summary(results: list[StageResult]) -> None:
    """One line per stage, as a Markdown table (latencies in ms)."""
    print("\n| " + " | ".join(SUMMARY) + " |")
    print("|" + "---:|" * len(SUMMARY))
    for r in results:
        reads, plans = r.stats("reads"), r.stats("plan")
        errors = sum(r.stats(k).errors for k in ERROR_KINDS)
        cells = [
            str(r.clients),
            f"{reads.count / r.seconds:.0f}",
            *(f"{percentile(reads.latencies_ms, p):.0f}" for p in (50, 95, 99)),
            f"{percentile(r.stats('health').latencies_ms, 95):.0f}",
            f"{r.ratio:.1f}",
            f"{percentile(r.stats('submit').latencies_ms, 95):.0f}",
            f"{percentile(r.stats('take').latencies_ms, 95):.0f}",
            f"{plans.count} ({percentile(plans.latencies_ms, 95):.0f})",
            str(errors),
            f"{r.client_cpu:.0f}/{r.server_cpu:.0f}",
            f"{r.machine_busy:.0f}",
        ]
        print("| " + " | ".join(cells) + " |")


def write_csv(path: Path, results: list[StageResult], workers: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"workers": workers, **row} for result in results for row in result.rows()]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ------------------------------------------------------------------------------ check


@dataclass(frozen=True)
class Check:
    lines: list[str]
    lost: int
    duplicated: int


def check(url: str, ledger: Ledger) -> Check:
    """Compare what the clients were told with what the database holds."""
    runtime = open_runtime(Settings(database_url=url, timezone=TZ))
    try:
        with transaction(runtime.sessions) as session:
            stored: dict[str, set[str]] = defaultdict(set)
            for case_ref, request_id in session.exec(
                select(Person.case_ref, TransportRequestPerson.request_id)
                .join(TransportRequestPerson, col(TransportRequestPerson.person_id) == col(Person.id))
                .where(col(Person.case_ref).startswith(f"LD-{ledger.run_tag}-"))
            ).all():
                stored[case_ref].add(request_id)
            subs = _check_submissions(ledger, stored)
            takes = _check_takes(session, ledger)
    finally:
        runtime.engine.dispose()
    return Check([subs.lines[0], takes.lines[0]], subs.lost + takes.lost, subs.duplicated + takes.duplicated)


def _check_submissions(ledger: Ledger, stored: dict[str, set[str]]) -> Check:
    created = {ref: s for ref, s in ledger.submissions.items() if s.created}
    lost = sum(1 for ref, s in created.items() if not set(s.created) <= stored.get(ref, set()))
    twice = sum(1 for s in created.values() if len(s.created) > 1)
    duplicated = sum(1 for ids in stored.values() if len(ids) > 1) + twice
    unconfirmed = sum(1 for ref, s in ledger.submissions.items() if not s.created and stored.get(ref))
    retried = sum(1 for s in ledger.submissions.values() if s.attempts > 1)
    line = (
        f"submissions: {len(ledger.submissions)} sent, {len(created)} answered 201, "
        f"{retried} retried after a connection error; lost: {lost}, "
        f"duplicated: {duplicated} (201 twice: {twice}), "
        f"stored without a 201: {unconfirmed}"
    )
    return Check([line], lost, duplicated)


def _check_takes(session: Session, ledger: Ledger) -> Check:
    races = ledger.races
    offers = {
        o.id: o
        for o in session.exec(select(RestplatzOffer).where(col(RestplatzOffer.id).in_(list(races)))).all()
    }
    request_ids = sorted({r for o in offers.values() for r in o.request_ids})
    tours_of: dict[str, set[int]] = defaultdict(set)
    for request_id, tour_id in session.exec(
        select(TourStop.request_id, TourStop.tour_id)
        .join(Tour, col(Tour.id) == col(TourStop.tour_id))
        .where(col(TourStop.request_id).in_(request_ids), col(Tour.is_committed))
    ).all():
        tours_of[request_id or ""].add(tour_id)
    status_of = dict(
        session.exec(
            select(TransportRequest.id, TransportRequest.status).where(
                col(TransportRequest.id).in_(request_ids)
            )
        ).all()
    )
    lost = duplicated = taken_silently = 0
    db_status: Counter[str] = Counter()
    for offer_id, race in races.items():
        offer = offers[offer_id]
        db_status[str(offer.status)] += race.wins == 0
        if race.wins > 1:
            duplicated += 1
        if race.wins == 0:
            taken_silently += offer.status == OfferStatus.TAKEN
            continue
        tours = {t for r in offer.request_ids for t in tours_of[r]}
        on_one = all(len(tours_of[r]) == 1 for r in offer.request_ids) and len(tours) == 1
        taken = all(status_of.get(r) == RequestStatus.TAKEN_OVER for r in offer.request_ids)
        if offer.status != OfferStatus.TAKEN or not on_one or not taken:
            lost += 1
    duplicated += sum(1 for r in request_ids if len(tours_of[r]) > 1)
    won = sum(1 for r in races.values() if r.wins == 1)
    nobody = sum(1 for r in races.values() if r.wins == 0)
    attempts = sum(r.wins + r.conflicts + r.other for r in races.values())
    none = ", ".join(f"{status} {n}" for status, n in sorted(db_status.items()) if n) or "-"
    line = (
        f"take-overs: {len(races)} offers raced by {attempts} requests; won once: {won}, "
        f"won by nobody: {nobody} (offer now: {none}); lost: {lost}, duplicated: {duplicated}, "
        f"taken without a 200: {taken_silently}"
    )
    return Check([line], lost + taken_silently, duplicated)


# ------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="CI: clients 1,5,10, 3 s stages, small days")
    parser.add_argument("--clients", help="concurrency of the stages, e.g. 1,10,50 (default 1,10,25,50,100)")
    parser.add_argument("--stage-seconds", type=float, help="length of a stage (default 20; smoke 3)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument(
        "--app", default=APP, help=f"the app factory uvicorn starts (default {APP}; for experiments)"
    )
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause between a client's operations"
    )
    parser.add_argument("--racers", type=int, default=3, help="dispatchers taking the same offer at once")
    parser.add_argument("--plan-every", type=float, help="seconds between planning jobs (default 5; smoke 2)")
    parser.add_argument(
        "--plan-limit", type=float, help="time_limit_s of a planning job (default 1; smoke 0.5)"
    )
    parser.add_argument("--day-requests", type=int, help="requests of the main day (default 100; smoke 40)")
    parser.add_argument("--pool-day-requests", type=int, help="requests of a pool day (default 80; smoke 60)")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES, help="a server and a database to connect to"
    )
    parser.add_argument(
        "--pool-days", type=int, help="days whose offers are raced (default: one per stage; smoke 1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--sync-plans", action="store_true", help="POST /plans (queues too, issue 16.5) instead of POST /jobs"
    )
    parser.add_argument("--csv", type=Path, help="default bench/results/load.csv (smoke: load_smoke.csv)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    def pick(value: Any, full: Any, smoke: Any) -> Any:
        return value if value is not None else (smoke if args.smoke else full)

    clients = pick(args.clients, "1,10,25,50,100", "1,5,10")
    stages = len(clients.split(","))
    return Options(
        clients=[int(c) for c in clients.split(",")],
        stage_s=pick(args.stage_seconds, 20.0, 3.0),
        workers=args.workers,
        app=args.app,
        think_ms=args.think_ms,
        racers=args.racers,
        plan_every_s=pick(args.plan_every, 5.0, 2.0),
        plan_limit_s=pick(args.plan_limit, 1.0, 0.5),
        sync_plans=args.sync_plans,
        main_requests=pick(args.day_requests, 100, 40),
        pool_requests=pick(args.pool_day_requests, 80, 60),
        pool_days=max(1, min(stages, pick(args.pool_days, stages, 1))),
        reject_share=0.3,
        first_pass_s=0.2 if args.smoke else 0.5,
        pool_s=2.0 if args.smoke else 3.0,
        main_pool_s=2.0 if args.smoke else 10.0,
        postgres_url=args.postgres_url,
        keep=args.keep,
        csv=pick(args.csv, ROOT / "bench/results/load.csv", ROOT / "bench/results/load_smoke.csv"),
        seed=args.seed,
    )


@contextmanager
def timed(what: str) -> Iterator[None]:
    began = time.perf_counter()
    yield
    print(f"{what}: {time.perf_counter() - began:.1f} s", flush=True)


def run(options: Options) -> int:
    name = f"ltrako_load_{uuid.uuid4().hex[:10]}"
    secret = secrets.token_urlsafe(32)
    ledger = Ledger(run_tag=uuid.uuid4().hex[:6])
    log_dir = Path(tempfile.mkdtemp(prefix="ltrako-load-"))
    print(f"database {name}, {options.workers} workers, {os.cpu_count()} cores (shared with the clients)")
    url = create_database(options.postgres_url, name)
    failed = True
    try:
        with timed("schema and reference data"):
            prepare_database(url)
        service = Service(
            options.app, url, secret, options.workers, log_dir / "service.log"
        )  # starts meanwhile
        try:

            def wait_ready() -> None:
                with timed(f"service on port {service.port}: waiting for /health"):
                    service.wait_ready()

            with timed("main day and pool days"):
                fixture = build_fixture(url, options, wait_ready)
            for line in fixture.day_summaries:
                print(f"  {line}")
            results = drive(service, fixture, options, secret, ledger)
        finally:
            with timed("service stopped"):
                service.stop()
        with timed("database checked"):
            outcome = check(url, ledger)
        failed = report(results, outcome, ledger, options)
    finally:
        if options.keep:
            print(f"kept database {name}: {url}")
        else:
            with timed(f"database {name} dropped"):
                drop_database(options.postgres_url, name)
        if failed:
            print(f"service log: {log_dir / 'service.log'}")
        else:
            for path in log_dir.iterdir():
                path.unlink()
            log_dir.rmdir()
    return 1 if failed else 0


def drive(
    service: Service, fixture: Fixture, options: Options, secret: str, ledger: Ledger
) -> list[StageResult]:
    """Warm the service up, then run the stages."""
    load = LoadRun(fixture, options, Tokens(secret), ledger)
    with timed("warm-up"):
        asyncio.run(load.warm_up(service.base_url))
    results = []
    for clients, day, offers in zip(options.clients, fixture.stage_days, fixture.stage_offers, strict=True):
        stage = Stage(clients, day, deque(offers))
        recorder = Recorder(ledger)
        cpu, server_cpu, machine = time.process_time(), service.cpu_seconds(), machine_ticks()
        began = time.perf_counter()
        asyncio.run(load.run_stage(service.base_url, stage, recorder))
        seconds = time.perf_counter() - began
        busy, total = (after - before for after, before in zip(machine_ticks(), machine, strict=True))
        result = StageResult(
            clients,
            seconds,
            dict(recorder.kinds),
            (time.process_time() - cpu) / seconds * 100,
            (service.cpu_seconds() - server_cpu) / seconds * 100,
            busy / total * 100 if total else math.nan,
        )
        print_stage(result)
        results.append(result)
    return results


def report(results: list[StageResult], outcome: Check, ledger: Ledger, options: Options) -> bool:
    """Print the summary and the checks; True if the run failed."""
    print_summary(results)
    if options.csv is not None:
        write_csv(options.csv, results, options.workers)
        print(f"\nCSV: {options.csv}")
    errors = sum(r.stats(k).errors for r in results for k in ERROR_KINDS)
    print()
    for line in outcome.lines:
        print(line)
    print(
        f"lost: {outcome.lost}, duplicated: {outcome.duplicated}, "
        f"errors (5xx, connection, unexpected 4xx): {errors}"
    )
    if not ledger.races:
        print("warning: no offer was raced (the Restplatzbörse runs of the setup made no offers)")
    for what, count in ledger.unexpected.most_common(10):
        print(f"  {count} × {what}")
    at_target = [r for r in results if r.clients == TARGET_CLIENTS]
    if at_target:
        p95 = percentile(at_target[0].stats("reads").latencies_ms, 95)
        verdict = "PASS" if p95 < TARGET_P95_MS else "MISS"
        print(
            f"target read p95 < {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS} clients: {verdict} ({p95:.1f} ms)"
        )
    else:
        print(
            f"target read p95 < {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS} clients: "
            "not measured (no such stage)"
        )
    return bool(errors or outcome.lost or outcome.duplicated)


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()
