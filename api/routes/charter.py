"""Sammelcharter: cases waiting for a flight, charters, seat choice and feeder planning."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import SUBMITTERS, ZFA, allow
from api.schemas.aps import CharterCreate, CharterRead, ReadinessUpdate, RemovalCaseCreate, RemovalCaseRead
from api.schemas.common import ErrorRead, ValidationErrorRead
from ltrako.core.security import Role
from ltrako.models import CaseStatus
from ltrako.planning import charter as service
from ltrako.planning import charter_booking, charter_list

router = APIRouter(tags=["Sammelcharter"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    404: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}


@router.post(
    "/removal-cases",
    dependencies=[allow(*SUBMITTERS)],
    response_model=RemovalCaseRead,
    status_code=201,
    responses=ERRORS,
)
def register_case(body: RemovalCaseCreate, session: SessionDep, principal: PrincipalDep) -> Any:
    """Record a case waiting for removal (ABH for its own; ZAB for its district)."""
    return service.register_case(session, principal, body.to_draft())


@router.patch(
    "/removal-cases/{case_id}",
    dependencies=[allow(*SUBMITTERS)],
    response_model=RemovalCaseRead,
    responses=ERRORS,
)
def update_case(case_id: int, body: ReadinessUpdate, session: SessionDep, principal: PrincipalDep) -> Any:
    """Papers arrived, an obstacle was recorded or lifted, the priority changed."""
    return service.update_readiness(session, principal, case_id=case_id, **body.model_dump())


@router.post(
    "/charters", dependencies=[allow(*ZFA)], response_model=CharterRead, status_code=201, responses=ERRORS
)
def create_charter(
    body: CharterCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> Any:
    """A Sammelcharter as booked by the ZFA."""
    return service.create_charter(
        session,
        principal,
        airport_iata=body.airport,
        destination_country=body.destination_country,
        seats=body.seats,
        escort_seats=body.escort_seats,
        check_in=body.check_in,
        timezone=runtime.settings.timezone,
        flight_id=body.flight_id,
    )


@router.get(
    "/charters/{charter_id}",
    dependencies=[allow(*ZFA, Role.ZAB)],
    response_model=CharterRead,
    responses=ERRORS,
)
def get_charter(charter_id: int, session: SessionDep, principal: PrincipalDep) -> Any:
    return service.get_charter(session, principal, charter_id)


@router.post(
    "/charters/{charter_id}/plan", dependencies=[allow(*ZFA)], response_model=CharterRead, responses=ERRORS
)
def plan_charter(
    charter_id: int,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    time_limit: float = Query(20.0, ge=1, le=300, description="Rechenzeit je Runde in Sekunden."),
) -> Any:
    """Choose the passengers (CP-SAT) and plan their feeders across all five ZABs; blocks while planning."""
    return service.plan_charter(runtime, principal, charter_id=charter_id, time_limit_s=time_limit)


@router.get(
    "/removal-cases",
    dependencies=[allow(*SUBMITTERS)],
    response_model=list[RemovalCaseRead],
    responses=ERRORS,
)
def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    status: CaseStatus | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> Any:
    """Cases waiting for removal: an ABH its own, a ZAB those of its district (admin: all)."""
    return charter_booking.list_cases(session, principal, status=status, limit=limit)


@router.get(
    "/charters",
    dependencies=[allow(*ZFA, Role.ZAB)],
    response_model=list[CharterRead],
    responses=ERRORS,
)
def list_charters(session: SessionDep, principal: PrincipalDep, limit: int = Query(50, ge=1, le=500)) -> Any:
    """The charters, the latest flight first."""
    return charter_list.list_charters(session, principal, limit=limit)


@router.post(
    "/charters/{charter_id}/book",
    dependencies=[allow(*ZFA)],
    response_model=CharterRead,
    responses={**ERRORS, 409: {"model": ErrorRead}},
)
def book_charter(charter_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep) -> Any:
    """Book the planned selection: the chosen cases' feeders are committed as tours of the day."""
    return charter_booking.book_charter(
        session, principal, charter_id=charter_id, timezone=runtime.settings.timezone
    )
