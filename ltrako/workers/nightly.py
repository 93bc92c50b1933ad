"""The nightly Restplatzbörse batch (APScheduler, job store in the database).

Every night at `restplatz_hour:restplatz_minute` (Europe/Berlin by default) a Restplatzbörse
job is queued for each of the coming `restplatz_days_ahead` days; the scheduler only queues,
the planning workers solve (no solver runs in the API process). Several API instances may each
run a scheduler on the same job store: APScheduler 3 does not coordinate them, so the job
itself makes sure a night's run happens once — its run record carries a unique slot
("nightly:<night>:<day>"): a night whose run finished queues nothing, and a second job of the
same slot finds the slot taken and skips. Runs of the
same day never overlap (advisory lock, see `restplatz.run_pool`). A night missed by less than
the misfire grace time is caught up once (coalesce).

A second job pseudonymises the cases closed longer than LTRAKO_RETENTION_DAYS ago, every
night at 03:30 (ltrako.privacy.retention; idempotent, and runs of several instances are serialised).
"""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.models import Job, RestplatzRun, RunStatus
from ltrako.privacy.retention import RETENTION, RetentionReport, pseudonymise_closed
from ltrako.workers import jobs
from planner.params import SolveParams

log = logging.getLogger(__name__)
JOB_ID = "restplatz-nightly"
RETENTION_JOB_ID = "retention-nightly"
RETENTION_AT = dt.time(3, 30)  # local time, after the Restplatzbörse (02:00 by default)
JOB_TABLE = "ltrako_scheduler_jobs"
# Jobs are stored by reference; each process registers the runtime the job should use.
_runtimes: dict[str, Runtime] = {}


def register(runtime: Runtime, key: str = "default") -> None:
    """Make `runtime` the one the stored job uses in this process."""
    _runtimes[key] = runtime


def nightly_job(key: str = "default") -> list[Job]:
    """Queue the re-planning of each coming day's pool once per night (what the scheduler calls).

    A day whose night slot has a finished run is skipped; the planning workers do the runs."""
    runtime = _runtimes[key]
    night = runtime.clock.today()
    params = SolveParams(time_limit_s=runtime.settings.restplatz_time_limit_s)
    queued = []
    with transaction(runtime.sessions) as session:
        for ahead in range(1, runtime.settings.restplatz_days_ahead + 1):
            day = night + dt.timedelta(days=ahead)
            slot = f"nightly:{night}:{day}"
            finished = session.exec(
                select(RestplatzRun.id).where(
                    col(RestplatzRun.slot) == slot, col(RestplatzRun.status) == RunStatus.FINISHED
                )
            ).first()
            if finished is not None:
                continue
            queued.append(jobs.restplatz_job(session, SYSTEM, day=day, params=params, limits=None, slot=slot))
        for job in queued:
            session.expunge(job)
    log.info("nightly Restplatzbörse: %d runs queued for night %s", len(queued), night)
    return queued


def retention_job(key: str = "default") -> RetentionReport:
    """Pseudonymise the cases closed longer than the retention period ago (counts are logged)."""
    runtime = _runtimes[key]
    today = runtime.clock.today()
    with transaction(runtime.sessions) as session:
        report = pseudonymise_closed(
            session, today=today, retention_days=runtime.settings.retention_days, actor=RETENTION
        )
    log.info("retention: %s", report.summary())
    return report


def start_scheduler(
    runtime: Runtime,
    *,
    key: str = "default",
    trigger: BaseTrigger | None = None,
    paused: bool = False,
) -> BackgroundScheduler:
    """A started background scheduler with the nightly jobs (replacing stored ones of the same id);
    `paused` (tests) stores the jobs without processing them."""
    settings = runtime.settings
    zone = runtime.zone
    register(runtime, key)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.restplatz_misfire_grace_s,
        },
        timezone=zone,
    )
    scheduler.add_job(
        nightly_job,
        trigger or CronTrigger(hour=settings.restplatz_hour, minute=settings.restplatz_minute, timezone=zone),
        id=JOB_ID,
        kwargs={"key": key},
        replace_existing=True,
    )
    scheduler.add_job(
        retention_job,
        CronTrigger(hour=RETENTION_AT.hour, minute=RETENTION_AT.minute, timezone=zone),
        id=RETENTION_JOB_ID,
        kwargs={"key": key},
        replace_existing=True,
    )
    scheduler.start(paused=paused)
    log.info("nightly Restplatzbörse scheduled: %s", scheduler.get_job(JOB_ID))
    return scheduler
