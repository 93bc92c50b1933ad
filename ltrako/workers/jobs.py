"""The job queue: planning a day and Restplatzbörse runs done by worker processes.

A job is a row in the database. Any worker — a thread inside a service instance (the embedded
default) or a separate `ltrako worker` process — claims the oldest queued job, or a running
one whose lease ran out because its worker died, and renews the lease while it works. So a
job outlives the instance that started it and the worker that was killed while solving.

Every kind of job is safe to run again: a planned day carries the job's id (unique), a
Restplatzbörse run takes the slot ``job:<id>``; a repeated attempt finds the result of the
earlier one instead of planning twice. A job is given up after `job_max_attempts` claims.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ltrako.core import policy
from ltrako.core.db import is_sqlite, transaction
from ltrako.core.errors import LtrakoError, NotFound
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Job, JobStatus, PlanVersion, RestplatzRun
from ltrako.planning import dayplan, restplatz

log = logging.getLogger(__name__)

PLAN_DAY = "plan_day"
RESTPLATZ_RUN = "restplatz_run"


@dataclass(frozen=True, slots=True)
class Outcome:
    message: str  # German, ids and figures only
    result_ref: str | None = None


Handler = Callable[[Runtime, Job], Outcome]


# ------------------------------------------------------------------------- starting jobs


def _actor_params(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": principal.role.value,
        "zab": principal.zab_id,
        "abh": principal.abh_id,
    }


def _actor(job: Job) -> Principal:
    a = job.params["actor"]
    return Principal(a["subject"], Role(a["role"]), a.get("zab"), a.get("abh"))


def enqueue(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    params: dict[str, Any],
    label: str = "",
    expected_s: float = 10.0,
    target: str = "",
) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        params={**params, "actor": _actor_params(principal)},
        owner=principal.subject,
        label=label,
        expected_s=expected_s,
        target=target,
    )
    session.add(job)
    session.flush()
    return job


def plan_day_job(
    session: Session,
    principal: Principal,
    *,
    day: dt.date,
    zab_id: str | None,
    time_limit_s: float,
    target: str = "",
) -> Job:
    """Queue the first pass of a ZAB's day; the rules are checked now, not only when it runs."""
    zab = policy.planning_zab(principal, zab_id)
    return enqueue(
        session,
        principal,
        kind=PLAN_DAY,
        params={"day": day.isoformat(), "zab_id": zab, "time_limit_s": time_limit_s},
        label=f"Tagesplan {day:%d.%m.%Y} ({zab}) wird berechnet",
        expected_s=time_limit_s * 1.5,
        target=target,
    )


def restplatz_job(
    session: Session, principal: Principal, *, day: dt.date, time_limit_s: float, target: str = ""
) -> Job:
    restplatz.ensure_may_run(principal)
    return enqueue(
        session,
        principal,
        kind=RESTPLATZ_RUN,
        params={"day": day.isoformat(), "time_limit_s": time_limit_s},
        label=f"Restplatzbörse {day:%d.%m.%Y} läuft",
        expected_s=time_limit_s * 2,
        target=target,
    )


def get_job(session: Session, principal: Principal, job_id: str) -> Job:
    """A job for the one who started it (and operations)."""
    job = session.get(Job, job_id)
    if job is None or not policy.follows_job(principal, job):
        raise NotFound("Auftrag", job_id)
    return job


def progress(job: Job, now: dt.datetime) -> float:
    """Elapsed time against the expected time (the solver reports no finer progress)."""
    if JobStatus(job.status) in (JobStatus.DONE, JobStatus.FAILED):
        return 1.0
    if job.started_at is None:
        return 0.0
    elapsed = (now - job.started_at).total_seconds()
    return min(0.95, elapsed / max(job.expected_s, 1.0))


# ---------------------------------------------------------------------------- handlers


def _plan_day(runtime: Runtime, job: Job) -> Outcome:
    def outcome(version: PlanVersion) -> Outcome:
        served, open_ = version.served, version.unassigned
        return Outcome(
            f"Planversion {version.number}: {served} Aufträge eingeplant, {open_} offen.", str(version.id)
        )

    def earlier() -> PlanVersion | None:
        with transaction(runtime.sessions) as session:
            return session.exec(select(PlanVersion).where(PlanVersion.job_id == job.id)).first()

    if (done := earlier()) is not None:  # an earlier attempt stored it before its worker died
        return outcome(done)
    p = job.params
    try:
        version = dayplan.plan_day(
            runtime,
            _actor(job),
            day=dt.date.fromisoformat(p["day"]),
            zab_id=p["zab_id"],
            time_limit_s=float(p["time_limit_s"]),
            job_id=job.id,
        )
    except IntegrityError:  # a slower attempt of the same job stored it meanwhile
        if (stored := earlier()) is None:
            raise
        return outcome(stored)
    return outcome(version)


def _restplatz_run(runtime: Runtime, job: Job) -> Outcome:
    p = job.params
    slot = f"job:{job.id}"
    run = restplatz.run_pool(
        runtime,
        dt.date.fromisoformat(p["day"]),
        actor=_actor(job),
        trigger="job",
        slot=slot,
        time_limit_s=float(p["time_limit_s"]),
    )
    if run is None:  # finished by an earlier attempt
        with transaction(runtime.sessions) as session:
            run = session.exec(select(RestplatzRun).where(RestplatzRun.slot == slot)).first()
        if run is None:
            return Outcome("Ein anderer Lauf dieses Tages lief zu lange; bitte erneut starten.")
    if run.error:
        return Outcome(f"Lauf {run.id}: {run.error}", str(run.id))
    return Outcome(
        f"Lauf {run.id}: {run.offers_made} neue Angebote, {run.still_open} ohne Angebot.", str(run.id)
    )


HANDLERS: dict[str, Handler] = {PLAN_DAY: _plan_day, RESTPLATZ_RUN: _restplatz_run}


# ----------------------------------------------------------------------------- workers


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(runtime: Runtime, worker: str) -> Job | None:
    """Take the oldest job that is queued or whose worker's lease ran out."""
    now = runtime.clock.now()
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        query = (
            select(Job)
            .where(
                or_(
                    col(Job.status) == JobStatus.QUEUED,
                    (col(Job.status) == JobStatus.RUNNING) & (col(Job.lease_until) < now),
                )
            )
            .order_by(col(Job.created_at))
            .limit(1)
        )
        if not is_sqlite(runtime.engine):  # SQLite serialises writers; PostgreSQL needs the row lock
            query = query.with_for_update(skip_locked=True)
        job = session.exec(query).first()
        if job is None:
            return None
        job.attempts += 1
        job.worker = worker
        if job.attempts > settings.job_max_attempts:
            job.status, job.finished_at, job.lease_until = JobStatus.FAILED, now, None
            job.message = f"Abgebrochen nach {settings.job_max_attempts} Versuchen."
            session.add(job)
            return None
        job.status, job.started_at = JobStatus.RUNNING, now
        job.lease_until = now + dt.timedelta(seconds=settings.job_lease_s)
        session.add(job)
        session.flush()
        session.expunge(job)
        return job


def _renew(runtime: Runtime, job_id: str, worker: str) -> bool:
    """Extend the lease; False if another worker has taken the job over."""
    until = runtime.clock.now() + dt.timedelta(seconds=runtime.settings.job_lease_s)
    with transaction(runtime.sessions) as session:
        result = session.exec(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.worker) == worker, col(Job.status) == JobStatus.RUNNING)
            .values(lease_until=until)
        )
        return bool(result.rowcount)


def _finish(runtime: Runtime, job_id: str, worker: str, status: JobStatus, outcome: Outcome) -> None:
    with transaction(runtime.sessions) as session:
        session.exec(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.worker) == worker)
            .values(
                status=status,
                message=outcome.message[:400],
                result_ref=outcome.result_ref,
                finished_at=runtime.clock.now(),
                lease_until=None,
            )
        )


def execute(runtime: Runtime, job: Job, worker: str) -> JobStatus:
    """Run a claimed job, renewing its lease meanwhile; record how it ended."""
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(runtime.settings.job_lease_s / 3):
            try:
                if not _renew(runtime, job.id, worker):
                    log.warning("job %s: lease lost to another worker", job.id)
                    return
            except Exception as exc:  # the database may be restarting: try again next beat
                log.warning("job %s: lease not renewed (%s)", job.id, type(exc).__name__)

    beat = threading.Thread(target=heartbeat, name=f"lease-{job.id[:8]}", daemon=True)
    beat.start()
    try:
        outcome = HANDLERS[job.kind](runtime, job)
        status = JobStatus.DONE
    except LtrakoError as exc:
        outcome, status = Outcome(exc.message), JobStatus.FAILED
    except Exception as exc:  # details stay in the log; the type only (no personal data)
        log.error("job %s (%s) failed: %s", job.id, job.kind, type(exc).__name__)
        outcome, status = Outcome(f"Fehlgeschlagen ({type(exc).__name__})."), JobStatus.FAILED
    finally:
        stop.set()
        beat.join()
    _finish(runtime, job.id, worker, status, outcome)
    return status


def work_once(runtime: Runtime, worker: str) -> bool:
    """Claim and run one job; False if there was none."""
    job = claim(runtime, worker)
    if job is None:
        return False
    execute(runtime, job, worker)
    return True


def work(runtime: Runtime, stop: threading.Event, worker: str | None = None) -> None:
    """Work off the queue until `stop` is set (a worker thread or the `ltrako worker` process)."""
    name = worker or worker_name()
    log.info("worker %s started", name)
    while not stop.is_set():
        try:
            busy = work_once(runtime, name)
        except Exception as exc:  # e.g. the database restarting: wait and try again
            log.warning("worker %s: %s; retrying", name, type(exc).__name__)
            busy = False
        if not busy:
            stop.wait(runtime.settings.job_poll_s)


def start_threads(runtime: Runtime, count: int) -> tuple[threading.Event, list[threading.Thread]]:
    """Worker threads inside a service process (the embedded default)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=work, args=(runtime, stop), name=f"ltrako-worker-{i}", daemon=True)
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    return stop, threads
