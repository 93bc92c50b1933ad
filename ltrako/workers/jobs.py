"""The job queue: every solve (a day's first pass, a Restplatzbörse run, a Sammelcharter) is a job.

No request solves: the endpoints and pages queue a job and answer at once (202 and the job),
and only worker processes solve — the `ltrako worker` processes that `ltrako serve` starts
beside the API (LTRAKO_WORKER_PROCESSES), or separate ones. A job is a row in the database;
any worker claims the oldest queued job, or a running one whose lease ran out because its
worker died, and renews the lease while it works. So a job outlives the instance that started
it and the worker that was killed while solving.

Each job carries its `SolveParams` (time limit, seed, solution limit): the time limit is capped
per role (`policy.max_solve_seconds`), and the queue is bounded (`job_queue_limit` waiting
jobs, `job_owner_limit` per owner; beyond that 429 with Retry-After).

Every kind of job is safe to run again: a planned day carries the job's id (unique), a
Restplatzbörse run takes the slot ``job:<id>`` (or the night's slot), a charter's plan is
replaced by the same plan; a repeated attempt finds the result of the earlier one instead of
planning twice. A job is given up after `job_max_attempts` claims.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ltrako.core import policy
from ltrako.core.config import Settings
from ltrako.core.db import is_sqlite, transaction
from ltrako.core.errors import Busy, FieldProblem, InvalidInput, LtrakoError, NotFound
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Job, JobStatus, PlanVersion, RestplatzRun, Zab
from ltrako.planning import charter, dayplan, repair, restplatz
from planner.params import SolveParams

log = logging.getLogger(__name__)

PLAN_DAY = "plan_day"
RESTPLATZ_RUN = "restplatz_run"
CHARTER_PLAN = "charter_plan"
TOUR_REPAIR = "tour_repair"
KINDS = (PLAN_DAY, RESTPLATZ_RUN, CHARTER_PLAN)


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


def solve_params(
    principal: Principal,
    *,
    time_limit_s: float,
    seed: int = 0,
    solution_limit: int | None = None,
    field: str = "time_limit_s",
) -> SolveParams:
    """The search parameters of a job, the time limit capped by the principal's role."""
    cap = policy.max_solve_seconds(principal)
    if time_limit_s > cap:
        raise InvalidInput(
            [FieldProblem(field, f"Höchstens {cap:.0f} Sekunden Rechenzeit für Ihre Rolle.", "too_long")]
        )
    return SolveParams(time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit)


def _solve_document(params: SolveParams) -> dict[str, Any]:
    return {"time_limit_s": params.time_limit_s, "seed": params.seed, "solution_limit": params.solution_limit}


def params_of(job: Job) -> SolveParams:
    """The job's search parameters (jobs queued before they were stored carry a time limit only)."""
    p = job.params
    document = p.get("solve") or {"time_limit_s": p.get("time_limit_s", 20.0)}
    return SolveParams(
        time_limit_s=float(document["time_limit_s"]),
        seed=int(document.get("seed") or 0),
        solution_limit=document.get("solution_limit"),
    )


def _ensure_room(session: Session, principal: Principal, limits: Limits) -> None:
    """The bounded queue: refuse (429) when it is full, or the owner has enough jobs open."""
    waiting = session.exec(
        select(func.count(), func.coalesce(func.sum(Job.expected_s), 0.0)).where(
            col(Job.status) == JobStatus.QUEUED
        )
    ).one()
    limit, owner_limit = limits.queued, limits.per_owner
    retry = max(5, min(300, math.ceil(float(waiting[1]) / 2)))
    if int(waiting[0]) >= limit:
        raise Busy(
            f"Die Planungswarteschlange ist voll ({limit} Aufträge warten); "
            f"bitte in {retry} Sekunden erneut versuchen.",
            retry,
        )
    open_ = session.exec(
        select(func.count()).where(
            col(Job.owner) == principal.subject,
            col(Job.status).in_([JobStatus.QUEUED, JobStatus.RUNNING]),
        )
    ).one()
    if int(open_) >= owner_limit:
        raise Busy(
            f"Sie haben bereits {owner_limit} Planungsaufträge in Arbeit; "
            f"bitte warten, bis einer fertig ist (etwa {retry} Sekunden).",
            retry,
        )


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of the queue (from the settings)."""

    queued: int
    per_owner: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.job_queue_limit, settings.job_owner_limit)


def enqueue(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    params: dict[str, Any],
    limits: Limits | None,
    label: str = "",
    expected_s: float = 10.0,
    target: str = "",
) -> Job:
    """Queue a job; with `limits` (every request; None: the nightly batch) the queue is bounded."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    if limits is not None:
        _ensure_room(session, principal, limits)
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
    params: SolveParams,
    limits: Limits | None,
    target: str = "",
) -> Job:
    """Queue the first pass of a ZAB's day; the rules are checked now, not only when it runs."""
    zab = policy.planning_zab(principal, zab_id)
    if session.get(Zab, zab) is None:
        raise NotFound("ZAB", zab)
    params = solve_params(
        principal, time_limit_s=params.time_limit_s, seed=params.seed, solution_limit=params.solution_limit
    )
    return enqueue(
        session,
        principal,
        kind=PLAN_DAY,
        params={"day": day.isoformat(), "zab_id": zab, "solve": _solve_document(params)},
        limits=limits,
        label=f"Tagesplan {day:%d.%m.%Y} ({zab}) wird berechnet",
        expected_s=params.time_limit_s * 1.5,
        target=target,
    )


def restplatz_job(
    session: Session,
    principal: Principal,
    *,
    day: dt.date,
    params: SolveParams,
    limits: Limits | None,
    target: str = "",
    slot: str | None = None,
) -> Job:
    """Queue a Restplatzbörse run (by hand; the nightly batch with its night's `slot`)."""
    restplatz.ensure_may_run(principal)
    params = solve_params(
        principal, time_limit_s=params.time_limit_s, seed=params.seed, solution_limit=params.solution_limit
    )
    document: dict[str, Any] = {"day": day.isoformat(), "solve": _solve_document(params)}
    if slot is not None:
        document["slot"] = slot
    return enqueue(
        session,
        principal,
        kind=RESTPLATZ_RUN,
        params=document,
        limits=limits,
        label=f"Restplatzbörse {day:%d.%m.%Y} läuft",
        expected_s=params.time_limit_s * 2,
        target=target,
    )


def charter_job(
    session: Session,
    principal: Principal,
    *,
    charter_id: int,
    params: SolveParams,
    limits: Limits | None,
    target: str = "",
) -> Job:
    """Queue the seat choice and feeder planning of a Sammelcharter (checked now: ZFA, the charter)."""
    policy.require_role(principal, policy.CHARTER, "Sammelcharter plant die ZFA.")
    charter.get_charter(session, principal, charter_id)
    params = solve_params(
        principal,
        time_limit_s=params.time_limit_s,
        seed=params.seed,
        solution_limit=params.solution_limit,
        field="time_limit",
    )
    return enqueue(
        session,
        principal,
        kind=CHARTER_PLAN,
        params={"charter_id": charter_id, "solve": _solve_document(params)},
        limits=limits,
        label=f"Sammelcharter {charter_id} wird geplant",
        expected_s=params.time_limit_s * charter.ROUNDS,
        target=target,
    )


def repair_job(
    session: Session, principal: Principal, *, tour_id: int, limits: Limits | None, target: str = ""
) -> Job:
    """Queue the repair proposal of an endangered tour (checked now: own ZAB, endangered)."""
    repair.ensure_may_repair(session, principal, tour_id)
    return enqueue(
        session,
        principal,
        kind=TOUR_REPAIR,
        params={"tour_id": tour_id},
        limits=limits,
        label=f"Reparatur der Tour {tour_id} wird berechnet",
        expected_s=repair.REPAIR_SECONDS * 2,
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
            params=params_of(job),
            job_id=job.id,
        )
    except IntegrityError:  # a slower attempt of the same job stored it meanwhile
        if (stored := earlier()) is None:
            raise
        return outcome(stored)
    return outcome(version)


def _restplatz_run(runtime: Runtime, job: Job) -> Outcome:
    p = job.params
    slot = p.get("slot") or f"job:{job.id}"
    run = restplatz.run_pool(
        runtime,
        dt.date.fromisoformat(p["day"]),
        actor=_actor(job),
        trigger="nightly" if p.get("slot") else "job",
        slot=slot,
        params=params_of(job),
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


def _charter_plan(runtime: Runtime, job: Job) -> Outcome:
    charter_id = int(job.params["charter_id"])
    planned = charter.plan_charter(runtime, _actor(job), charter_id=charter_id, params=params_of(job))
    chosen = len((planned.plan or {}).get("chosen", []))
    return Outcome(f"Charter {charter_id} geplant: {chosen} Fälle an Bord.", str(charter_id))


def _tour_repair(runtime: Runtime, job: Job) -> Outcome:
    """A repeated attempt proposes anew; the earlier open proposal is superseded."""
    tour_id = int(job.params["tour_id"])
    proposal = repair.propose(runtime, _actor(job), tour_id=tour_id)
    return Outcome(
        f"Reparaturvorschlag für Tour {tour_id}: {len(proposal.tours)} Touren, "
        f"{len(proposal.pool)} Aufträge für die Restplatzbörse.",
        str(proposal.id),
    )


HANDLERS: dict[str, Handler] = {
    PLAN_DAY: _plan_day,
    RESTPLATZ_RUN: _restplatz_run,
    CHARTER_PLAN: _charter_plan,
    TOUR_REPAIR: _tour_repair,
}


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


def execute(runtime: Runtime, job: Job, worker: str, *, heartbeat: bool = True) -> JobStatus:
    """Run a claimed job, renewing its lease meanwhile (`heartbeat`); record how it ended."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(runtime.settings.job_lease_s / 3):
            try:
                if not _renew(runtime, job.id, worker):
                    log.warning("job %s: lease lost to another worker", job.id)
                    return
            except Exception as exc:  # the database may be restarting: try again next beat
                log.warning("job %s: lease not renewed (%s)", job.id, type(exc).__name__)

    beat = threading.Thread(target=renew, name=f"lease-{job.id[:8]}", daemon=True)
    if heartbeat:
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
        if heartbeat:
            beat.join()
    _finish(runtime, job.id, worker, status, outcome)
    return status


def work_once(runtime: Runtime, worker: str, *, heartbeat: bool = True) -> bool:
    """Claim and run one job; False if there was none."""
    job = claim(runtime, worker)
    if job is None:
        return False
    execute(runtime, job, worker, heartbeat=heartbeat)
    return True


def run_queued(runtime: Runtime, worker: str = "inline", limit: int = 100) -> int:
    """Work off the queue in this thread, one job after the other, until it is empty (tests and
    the command line: deterministic, no threads, no waiting). Returns how many jobs ran."""
    done = 0
    while done < limit and work_once(runtime, worker, heartbeat=False):
        done += 1
    return done


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
