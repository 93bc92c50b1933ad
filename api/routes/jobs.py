"""Planning jobs: every solve is one. Start the first pass of a day or a Restplatzbörse run,
follow any job (also those of POST /plans, /restplatz/runs, /charters/{id}/plan) to its end.

The job waits in the database for a planning worker process; its result (plan version, run,
charter) is stored by the worker. Only the one who started it (and operations) may read it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import Session

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, ZFA, allow
from api.schemas.common import DECISION_ERRORS, ErrorRead
from api.schemas.planning import JobCreate, JobRead
from ltrako.core.clock import clock_of
from ltrako.models import Job
from ltrako.workers import jobs

router = APIRouter(tags=["Planungsaufträge"])
API_PREFIX = "/api/v1"
# Every endpoint that queues a solve answers 202 with the job, or 429 when the queue is full.
QUEUED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Angenommen: der Planungsauftrag wartet auf einen Worker; "
        "Fortschritt und Ergebnis unter `Location` (GET /jobs/{id}).",
        "headers": {"Location": {"description": "GET /api/v1/jobs/{id}", "schema": {"type": "string"}}},
    },
    429: {
        "model": ErrorRead,
        "description": "Die Warteschlange ist voll (oder zu viele eigene Aufträge); "
        "`Retry-After` Sekunden warten.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def accepted(job: Job, session: Session, response: Response) -> JobRead:
    """The answer to a queued solve: the job, and where to follow it."""
    response.headers["Location"] = f"{API_PREFIX}/jobs/{job.id}"
    return JobRead.of(job, clock_of(session).local_now())


@router.post(
    "/jobs",
    dependencies=[allow(*DISPATCH)],
    response_model=JobRead,
    status_code=202,
    responses={**DECISION_ERRORS, **QUEUED},
)
def start(
    body: JobCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, response: Response
) -> JobRead:
    """Queue a planning job; poll `GET /jobs/{id}` until `status` is done or failed."""
    limits = jobs.Limits.of(runtime.settings)
    if body.kind == jobs.PLAN_DAY:
        job = jobs.plan_day_job(
            session, principal, day=body.day, zab_id=body.zab_id, params=body.params(), limits=limits
        )
    else:
        job = jobs.restplatz_job(session, principal, day=body.day, params=body.params(), limits=limits)
    return accepted(job, session, response)


@router.get(
    "/jobs/{job_id}",
    dependencies=[allow(*(DISPATCH | ZFA))],
    response_model=JobRead,
    responses=DECISION_ERRORS,
)
def get(job_id: str, session: SessionDep, principal: PrincipalDep) -> JobRead:
    return JobRead.of(jobs.get_job(session, principal, job_id), clock_of(session).local_now())
