"""The job queue: planning jobs run by any worker, re-run after a worker died, never twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import func, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Job, JobStatus, PlanVersion, RestplatzOffer, RestplatzRun, RunStatus
from ltrako.planning import restplatz
from ltrako.workers import jobs, nightly
from tests.workflow.conftest import DAY, ESSEN
from tests.workflow.test_daily_loop import first_pass

Auth = Callable[..., dict[str, str]]
JOBS = "/api/v1/jobs"
DISPATCHER = Principal("disponent-e", Role.ZAB, zab_id="ZAB-E")


def _wait(client: TestClient, job_id: str, headers: dict[str, str], timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{JOBS}/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end")


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


def test_a_planning_job_is_done_by_the_service_worker(
    client: TestClient, auth: Auth, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0001")
    headers = auth("zab", subject="disponent-e", **ESSEN)
    started = client.post(
        JOBS, json={"kind": "plan_day", "day": str(DAY), "time_limit_s": 2}, headers=headers
    )
    assert started.status_code == 202, started.text
    job = _wait(client, started.json()["id"], headers)
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
        job_id = jobs.plan_day_job(session, DISPATCHER, day=DAY, zab_id=None, time_limit_s=1).id
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
        job_id = jobs.plan_day_job(session, DISPATCHER, day=DAY, zab_id=None, time_limit_s=1).id
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
        job_id = jobs.plan_day_job(session, DISPATCHER, day=DAY, zab_id=None, time_limit_s=1).id
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
        job_id = jobs.plan_day_job(session, DISPATCHER, day=DAY, zab_id=None, time_limit_s=1).id
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
    done = restplatz.run_pool(runtime, DAY, actor=system, trigger="nightly", slot=slot, time_limit_s=3)
    assert done is not None and done.status is RunStatus.FINISHED and done.offers_made == 1
    assert restplatz.run_pool(runtime, DAY, actor=system, trigger="nightly", slot=slot) is None
    with transaction(runtime.sessions) as session:
        runs = session.exec(select(RestplatzRun).order_by(RestplatzRun.id)).all()
        assert [r.status for r in runs] == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.FINISHED]
        assert "Abgebrochen" in (runs[0].error or "") and "RuntimeError" in (runs[1].error or "")
        assert [r.slot for r in runs] == [None, None, slot]
    assert _count(runtime, RestplatzOffer) == 1


def test_the_nightly_job_takes_over_the_slot_of_a_dead_run(runtime: Runtime) -> None:
    runtime = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"restplatz_days_ahead": 1})
    )
    night = runtime.clock.today()
    tomorrow = night + dt.timedelta(days=1)
    slot = f"nightly:{night}:{tomorrow}"
    with transaction(runtime.sessions) as session:
        session.add(RestplatzRun(day=tomorrow, trigger="nightly", slot=slot, started_by="system"))
    nightly.register(runtime, "after-crash")
    assert len(nightly.nightly_job("after-crash")) == 1
    assert nightly.nightly_job("after-crash") == []  # done now: the next firing skips it
    with transaction(runtime.sessions) as session:
        runs = session.exec(select(RestplatzRun).order_by(RestplatzRun.id)).all()
        assert [(r.status, r.slot) for r in runs] == [(RunStatus.FAILED, None), (RunStatus.FINISHED, slot)]
