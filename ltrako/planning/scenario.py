"""A day of the database as an exchange-format scenario, and back (the conversions of single
rows are `ltrako.planning.convert`'s).

`export_scenario` builds a day's ltrako-scenario/1 from the database; `import_scenario` loads
one. Importing a day sets the fleet availability, the roster and the committed tours of the
ZABs the scenario covers to what it says; requests are added or updated, never deleted.
Exports list every section sorted by id, and only the locations the day refers to (plus the
ZAB depots), so an import followed by an export gives back the same scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, func, select

from ltrako.core import audit
from ltrako.core.errors import FieldProblem, InvalidInput
from ltrako.core.security import Principal
from ltrako.models import (
    Abh,
    AuditAction,
    Escort,
    EscortAbsence,
    EscortShift,
    Gender,
    Location,
    PlanningDay,
    RequestOrigin,
    RequestStatus,
    Tour,
    TourEscort,
    TourStop,
    TransportPurpose,
    TransportRequest,
    Vehicle,
    VehicleAvailability,
    Zab,
)
from ltrako.planning import convert
from ltrako.planning.tours import committed_tours
from ltrako.requests import lifecycle
from ltrako.requests.submission import PURPOSE_BY_KIND
from planner import check_scenario
from planner import model as pm
from planner.clock import Clock
from planner.io import read_travel, write_travel


@dataclass(frozen=True, slots=True)
class ImportSummary:
    day: dt.date
    locations: int
    vehicles: int
    escorts: int
    requests_created: int
    requests_updated: int
    locked_tours: int


# ---------------------------------------------------------------------------- export


def export_scenario(
    session: Session,
    *,
    day: dt.date,
    timezone: str,
    travel: pm.Travel,
    zab_id: str | None = None,
    cross_zab: bool = False,
    statuses: Collection[RequestStatus] = lifecycle.OPEN,
    extra_requests: Sequence[pm.Request] = (),
) -> pm.Scenario:
    """The planning day `day` as a scenario; `timezone` and `travel` apply unless the day has its own.

    `extra_requests` are planned alongside without being stored (e.g. a charter's feeders).
    """
    planning_day = session.get(PlanningDay, day)
    if planning_day is not None:
        timezone, travel = planning_day.timezone, read_travel(planning_day.travel)
    clock = Clock(day, timezone)
    vehicles = _export_vehicles(session, clock, zab_id)
    escorts = _export_escorts(session, clock, zab_id)
    query = select(TransportRequest).where(
        TransportRequest.service_date == day, col(TransportRequest.status).in_(list(statuses))
    )
    if zab_id is not None and not cross_zab:
        query = query.where(_planning_zab() == zab_id)
    rows = {r.id: r for r in session.exec(query).all()}
    locked = _export_locked(session, day, {v.id for v in vehicles})
    on_locked = {s.request for t in locked for s in t.stops} - set(rows)
    if on_locked:  # a committed tour carries its requests whatever their status or ZAB
        rows.update(
            (r.id, r)
            for r in session.exec(select(TransportRequest).where(col(TransportRequest.id).in_(on_locked)))
        )
    requests = [*(convert.request_of(rows[k], clock) for k in sorted(rows)), *extra_requests]
    zabs = _zabs_of(vehicles, escorts, requests)
    wanted = {v.depot for v in vehicles} | {s.location for r in requests for s in (r.pickup, r.dropoff)}
    wanted |= {z.location_id for z in session.exec(select(Zab).where(col(Zab.id).in_(zabs))).all()}
    places = session.exec(select(Location).where(col(Location.id).in_(wanted)).order_by(Location.id)).all()
    locations = tuple(pm.Location(p.id, p.name, p.lat, p.lon, pm.LocationKind(p.kind)) for p in places)
    return pm.Scenario(
        date=day,
        timezone=timezone,
        cross_zab=cross_zab,
        travel=_restrict(travel, locations),
        locations=locations,
        vehicles=tuple(vehicles),
        escorts=tuple(escorts),
        requests=tuple(requests),
        locked=locked,
    )


def _zabs_of(
    vehicles: Iterable[pm.Vehicle], escorts: Iterable[pm.Escort], requests: Iterable[pm.Request]
) -> set[str]:
    return {v.zab for v in vehicles} | {e.zab for e in escorts} | {r.zab for r in requests}


def _restrict(travel: pm.Travel, locations: Iterable[pm.Location]) -> pm.Travel:
    """A stored matrix cut down to the exported locations (in the matrix's own order)."""
    if isinstance(travel, pm.HaversineTravel):
        return travel
    wanted = {loc.id for loc in locations}
    missing = wanted - set(travel.ids)
    if missing:
        raise InvalidInput(
            [FieldProblem("travel.ids", f"Reisezeitmatrix ohne Ort(e): {', '.join(sorted(missing))}.")]
        )
    keep = [i for i, loc_id in enumerate(travel.ids) if loc_id in wanted]
    return pm.MatrixTravel(
        ids=tuple(travel.ids[i] for i in keep),
        seconds=tuple(tuple(travel.seconds[i][j] for j in keep) for i in keep),
        meters=tuple(tuple(travel.meters[i][j] for j in keep) for i in keep),
    )


def _export_vehicles(session: Session, clock: Clock, zab_id: str | None) -> list[pm.Vehicle]:
    query = select(Vehicle).where(col(Vehicle.active).is_(True))
    if zab_id is not None:
        query = query.where(Vehicle.zab_id == zab_id)
    overrides = {
        a.vehicle_id: a
        for a in session.exec(select(VehicleAvailability).where(VehicleAvailability.day == clock.date))
    }
    on_day = (
        convert.vehicle_of(v, overrides.get(v.id), clock) for v in session.exec(query.order_by(Vehicle.id))
    )
    return [v for v in on_day if v is not None]


def _export_escorts(session: Session, clock: Clock, zab_id: str | None) -> list[pm.Escort]:
    query = (
        select(Escort, EscortShift)
        .join(EscortShift, col(EscortShift.escort_id) == col(Escort.id))
        .where(EscortShift.day == clock.date, col(Escort.active).is_(True))
    )
    if zab_id is not None:
        query = query.where(Escort.zab_id == zab_id)
    absent = set(
        session.exec(
            select(EscortAbsence.escort_id).where(
                EscortAbsence.first_day <= clock.date, EscortAbsence.last_day >= clock.date
            )
        ).all()
    )  # sick or on leave: off duty whatever the roster says
    return [
        convert.escort_of(e, s, clock)
        for e, s in session.exec(query.order_by(Escort.id)).all()
        if e.id not in absent
    ]


def _planning_zab() -> Any:
    """The ZAB that plans a request: the one driving it (after a take-over), else the responsible one."""
    return func.coalesce(col(TransportRequest.carrier_zab_id), col(TransportRequest.zab_id))


def _export_locked(session: Session, day: dt.date, vehicles: set[str]) -> tuple[pm.LockedTour, ...]:
    committed = sorted(committed_tours(session, day).items())
    return tuple(convert.locked_of(t) for _, t in committed if t.vehicle in vehicles)


# ---------------------------------------------------------------------------- import


def import_scenario(session: Session, *, scenario: pm.Scenario, actor: Principal) -> ImportSummary:
    """Load a scenario into the database (one unit of work; nothing is written if it is invalid)."""
    _validate_for_import(session, scenario)
    clock = Clock(scenario.date, scenario.timezone)
    session.merge(
        PlanningDay(day=scenario.date, timezone=scenario.timezone, travel=write_travel(scenario.travel))
    )
    for loc in scenario.locations:
        _import_location(session, loc)
    session.flush()
    covered = _zabs_of(scenario.vehicles, scenario.escorts, scenario.requests)
    _import_vehicles(session, scenario, clock, covered)
    _import_escorts(session, scenario, clock, covered)
    locked_requests = {s.request for t in scenario.locked for s in t.stops}
    created = updated = 0
    for request in scenario.requests:
        is_new = _import_request(session, request, clock, locked=request.id in locked_requests, actor=actor)
        created += is_new
        updated += not is_new
    session.flush()
    _import_locked(session, scenario, covered)
    session.flush()
    return ImportSummary(
        day=scenario.date,
        locations=len(scenario.locations),
        vehicles=len(scenario.vehicles),
        escorts=len(scenario.escorts),
        requests_created=created,
        requests_updated=updated,
        locked_tours=len(scenario.locked),
    )


def _validate_for_import(session: Session, scenario: pm.Scenario) -> None:
    problems = [FieldProblem(p.path, p.message, "scenario") for p in check_scenario(scenario)]
    known_zabs = set(session.exec(select(Zab.id)).all())
    known_abhs = set(session.exec(select(Abh.id)).all())
    sections: tuple[tuple[str, list[str]], ...] = (
        ("vehicles", [v.zab for v in scenario.vehicles]),
        ("escorts", [e.zab for e in scenario.escorts]),
        ("requests", [r.zab for r in scenario.requests]),
    )
    for section, zabs in sections:
        for i, zab in enumerate(zabs):
            if zab not in known_zabs:
                problems.append(
                    FieldProblem(f"{section}[{i}].zab", f"Unbekannte ZAB {zab!r}.", "unknown_zab")
                )
    for i, request in enumerate(scenario.requests):
        if request.abh is not None and request.abh not in known_abhs:
            problems.append(
                FieldProblem(f"requests[{i}].abh", f"Unbekannte ABH {request.abh!r}.", "unknown_abh")
            )
        existing = session.get(TransportRequest, request.id)
        if existing is not None and RequestStatus(existing.status) in lifecycle.TERMINAL:
            problems.append(
                FieldProblem(
                    f"requests[{i}].id", f"Auftrag {request.id} ist bereits abgeschlossen.", "closed"
                )
            )
    genders = {g.value for g in Gender}
    for i, escort in enumerate(scenario.escorts):
        if escort.gender not in genders:
            problems.append(FieldProblem(f"escorts[{i}].gender", "Geschlecht f, m oder d angeben.", "gender"))
    if problems:
        raise InvalidInput(problems)


def _import_location(session: Session, loc: pm.Location) -> None:
    row = session.get(Location, loc.id) or Location(
        id=loc.id, name=loc.name, kind=loc.kind, lat=loc.lat, lon=loc.lon
    )
    row.kind, row.lat, row.lon = loc.kind, loc.lat, loc.lon
    if loc.name and loc.name != loc.id:  # a bare id as name keeps the place's known name
        row.name = loc.name
    session.add(row)


def _import_vehicles(session: Session, scenario: pm.Scenario, clock: Clock, covered: set[str]) -> None:
    fleet = select(Vehicle.id).where(col(Vehicle.zab_id).in_(covered))
    session.exec(
        delete(VehicleAvailability).where(
            col(VehicleAvailability.day) == clock.date, col(VehicleAvailability.vehicle_id).in_(fleet)
        )
    )
    listed = {v.id for v in scenario.vehicles}
    for v in scenario.vehicles:
        row = session.get(Vehicle, v.id) or Vehicle(
            id=v.id, zab_id=v.zab, depot_location_id=v.depot, label=v.id, seats=v.seats
        )
        row.zab_id, row.depot_location_id, row.seats, row.wheelchair, row.active = (
            v.zab,
            v.depot,
            v.seats,
            v.wheelchair,
            True,
        )
        session.add(row)
        session.flush()
        if (v.available_from, v.available_until) != convert.default_window(row, clock):
            session.add(
                VehicleAvailability(
                    vehicle_id=v.id,
                    day=clock.date,
                    in_service=True,
                    available_from=clock.instant(v.available_from),
                    available_until=clock.instant(v.available_until),
                )
            )
    for other in session.exec(
        select(Vehicle).where(col(Vehicle.zab_id).in_(covered), col(Vehicle.id).not_in(listed))
    ):
        session.add(VehicleAvailability(vehicle_id=other.id, day=clock.date, in_service=False))


def _import_escorts(session: Session, scenario: pm.Scenario, clock: Clock, covered: set[str]) -> None:
    staff = select(Escort.id).where(col(Escort.zab_id).in_(covered))
    session.exec(
        delete(EscortShift).where(col(EscortShift.day) == clock.date, col(EscortShift.escort_id).in_(staff))
    )
    for e in scenario.escorts:
        row = session.get(Escort, e.id) or Escort(id=e.id, zab_id=e.zab, gender=Gender(e.gender))
        row.zab_id, row.gender, row.qualifications, row.active = (
            e.zab,
            Gender(e.gender),
            list(e.qualifications),
            True,
        )
        session.add(row)
        session.flush()
        session.add(
            EscortShift(
                escort_id=e.id,
                day=clock.date,
                start=clock.instant(e.shift_start),
                end=clock.instant(e.shift_end),
            )
        )


def _import_request(session: Session, r: pm.Request, clock: Clock, *, locked: bool, actor: Principal) -> bool:
    """Create or update one request; True if it was created."""
    row = session.get(TransportRequest, r.id)
    is_new = row is None
    if row is None:
        dropoff = session.get(Location, r.dropoff.location)
        assert dropoff is not None  # checked by check_scenario
        row = TransportRequest(
            id=r.id,
            origin=RequestOrigin.MUNICIPAL if r.abh else RequestOrigin.STATE_FACILITY,
            purpose=PURPOSE_BY_KIND.get(pm.LocationKind(dropoff.kind), TransportPurpose.OTHER),
            status=RequestStatus.ACCEPTED if locked else RequestStatus.SUBMITTED,
            created_by=actor.subject,
            zab_id=r.zab,
            service_date=clock.date,
            persons=r.persons,
            escorts_required=r.escorts_required,
            priority=r.priority,
            pickup_location_id=r.pickup.location,
            pickup_earliest=clock.instant(0),
            pickup_latest=clock.instant(0),
            pickup_service_min=0,
            dropoff_location_id=r.dropoff.location,
            dropoff_earliest=clock.instant(0),
            dropoff_latest=clock.instant(0),
            dropoff_service_min=0,
        )
    row.zab_id, row.abh_id, row.service_date = r.zab, r.abh, clock.date
    row.persons, row.escorts_required, row.priority, row.max_ride_min = (
        r.persons,
        r.escorts_required,
        r.priority,
        r.max_ride_min,
    )
    row.requires_female_escort, row.requires_medical_escort = (
        r.requires_female_escort,
        r.requires_medical_escort,
    )
    row.wheelchair = r.wheelchair
    row.pickup_location_id, row.pickup_service_min = r.pickup.location, r.pickup.service_min
    row.pickup_earliest, row.pickup_latest = clock.instant(r.pickup.earliest), clock.instant(r.pickup.latest)
    row.dropoff_location_id, row.dropoff_service_min = r.dropoff.location, r.dropoff.service_min
    row.dropoff_earliest, row.dropoff_latest = (
        clock.instant(r.dropoff.earliest),
        clock.instant(r.dropoff.latest),
    )
    session.add(row)
    session.flush()
    if is_new:
        lifecycle.record_created(session, row, actor=actor)
    audit.record(
        session,
        actor,
        action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
        entity="transport_request",
        entity_id=r.id,
        context="import-scenario",
    )
    return is_new


def _import_locked(session: Session, scenario: pm.Scenario, covered: set[str]) -> None:
    vehicles = select(Vehicle.id).where(col(Vehicle.zab_id).in_(covered))
    old = select(Tour.id).where(
        Tour.day == scenario.date, col(Tour.is_committed).is_(True), col(Tour.vehicle_id).in_(vehicles)
    )
    old_ids = list(session.exec(old).all())
    session.exec(delete(TourStop).where(col(TourStop.tour_id).in_(old_ids)))
    session.exec(delete(TourEscort).where(col(TourEscort.tour_id).in_(old_ids)))
    session.exec(delete(Tour).where(col(Tour.id).in_(old_ids)))
    requests = {r.id: r for r in scenario.requests}
    for locked in scenario.locked:
        tour = Tour(day=scenario.date, vehicle_id=locked.vehicle, is_committed=True)
        session.add(tour)
        session.flush()
        assert tour.id is not None
        for escort in locked.escorts:
            session.add(TourEscort(tour_id=tour.id, escort_id=escort, day=scenario.date))
        for seq, stop in enumerate(locked.stops):
            request = requests[stop.request]
            where = request.pickup if stop.type is pm.StopType.PICKUP else request.dropoff
            session.add(
                TourStop(
                    tour_id=tour.id,
                    seq=seq,
                    type=stop.type,
                    request_id=stop.request,
                    location_id=where.location,
                )
            )
