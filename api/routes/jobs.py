"""Planning jobs: start the first pass of a day or a Restplatzbörse run, follow it to its end.

The job waits in the database for a planning worker of any instance; its result (plan version,
run) is stored as with the synchronous endpoints. Only the one who started it may read it.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep
from api.gates import DISPATCH, allow
from api.schemas.common import DECISION_ERRORS
from api.schemas.planning import JobCreate, JobRead
from ltrako.core.clock import clock_of
from ltrako.workers import jobs

router = APIRouter(tags=["Planungsaufträge"])


@router.post(
    "/jobs",
    dependencies=[allow(*DISPATCH)],
    response_model=JobRead,
    status_code=202,
    responses=DECISION_ERRORS,
)
def start(body: JobCreate, session: SessionDep, principal: PrincipalDep) -> JobRead:
    """Queue a planning job; poll `GET /jobs/{id}` until `status` is done or failed."""
    if body.kind == jobs.PLAN_DAY:
        job = jobs.plan_day_job(
            session, principal, day=body.day, zab_id=body.zab_id, time_limit_s=body.time_limit_s
        )
    else:
        job = jobs.restplatz_job(session, principal, day=body.day, time_limit_s=body.time_limit_s)
    return JobRead.of(job, clock_of(session).local_now())


@router.get(
    "/jobs/{job_id}", dependencies=[allow(*DISPATCH)], response_model=JobRead, responses=DECISION_ERRORS
)
def get(job_id: str, session: SessionDep, principal: PrincipalDep) -> JobRead:
    return JobRead.of(jobs.get_job(session, principal, job_id), clock_of(session).local_now())
