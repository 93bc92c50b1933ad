"""The nightly scheduler also runs the retention job (idempotent, serialised across instances)."""

from __future__ import annotations

import dataclasses
import threading

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ltrako.core.runtime import Runtime
from ltrako.privacy.retention import RetentionReport
from ltrako.workers import nightly
from tests.privacy.conftest import OLD


def test_the_scheduler_has_the_retention_job_at_night(runtime: Runtime) -> None:
    """Next to the Restplatzbörse, a cron job at 03:30 local time."""
    scheduler = nightly.start_scheduler(runtime, key="ret", trigger=IntervalTrigger(hours=1))
    try:
        job = scheduler.get_job(nightly.RETENTION_JOB_ID)
        assert job is not None and isinstance(job.trigger, CronTrigger)
        assert "hour='3'" in str(job.trigger) and "minute='30'" in str(job.trigger)
        assert job.kwargs == {"key": "ret"}
    finally:
        scheduler.shutdown(wait=False)


def test_the_retention_job_pseudonymises_once_even_when_two_instances_fire(private: Runtime) -> None:
    """With one day kept every closed request of 2026 is old; two jobs at once do the work once."""
    runtime = dataclasses.replace(private, settings=private.settings.model_copy(update={"retention_days": 1}))
    nightly.register(runtime, "r1")
    nightly.register(runtime, "r2")
    reports: list[RetentionReport] = []
    threads = [
        threading.Thread(target=lambda k=k: reports.append(nightly.retention_job(k))) for k in ("r1", "r2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [r for r in reports if r.total]
    assert len(reports) == 2 and len(done) == 1
    assert done[0].requests == len(OLD) + 1  # and the recent one of 1.7.2026
    assert nightly.retention_job("r1") == RetentionReport()
