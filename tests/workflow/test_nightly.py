"""The nightly batch: APScheduler with its job store in the database; it only queues the runs,
the planning workers solve them, one run per night and day however often it fires.

No real time passes: the scheduler is paused, its stored job is called as it would be at
02:00, and the queue is worked off in the test's thread."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlmodel import func, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import Job, JobStatus, RestplatzRun, RunStatus
from ltrako.workers import nightly


def _nightly_runs(runtime: Runtime) -> list[RestplatzRun]:
    with transaction(runtime.sessions) as session:
        return list(session.exec(select(RestplatzRun).where(RestplatzRun.trigger == "nightly")).all())


def _queued(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as session:
        return int(
            session.exec(select(func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED)).one()
        )


def _days_ahead(runtime: Runtime, days: int) -> Runtime:
    return dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"restplatz_days_ahead": days})
    )


def test_the_scheduler_only_queues_and_the_workers_run_the_night(
    runtime: Runtime, drain: Callable[[], int]
) -> None:
    """The job stored at 02:00 fires (called here as the scheduler would call it): it queues one
    Restplatzbörse job per coming day and solves nothing; the workers then record one run per day."""
    runtime = _days_ahead(runtime, 2)
    scheduler = nightly.start_scheduler(runtime, key="fires", paused=True)
    try:
        job = scheduler.get_job(nightly.JOB_ID)
        assert job.next_run_time is not None
        assert (job.next_run_time.hour, job.next_run_time.minute) == (2, 0)  # local time
        queued = job.func(*job.args, **job.kwargs)  # what the scheduler's thread does at 02:00
    finally:
        scheduler.shutdown(wait=False)  # not due: nothing fires on the way out
    assert len(queued) == 2 and _queued(runtime) == 2
    assert _nightly_runs(runtime) == []  # nothing solved in the scheduler
    assert drain() == 2
    runs = _nightly_runs(runtime)
    assert [r.status for r in runs] == [RunStatus.FINISHED] * 2 and len({r.slot for r in runs}) == 2


def test_the_batch_fired_by_two_instances_runs_once_per_day(
    runtime: Runtime, drain: Callable[[], int]
) -> None:
    """Two instances' schedulers fire in the same night: the slot lets one run per day through;
    a firing after the night's runs finished queues nothing."""
    runtime = _days_ahead(runtime, 1)
    nightly.register(runtime, "x")
    nightly.register(runtime, "y")
    assert len(nightly.nightly_job("x")) == 1 and len(nightly.nightly_job("y")) == 1
    assert drain() == 2
    runs = _nightly_runs(runtime)
    assert len(runs) == 1 and runs[0].status is RunStatus.FINISHED
    assert nightly.nightly_job("x") == [] and _queued(runtime) == 0
    with transaction(runtime.sessions) as session:
        done = session.exec(select(Job).where(Job.status == JobStatus.DONE)).all()
        assert {j.result_ref for j in done} == {str(runs[0].id)}  # both jobs point to the one run
