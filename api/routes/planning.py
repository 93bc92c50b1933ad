"""First pass per ZAB: plan a day (a job), see the proposal, accept tours, reject requests.

Planning a day is queued for the planning workers (202 and the job); accepting a tour and
confirming the planner's rejections read the stored version only and never solve.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, allow
from api.routes.jobs import QUEUED, accepted
from api.schemas.common import DECISION_ERRORS, Day
from api.schemas.planning import (
    JobRead,
    PlanCreate,
    PlanVersionRead,
    RejectCreate,
    RejectedList,
    TourCommitted,
)
from api.schemas.requests import TransportRequestRead
from ltrako.core.runtime import Runtime
from ltrako.models import PlanVersion
from ltrako.planning import dayplan
from ltrako.requests.submission import get_request
from ltrako.workers import jobs

router = APIRouter(tags=["Tagesplanung"])
ERRORS = DECISION_ERRORS


@router.post(
    "/plans",
    dependencies=[allow(*DISPATCH)],
    response_model=JobRead,
    status_code=202,
    responses={**ERRORS, **QUEUED},
)
def plan_day(
    body: PlanCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, response: Response
) -> JobRead:
    """Queue the planning of the ZAB's day (erster Durchgang); committed tours stay locked.

    Answers at once with the job (202, `Location`); a worker solves and stores a new plan
    version, whose id is the job's `result_ref` once `status` is done."""
    job = jobs.plan_day_job(
        session,
        principal,
        day=body.day,
        zab_id=body.zab_id,
        params=body.params(),
        limits=jobs.Limits.of(runtime.settings),
    )
    return accepted(job, session, response)


def _read(session: Session, version: PlanVersion, runtime: Runtime) -> PlanVersionRead:
    plan = dayplan.read_version(session, version, runtime.settings.timezone)
    return PlanVersionRead.of(version, plan, runtime.zone)


@router.get("/plans", dependencies=[allow(*DISPATCH)], response_model=list[PlanVersionRead], responses=ERRORS)
def list_versions(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day = Query(..., description="Planungstag JJJJ-MM-TT."),
    zab_id: str | None = None,
) -> list[PlanVersionRead]:
    return [
        _read(session, v, runtime) for v in dayplan.versions_of(session, principal, day=day, zab_id=zab_id)
    ]


@router.get(
    "/plans/{version_id}", dependencies=[allow(*DISPATCH)], response_model=PlanVersionRead, responses=ERRORS
)
def get_version(
    version_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> PlanVersionRead:
    return _read(session, dayplan.get_version(session, principal, version_id), runtime)


@router.post(
    "/plans/{version_id}/tours/{tour_index}/accept",
    dependencies=[allow(*DISPATCH)],
    response_model=TourCommitted,
    responses=ERRORS,
)
def accept_tour(
    version_id: int, tour_index: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TourCommitted:
    """Accept a proposed tour: it is committed (locked in later plans), its requests angenommen."""
    tour_id = dayplan.accept_tour(
        session, principal, version_id=version_id, tour_index=tour_index, timezone=runtime.settings.timezone
    )
    return TourCommitted(tour_id=tour_id)


@router.post(
    "/plans/{version_id}/reject-unassigned",
    dependencies=[allow(*DISPATCH)],
    response_model=RejectedList,
    responses=ERRORS,
)
def reject_unassigned(
    version_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> RejectedList:
    """Confirm the planner's proposed rejections: those requests go to the Restplatzbörse."""
    rejected = dayplan.reject_unassigned(
        session, principal, version_id=version_id, timezone=runtime.settings.timezone
    )
    return RejectedList(rejected=rejected)


@router.post(
    "/transport-requests/{request_id}/reject",
    dependencies=[allow(*DISPATCH)],
    response_model=TransportRequestRead,
    responses=ERRORS,
)
def reject(
    request_id: str, body: RejectCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TransportRequestRead:
    """Reject a request with a reason; it enters the Restplatzbörse."""
    dayplan.reject_request(
        session, principal, request_id=request_id, reason=body.reason, text=body.reason_text
    )
    record = get_request(session, principal=principal, request_id=request_id, context="reject")
    return TransportRequestRead.of(record, principal, runtime.zone)
