"""Duty roster and fleet: shifts, a month's roster CSV, absences, vehicle availability; the
committed tours a change endangers, and their repair (proposed by the planner, confirmed)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, allow
from api.routes.jobs import QUEUED, accepted
from api.schemas.common import DECISION_ERRORS, Day
from api.schemas.planning import JobRead
from api.schemas.roster import (
    AbsenceCreate,
    AbsenceRead,
    ChangeRead,
    EndangeredRead,
    RepairRead,
    RosterDayRead,
    RosterImportCreate,
    RosterImportRead,
    ShiftSet,
    VehicleDaySet,
)
from ltrako.core.runtime import Runtime
from ltrako.models import Tour, TourRepair
from ltrako.planning import convert, repair, roster
from ltrako.workers import jobs

router = APIRouter(tags=["Dienstplan und Fuhrpark"])
ERRORS = DECISION_ERRORS


def _changes(tours: list[Tour]) -> list[EndangeredRead]:
    return [EndangeredRead.of(t) for t in tours]


@router.get("/roster", dependencies=[allow(*DISPATCH)], response_model=RosterDayRead, responses=ERRORS)
def roster_day(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day = Query(...),
    zab_id: str | None = Query(None, max_length=32),
) -> RosterDayRead:
    """The ZAB's escorts (shift, absence), vehicles (availability) and endangered tours of the day."""
    return RosterDayRead.of(roster.roster_day(session, principal, zab_id=zab_id, day=day), runtime.zone)


@router.put(
    "/roster/shifts/{escort_id}/{day}",
    dependencies=[allow(*DISPATCH)],
    response_model=ChangeRead,
    responses=ERRORS,
)
def set_shift(
    escort_id: str,
    day: Day,
    body: ShiftSet,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> ChangeRead:
    """Edit one day of the roster: the escort's shift (without times: none that day)."""
    tours = roster.set_shift(
        session,
        principal,
        escort_id=escort_id,
        day=day,
        start=body.start,
        end=body.end,
        timezone=runtime.settings.timezone,
    )
    return ChangeRead(endangered=_changes(tours))


@router.post(
    "/roster/imports",
    dependencies=[allow(*DISPATCH)],
    response_model=RosterImportRead,
    status_code=201,
    responses=ERRORS,
)
def import_roster(
    body: RosterImportCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> RosterImportRead:
    """Replace the ZAB's shifts of a month by a roster CSV (Begleitkraft;Datum;Beginn;Ende)."""
    result = roster.import_roster(
        session,
        principal,
        zab_id=body.zab_id,
        month=body.month,
        text=body.csv,
        timezone=runtime.settings.timezone,
    )
    return RosterImportRead(shifts=result.shifts, days=result.days, endangered=_changes(result.endangered))


@router.post(
    "/roster/absences",
    dependencies=[allow(*DISPATCH)],
    response_model=AbsenceRead,
    status_code=201,
    responses=ERRORS,
)
def add_absence(body: AbsenceCreate, session: SessionDep, principal: PrincipalDep) -> AbsenceRead:
    """An escort is sick or on leave; the committed tours this endangers are marked gefährdet."""
    absence, tours = roster.add_absence(
        session,
        principal,
        escort_id=body.escort_id,
        kind=body.kind,
        first_day=body.first_day,
        last_day=body.last_day,
    )
    return AbsenceRead(
        id=absence.id or 0,
        escort_id=absence.escort_id,
        kind=absence.kind,
        first_day=absence.first_day,
        last_day=absence.last_day,
        endangered=_changes(tours),
    )


@router.delete(
    "/roster/absences/{absence_id}",
    dependencies=[allow(*DISPATCH)],
    response_model=ChangeRead,
    responses=ERRORS,
)
def remove_absence(absence_id: int, session: SessionDep, principal: PrincipalDep) -> ChangeRead:
    return ChangeRead(endangered=_changes(roster.remove_absence(session, principal, absence_id=absence_id)))


@router.put(
    "/fleet/vehicles/{vehicle_id}/days/{day}",
    dependencies=[allow(*DISPATCH)],
    response_model=ChangeRead,
    responses=ERRORS,
)
def set_vehicle_day(
    vehicle_id: str,
    day: Day,
    body: VehicleDaySet,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> ChangeRead:
    """A vehicle's availability of one day: a breakdown (in_service false) or another window."""
    tours = roster.set_vehicle_day(
        session,
        principal,
        vehicle_id=vehicle_id,
        day=day,
        in_service=body.in_service,
        available_from=body.available_from,
        available_until=body.available_until,
        timezone=runtime.settings.timezone,
    )
    return ChangeRead(endangered=_changes(tours))


def _read(r: TourRepair, runtime: Runtime) -> RepairRead:
    tz = runtime.settings.timezone
    return RepairRead.of(r, [convert.offer_tour(t, r.day, tz) for t in r.tours], runtime.zone)


@router.post(
    "/tours/{tour_id}/repairs",
    dependencies=[allow(*DISPATCH)],
    response_model=JobRead,
    status_code=202,
    responses={**ERRORS, **QUEUED},
)
def propose_repair(
    tour_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, response: Response
) -> JobRead:
    """Queue the repair proposal of an endangered tour: the planner with everything else locked.

    Answers at once with the job (202, `Location`); its `result_ref` is the proposal, read with
    GET /tour-repairs/{id}."""
    job = jobs.repair_job(session, principal, tour_id=tour_id, limits=jobs.Limits.of(runtime.settings))
    return accepted(job, session, response)


@router.get(
    "/tour-repairs/{repair_id}",
    dependencies=[allow(*DISPATCH)],
    response_model=RepairRead,
    responses=ERRORS,
)
def get_repair(
    repair_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> RepairRead:
    """A repair proposal of the caller's ZAB: the proposed tours and what goes to the pool."""
    return _read(repair.get_repair(session, principal, repair_id), runtime)


@router.post(
    "/tour-repairs/{repair_id}/confirm",
    dependencies=[allow(*DISPATCH)],
    response_model=RepairRead,
    responses=ERRORS,
)
def confirm_repair(
    repair_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> RepairRead:
    """The dispatcher confirms the repair: the endangered tour is replaced as proposed."""
    done = repair.confirm(session, principal, repair_id=repair_id, timezone=runtime.settings.timezone)
    return _read(done, runtime)
