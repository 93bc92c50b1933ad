"""The nightly batch: APScheduler with its job store in the database, one run per night and day."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import RestplatzRun
from ltrako.workers import nightly


def _nightly_runs(runtime: Runtime) -> list[RestplatzRun]:
    with transaction(runtime.sessions) as session:
        return list(session.exec(select(RestplatzRun).where(RestplatzRun.trigger == "nightly")).all())


def test_two_schedulers_on_one_job_store_run_the_batch_once(runtime: Runtime) -> None:
    """Two API instances start a scheduler each, and the job fires several times in the same
    night (every second here, instead of 02:00): one run per coming day is recorded."""
    runtime = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"restplatz_days_ahead": 2})
    )
    fired: list[str] = []
    first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    schedulers = [
        nightly.start_scheduler(runtime, key=key, trigger=IntervalTrigger(seconds=1, start_date=first))
        for key in ("a", "b")
    ]
    for key, scheduler in zip(("a", "b"), schedulers, strict=True):
        scheduler.add_listener(lambda _event, key=key: fired.append(key), EVENT_JOB_EXECUTED)
    try:
        deadline = time.monotonic() + 30
        while len(fired) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    runs = _nightly_runs(runtime)
    assert len(fired) >= 4  # the job really ran several times
    assert len(runs) == 2 and len({r.slot for r in runs}) == 2  # one per coming day, not per firing


def test_the_job_called_twice_at_once_runs_once(runtime: Runtime) -> None:
    """Even when both instances fire at the same moment, the slot lets one through."""
    runtime = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"restplatz_days_ahead": 1})
    )
    nightly.register(runtime, "x")
    nightly.register(runtime, "y")
    done: list[int] = []
    threads = [
        threading.Thread(target=lambda k=k: done.append(len(nightly.nightly_job(k)))) for k in ("x", "y")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(done) == [0, 1] and len(_nightly_runs(runtime)) == 1
