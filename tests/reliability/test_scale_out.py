"""Several instances and workers on one PostgreSQL, with the faults they must survive.

Real processes: uvicorn instances on their own ports, `ltrako worker` processes, and a TCP
proxy in front of the database that cuts every connection as a restart would. PostgreSQL
only: the embedded SQLite default is one process by design.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable

import httpx2 as httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from ltrako.core.clock import SystemClock
from ltrako.core.db import normalize_url, transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM, Principal, Role
from ltrako.models import (
    IdempotencyKey,
    Job,
    JobStatus,
    OfferStatus,
    PlanVersion,
    RestplatzOffer,
    RestplatzRun,
    Tour,
    TransportRequest,
)
from ltrako.planning import dayplan, restplatz
from ltrako.planning.scenario import import_scenario
from ltrako.workers import jobs
from planner.params import SolveParams
from tests.factories import request_body, two_zab_day
from tests.reliability.instances import ROOT, Instance, Proxy, Worker, eventually, instances, pause

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

# The service processes run on the machine's clock and refuse past days: the day after tomorrow.
DAY = SystemClock().today() + dt.timedelta(days=2)
API = "/api/v1"
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(process_auth: Auth) -> Auth:
    """Tokens for the service processes of these tests (the machine's clock)."""
    return process_auth


@pytest.fixture
def day(runtime: Runtime) -> dt.date:
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=two_zab_day(DAY), actor=SYSTEM)
    return DAY


def _submit(base: str, headers: dict[str, str], case: str, key: str | None = None) -> httpx.Response:
    body = request_body(DAY, persons=[{"case_ref": case, "nationality": "ALB", "gender": "m"}])
    extra = {"Idempotency-Key": key} if key else {}
    return httpx.post(f"{base}{API}/transport-requests", json=body, headers={**headers, **extra}, timeout=30)


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with transaction(runtime.sessions) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_two_instances_serve_the_same_data_and_a_job_survives_its_worker(
    runtime: Runtime, db_url: str, auth: Auth, day: dt.date
) -> None:
    """Instance A queues a plan (202 at once: no instance solves); worker 1 claims it and is
    killed mid-solve, and A with it; instance B still answers, and worker 2 takes the job over
    once the lease has run out and finishes it."""
    abh, zab = auth("abh", abh="ABH-05113"), auth("zab", subject="disponent-e", zab="ZAB-E")
    a = Instance(db_url, job_lease_s="3")
    try:
        with instances(db_url, 1, job_lease_s="3") as (b,):
            made = [_submit(a.url, abh, "E-2026-0001"), _submit(b.url, abh, "E-2026-0002")]
            assert [r.status_code for r in made] == [201, 201]
            for base in (a.url, b.url):  # both see both
                seen = httpx.get(f"{base}{API}/transport-requests", params={"day": str(day)}, headers=zab)
                assert {r["id"] for r in seen.json()} == {r.json()["id"] for r in made}
            started = httpx.post(
                f"{a.url}{API}/plans", json={"day": str(day), "time_limit_s": 8}, headers=zab, timeout=30
            )
            assert started.status_code == 202 and started.headers["location"].endswith(started.json()["id"])
            location = started.headers["location"]

            def state() -> dict[str, object]:
                return dict(httpx.get(f"{b.url}{location}", headers=zab, timeout=30).json())

            assert state()["status"] == "queued"  # nothing solves in the instances
            first = Worker(db_url, job_lease_s="3")
            try:
                eventually(lambda: state()["status"] == "running", 30, "worker 1 claiming the job")
            finally:
                first.kill()  # mid-solve (8 s of solving just began)
            a.kill()
            assert state()["status"] == "running"  # left behind: the lease has not run out yet
            second = Worker(db_url, job_lease_s="3")
            try:
                eventually(lambda: state()["status"] in ("done", "failed"), 90, "worker 2 finishing")
            finally:
                second.stop()
            final = state()
            assert final["status"] == "done" and final["attempts"] == 2, final
            assert _count(runtime, PlanVersion) == 1
            version = httpx.get(f"{b.url}{API}/plans/{final['result_ref']}", headers=zab).json()
            assert version["served"] == 1  # one crew, two simultaneous trips
    finally:
        a.kill()


def _offer_for_koeln(runtime: Runtime, base: str, auth: Auth) -> int:
    """The daily loop up to an open offer: Essen accepts one trip, rejects the other, the
    Restplatzbörse offers it to Köln."""
    abh = auth("abh", abh="ABH-05113")
    for case in ("E-2026-0001", "E-2026-0002"):
        assert _submit(base, abh, case).status_code == 201
    essen = Principal("disponent-e", Role.ZAB, zab_id="ZAB-E")
    version = dayplan.plan_day(runtime, essen, day=DAY, zab_id=None, params=SolveParams(time_limit_s=3))
    assert version.id is not None
    with transaction(runtime.sessions) as session:
        dayplan.accept_tour(session, essen, version_id=version.id, tour_index=0, timezone="Europe/Berlin")
        dayplan.reject_unassigned(session, essen, version_id=version.id, timezone="Europe/Berlin")
    run = restplatz.run_pool(runtime, DAY, actor=SYSTEM, params=SolveParams(time_limit_s=3))
    assert run is not None and run.offers_made == 1
    with transaction(runtime.sessions) as session:
        offer = session.exec(select(RestplatzOffer).where(RestplatzOffer.status == OfferStatus.OPEN)).one()
        assert offer.id is not None and offer.zab_id == "ZAB-K"
        return offer.id


def test_a_take_over_raced_across_two_instances_is_won_once(
    runtime: Runtime, db_url: str, auth: Auth, day: dt.date
) -> None:
    with instances(db_url, 2) as (a, b):
        offer_id = _offer_for_koeln(runtime, a.url, auth)
        tours_before = _count(runtime, Tour)
        start = threading.Barrier(4)
        outcomes: list[int] = []

        def take(base: str, who: str) -> None:
            headers = auth("zab", subject=who, zab="ZAB-K")
            start.wait()
            answer = httpx.post(f"{base}{API}/restplatz/offers/{offer_id}/take", headers=headers, timeout=30)
            outcomes.append(answer.status_code)

        racers = [
            threading.Thread(target=take, args=(base, f"disponent-k{i}"))
            for i, base in enumerate((a.url, b.url, a.url, b.url))
        ]
        for t in racers:
            t.start()
        for t in racers:
            t.join()
        assert sorted(outcomes) == [200, 409, 409, 409], outcomes
        assert _count(runtime, Tour) == tours_before + 1
        with transaction(runtime.sessions) as session:
            offer = session.get(RestplatzOffer, offer_id)
            assert offer is not None and offer.status is OfferStatus.TAKEN


def test_the_nightly_job_started_by_two_processes_runs_once(
    runtime: Runtime, db_url: str, day: dt.date
) -> None:
    script = (
        "from ltrako.workers import nightly; from ltrako.core.runtime import open_runtime; "
        "rt = open_runtime(); nightly.register(rt); print(len(nightly.nightly_job()))"
    )
    env = {"DATABASE_URL": db_url, "LTRAKO_RESTPLATZ_DAYS_AHEAD": "2", "LTRAKO_RESTPLATZ_TIME_LIMIT_S": "2"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    queued = [int(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in processes]
    assert queued == [2, 2], queued  # the batch only queues: nothing has run yet
    assert jobs.run_queued(runtime) == 4  # the workers' part, here in the test's thread
    with transaction(runtime.sessions) as session:
        runs = session.exec(select(RestplatzRun).where(RestplatzRun.trigger == "nightly")).all()
        assert len(runs) == 2 and len({r.slot for r in runs}) == 2


def test_submissions_through_a_database_restart_are_neither_lost_nor_duplicated(
    runtime: Runtime, db_url: str, auth: Auth, day: dt.date
) -> None:
    """Case workers keep submitting while the database connection is cut twice (after the 10th
    and the 30th stored submission); a submission that failed (503, broken connection) is sent
    again with its Idempotency-Key."""
    url = make_url(normalize_url(db_url))
    proxy = Proxy(url.port or 5432)
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    headers = auth("abh", subject="sb-essen", abh="ABH-05113")
    keys = {f"E-2026-{n:04d}": f"submit-{uuid.uuid4().hex}" for n in range(60)}
    created: dict[str, str] = {}
    retries: list[int] = []
    stored = {10: threading.Event(), 30: threading.Event()}
    try:
        with instances(via_proxy, 1) as (service,):

            def case_worker(cases: list[str]) -> None:
                for case in cases:
                    for attempt in range(40):
                        try:
                            answer = _submit(service.url, headers, case, keys[case])
                            if answer.status_code == 201:
                                created[case] = answer.json()["id"]
                                for count, reached in stored.items():
                                    if len(created) >= count:
                                        reached.set()
                                break
                            assert answer.status_code == 503, answer.text  # the only expected failure
                        except httpx.TransportError:
                            pass
                        retries.append(attempt)
                        pause(0.25)  # before sending it again

            cases = sorted(keys)
            workers = [threading.Thread(target=case_worker, args=(cases[i::4],)) for i in range(4)]
            for t in workers:
                t.start()
            assert stored[10].wait(60), "no submission got through"
            proxy.restart(down_s=2.0)
            assert stored[30].wait(120), "submissions did not resume after the first restart"
            proxy.restart(down_s=1.0)
            for t in workers:
                t.join()
    finally:
        proxy.close()
    assert proxy.restarts == 2 and retries, "the faults did not hit any submission"
    assert len(created) == len(keys), sorted(set(keys) - set(created))  # nothing lost
    with transaction(runtime.sessions) as session:
        stored = session.exec(select(TransportRequest)).all()
        assert len(stored) == len(keys) == len({r.id for r in stored})  # nothing duplicated
        assert {r.id for r in stored} == set(created.values())
        assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == len(keys)
        assert (
            session.exec(select(func.count()).select_from(Job).where(Job.status == JobStatus.RUNNING)).one()
            == 0
        )
