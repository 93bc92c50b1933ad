"""Sammelcharter: cases waiting for a flight, charters, seat choice and feeder planning."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import SUBMITTERS, ZFA, allow
from api.routes.jobs import QUEUED, accepted
from api.schemas.aps import CharterCreate, CharterRead, ReadinessUpdate, RemovalCaseCreate, RemovalCaseRead
from api.schemas.common import ErrorRead, ValidationErrorRead
from api.schemas.planning import JobRead
from ltrako.core.clock import clock_of
from ltrako.core.security import Role
from ltrako.models import CaseStatus
from ltrako.planning import charter as service
from ltrako.planning import charter_booking, charter_list
from ltrako.workers import jobs
from planner.params import SolveParams

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
    charter = service.create_charter(
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
    return CharterRead.of(charter, runtime.zone)


@router.get(
    "/charters/{charter_id}",
    dependencies=[allow(*ZFA, Role.ZAB)],
    response_model=CharterRead,
    responses=ERRORS,
)
def get_charter(charter_id: int, session: SessionDep, principal: PrincipalDep) -> Any:
    return CharterRead.of(service.get_charter(session, principal, charter_id), clock_of(session).zone)


@router.post(
    "/charters/{charter_id}/plan",
    dependencies=[allow(*ZFA)],
    response_model=JobRead,
    status_code=202,
    responses={**ERRORS, **QUEUED},
)
def plan_charter(
    charter_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    response: Response,
    time_limit: float = Query(
        20.0, ge=1, le=300, description="Rechenzeit je Runde in Sekunden: ZFA höchstens 60, admin 300."
    ),
    seed: int = Query(0, ge=0, le=2**31 - 1, description="Startwert der Suche (reproduzierbar)."),
) -> JobRead:
    """Queue the passenger choice (CP-SAT) and the feeder planning across all five ZABs.

    Answers at once with the job (202, `Location`); GET /charters/{id} has the report once the
    job is done."""
    job = jobs.charter_job(
        session,
        principal,
        charter_id=charter_id,
        params=SolveParams(time_limit_s=time_limit, seed=seed),
        limits=jobs.Limits.of(runtime.settings),
    )
    return accepted(job, session, response)


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
    zone = clock_of(session).zone
    return [CharterRead.of(c, zone) for c in charter_list.list_charters(session, principal, limit=limit)]


@router.post(
    "/charters/{charter_id}/book",
    dependencies=[allow(*ZFA)],
    response_model=CharterRead,
    responses={**ERRORS, 409: {"model": ErrorRead}},
)
def book_charter(charter_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep) -> Any:
    """Book the planned selection: the chosen cases' feeders are committed as tours of the day."""
    booked = charter_booking.book_charter(
        session, principal, charter_id=charter_id, timezone=runtime.settings.timezone
    )
    return CharterRead.of(booked, runtime.zone)
