"""The job queue: planning jobs run by any worker, re-run after a worker died, never twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Job, JobStatus, PlanVersion, RestplatzOffer, RestplatzRun, RunStatus
from ltrako.planning import restplatz
from ltrako.workers import jobs, nightly
from planner.params import SolveParams
from tests.jobs import finish, queued
from tests.workflow.conftest import DAY, ESSEN, KOELN
from tests.workflow.test_daily_loop import first_pass

Auth = Callable[..., dict[str, str]]
JOBS = "/api/v1/jobs"
DISPATCHER = Principal("disponent-e", Role.ZAB, zab_id="ZAB-E")
LIMITS = jobs.Limits(queued=20, per_owner=3)


def _queue(session: Session, **changes: object) -> str:
    """Essen's day queued by its dispatcher (1 s, reproducible search)."""
    params = SolveParams(time_limit_s=1, solution_limit=50)
    args: dict[str, Any] = {"day": DAY, "zab_id": None, "params": params, "limits": LIMITS, **changes}
    return jobs.plan_day_job(session, DISPATCHER, **args).id


def _expire(runtime: Runtime, job_id: str, worker: str = "dead-worker") -> None:
    """What a worker that died mid-run leaves behind: running, its lease run out."""
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.worker, job.attempts = JobStatus.RUNNING, worker, job.attempts + 1
        job.lease_until = runtime.clock.now() - dt.timedelta(seconds=1)
        session.add(job)


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with transaction(runtime.sessions) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_a_planning_job_is_done_by_a_worker(
    client: TestClient, auth: Auth, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0001")
    headers = auth("zab", subject="disponent-e", **ESSEN)
    started = client.post(
        JOBS, json={"kind": "plan_day", "day": str(DAY), "time_limit_s": 2}, headers=headers
    )
    queued(started)
    assert client.get(f"{JOBS}/{started.json()['id']}", headers=headers).json()["status"] == "queued"
    job = finish(client, started)
    assert job["status"] == "done" and job["attempts"] == 1 and job["progress"] == 1.0
    assert "1 Aufträge eingeplant" in str(job["message"])
    version = client.get(f"/api/v1/plans/{job['result_ref']}", headers=headers)
    assert version.status_code == 200 and version.json()["served"] == 1
    # only its owner follows it; rules are checked when it is queued
    assert client.get(f"{JOBS}/{job['id']}", headers=auth("zab", subject="other", **ESSEN)).status_code == 404
    refused = client.post(JOBS, json={"kind": "plan_day", "day": str(DAY)}, headers=auth("zfa"))
    assert refused.status_code == 403
    refused = client.post(
        JOBS, json={"kind": "restplatz_run", "day": str(DAY)}, headers=auth("abh", abh="ABH-05113")
    )
    assert refused.status_code == 403


def test_a_job_whose_worker_died_is_run_again_by_another(
    runtime: Runtime, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        job_id = _queue(session)
    _expire(runtime, job_id)
    assert jobs.work_once(runtime, "second-worker")
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.status, job.attempts, job.worker) == (JobStatus.DONE, 2, "second-worker")
    assert _count(runtime, PlanVersion) == 1


def test_a_job_rerun_after_its_result_was_stored_does_not_plan_twice(
    runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """The worker died after storing the plan but before marking the job done."""
    submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        job_id = _queue(session)
    first = jobs.claim(runtime, "first-worker")
    assert first is not None and first.id == job_id
    jobs.HANDLERS[jobs.PLAN_DAY](runtime, first)  # stored; then the worker is gone
    _expire(runtime, job_id, "first-worker")
    assert jobs.work_once(runtime, "second-worker")
    assert _count(runtime, PlanVersion) == 1
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        version = session.exec(select(PlanVersion)).one()
        assert job is not None and job.status is JobStatus.DONE and job.result_ref == str(version.id)


def test_a_job_that_keeps_killing_its_worker_is_given_up(
    runtime: Runtime, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        job_id = _queue(session)
    for _ in range(runtime.settings.job_max_attempts):
        _expire(runtime, job_id)
    assert not jobs.work_once(runtime, "next-worker")
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status is JobStatus.FAILED and "Versuchen" in (job.message or "")
    assert _count(runtime, PlanVersion) == 0


def test_a_lost_lease_does_not_overwrite_the_new_worker(
    runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """A worker that stalled past its lease cannot mark the job its successor now owns."""
    submit("E-2026-0001")
    with transaction(runtime.sessions) as session:
        job_id = _queue(session)
    stalled = jobs.claim(runtime, "stalled")
    assert stalled is not None
    _expire(runtime, job_id, "stalled")
    successor = jobs.claim(runtime, "successor")
    assert successor is not None and successor.id == job_id
    jobs._finish(runtime, job_id, "stalled", JobStatus.FAILED, jobs.Outcome("zu spät"))
    with transaction(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status is JobStatus.RUNNING and job.worker == "successor"


def test_a_crashed_nightly_run_is_repeated_until_it_finishes_and_offers_are_not_duplicated(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """The night's run dies with its process, its repeat fails in the solver, the next repeat
    finishes: one set of offers, and the slot is then done for good."""
    first_pass(client, auth, submit)
    system, slot = Principal("system", Role.ADMIN), f"nightly:2026-11-24:{DAY}"
    with transaction(runtime.sessions) as session:  # left behind by the dead process
        session.add(RestplatzRun(day=DAY, trigger="nightly", slot=slot, started_by="system"))

    def broken(*_: object) -> None:
        raise RuntimeError("solver killed")

    failed = restplatz.run_pool(runtime, DAY, actor=system, trigger="nightly", slot=slot, solver=broken)  # type: ignore[arg-type]
    assert failed is not None and failed.status is RunStatus.FAILED
    assert _count(runtime, RestplatzOffer) == 0
    done = restplatz.run_pool(
        runtime, DAY, actor=system, trigger="nightly", slot=slot, params=SolveParams(time_limit_s=3)
    )
    assert done is not None and done.status is RunStatus.FINISHED and done.offers_made == 1
    assert restplatz.run_pool(runtime, DAY, actor=system, trigger="nightly", slot=slot) is None
    with transaction(runtime.sessions) as session:
        runs = session.exec(select(RestplatzRun).order_by(RestplatzRun.id)).all()
        assert [r.status for r in runs] == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.FINISHED]
        assert "Abgebrochen" in (runs[0].error or "") and "RuntimeError" in (runs[1].error or "")
        assert [r.slot for r in runs] == [None, None, slot]
    assert _count(runtime, RestplatzOffer) == 1


def test_the_nightly_job_takes_over_the_slot_of_a_dead_run(
    runtime: Runtime, drain: Callable[[], int]
) -> None:
    runtime = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"restplatz_days_ahead": 1})
    )
    night = runtime.clock.today()
    tomorrow = night + dt.timedelta(days=1)
    slot = f"nightly:{night}:{tomorrow}"
    with transaction(runtime.sessions) as session:
        session.add(RestplatzRun(day=tomorrow, trigger="nightly", slot=slot, started_by="system"))
    nightly.register(runtime, "after-crash")
    assert len(nightly.nightly_job("after-crash")) == 1  # the dead run did not finish: queued again
    assert drain() == 1
    assert nightly.nightly_job("after-crash") == []  # done now: the next firing queues nothing
    with transaction(runtime.sessions) as session:
        runs = session.exec(select(RestplatzRun).order_by(RestplatzRun.id)).all()
        assert [(r.status, r.slot) for r in runs] == [(RunStatus.FAILED, None), (RunStatus.FINISHED, slot)]


# ------------------------------------------------------------ solving only in workers, bounded


def test_post_plans_answers_at_once_and_solves_nothing_in_the_request(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """202 with the job and its Location; no plan version exists until a worker ran the job."""
    submit("E-2026-0001")
    headers = auth("zab", **ESSEN)
    body = {"day": str(DAY), "time_limit_s": 5, "seed": 7, "solution_limit": 20}
    response = client.post("/api/v1/plans", json=body, headers=headers)
    job = queued(response)
    assert job["kind"] == "plan_day" and job["progress"] == 0.0
    assert _count(runtime, PlanVersion) == 0  # nothing solved inside the request
    with transaction(runtime.sessions) as session:
        stored = session.get(Job, job["id"])
        assert stored is not None
        assert jobs.params_of(stored) == SolveParams(time_limit_s=5, seed=7, solution_limit=20)
    followed = client.get(response.headers["location"], headers=headers)
    assert followed.status_code == 200 and followed.json()["status"] == "queued"
    done = finish(client, response)
    assert done["status"] == "done" and _count(runtime, PlanVersion) == 1


def test_time_limits_are_capped_per_role(client: TestClient, auth: Auth, day: dt.date) -> None:
    """A dispatcher may ask for 60 s, operations for 300 s; beyond that 422 at time_limit_s."""
    zab, admin = auth("zab", **ESSEN), auth("admin")
    for path, body in (
        ("/api/v1/plans", {"day": str(day), "time_limit_s": 61}),
        ("/api/v1/restplatz/runs", {"day": str(day), "time_limit_s": 61}),
        (JOBS, {"kind": "plan_day", "day": str(day), "time_limit_s": 60.5}),
    ):
        refused = client.post(path, json=body, headers=zab)
        assert refused.status_code == 422, (path, refused.text)
        problem = refused.json()["detail"][0]
        assert problem["field"] == "time_limit_s" and "Höchstens 60 Sekunden" in problem["msg"], problem
        assert client.post(path, json={**body, "time_limit_s": 60}, headers=zab).status_code == 202
    allowed = client.post(
        "/api/v1/plans", json={"day": str(day), "zab_id": "ZAB-E", "time_limit_s": 300}, headers=admin
    )
    assert allowed.status_code == 202, allowed.text
    beyond = client.post("/api/v1/restplatz/runs", json={"day": str(day), "time_limit_s": 301}, headers=admin)
    assert beyond.status_code == 422 and beyond.json()["detail"][0]["field"] == "time_limit_s"
    zfa = auth("zfa")
    refused = client.post("/api/v1/charters/1/plan", params={"time_limit": 61}, headers=zfa)
    assert refused.status_code in (404, 422)  # no charter 1 here: the charter test checks the cap


def test_the_queue_is_bounded(client: TestClient, auth: Auth, runtime: Runtime, day: dt.date) -> None:
    """One owner with too many open jobs, then a full queue: 429, Retry-After, a German message."""
    runtime.settings.job_owner_limit, runtime.settings.job_queue_limit = 2, 3
    headers = auth("zab", **ESSEN)
    body = {"day": str(day), "time_limit_s": 1}
    assert [client.post("/api/v1/plans", json=body, headers=headers).status_code for _ in range(2)] == [
        202,
        202,
    ]
    mine = client.post("/api/v1/plans", json=body, headers=headers)
    assert mine.status_code == 429 and int(mine.headers["retry-after"]) >= 5
    assert "bereits 2 Planungsaufträge" in mine.json()["detail"]
    assert client.post("/api/v1/restplatz/runs", json=body, headers=auth("zab", **KOELN)).status_code == 202
    full = client.post("/api/v1/restplatz/runs", json=body, headers=auth("zab", **KOELN))
    assert full.status_code == 429 and "Planungswarteschlange ist voll" in full.json()["detail"]
    assert int(full.headers["retry-after"]) >= 5
    assert _count(runtime, Job) == 3
    assert jobs.run_queued(runtime) == 3  # worked off, there is room again
    assert client.post("/api/v1/plans", json=body, headers=headers).status_code == 202
