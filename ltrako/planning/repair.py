"""Repairing an endangered tour (gefährdet: its crew or vehicle is gone after a roster or
fleet change): the planner places its requests with everything else locked — another crew or
vehicle of the ZAB, or an extension of another committed tour — and what it cannot place goes
to the Restplatzbörse. The dispatcher confirms the proposal; until then nothing changes.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, delete, select

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.db import transaction
from ltrako.core.errors import Conflict, NotFound
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    RepairStatus,
    RequestStatus,
    Tour,
    TourEscort,
    TourRepair,
    TourStop,
    TransportRequest,
    Vehicle,
)
from ltrako.planning import convert, roster
from ltrako.planning.dayplan import Solver, ensure_valid_plan
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tour import DayTour, keeps_commitment
from ltrako.planning.tours import commit_beside, committed_tours
from ltrako.requests import lifecycle
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.params import SolveParams
from planner.solve import solve

S = RequestStatus
CARRIED = (S.ACCEPTED, S.TAKEN_OVER)


def _own_tour(session: Session, principal: Principal, tour_id: int) -> tuple[Tour, str]:
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten reparieren Touren.")
    row = session.get(Tour, tour_id)
    vehicle = session.get(Vehicle, row.vehicle_id) if row is not None else None
    if row is None or vehicle is None or not row.is_committed:
        raise NotFound("Tour", str(tour_id))
    if not policy.acts_for_zab(principal, vehicle.zab_id):
        audit.not_found(session, principal, entity="tour", entity_id=str(tour_id), label="Tour")
    return row, vehicle.zab_id


def repair_scenario(
    base: pm.Scenario,
    committed: dict[tuple[str, tuple[str, ...]], DayTour],
    target: DayTour,
    free: list[pm.Request],
) -> pm.Scenario:
    """The ZAB's day with every committed tour locked but `target`, whose requests are free.

    A committed tour whose crew or vehicle is itself missing (another endangered tour) keeps its
    rows but leaves the scenario with its vehicle and remaining crew: nothing may be planned on
    them."""
    escorts = {e.id for e in base.escorts}
    vehicles = {v.id for v in base.vehicles}
    locked, blocked_escorts, blocked_vehicles, dropped = [], set(), set(), set()
    for tour in base.locked:
        if (tour.vehicle, tuple(sorted(tour.escorts))) == target.key:
            continue
        if set(tour.escorts) <= escorts and tour.vehicle in vehicles:
            locked.append(tour)
        else:
            blocked_escorts |= set(tour.escorts)
            blocked_vehicles.add(tour.vehicle)
            dropped |= {s.request for s in tour.stops}
    kept = [r for r in base.requests if r.id not in dropped and r.id not in target.requests]
    return dataclasses.replace(
        base,
        vehicles=tuple(v for v in base.vehicles if v.id not in blocked_vehicles),
        escorts=tuple(e for e in base.escorts if e.id not in blocked_escorts),
        requests=tuple(sorted([*kept, *free], key=lambda r: r.id)),
        locked=tuple(locked),
    )


REPAIR_SECONDS = 2.0  # a repair re-plans one tour's requests: the rest of the day is locked


def ensure_may_repair(session: Session, principal: Principal, tour_id: int) -> None:
    """The checks of a repair proposal, done when its job is queued: own committed, endangered tour."""
    row, zab = _own_tour(session, principal, tour_id)
    roster.check_tours(session, zab, row.day)
    if not row.endangered:
        raise Conflict(f"Tour {tour_id} ist nicht gefährdet.")


def propose(
    runtime: Runtime,
    principal: Principal,
    *,
    tour_id: int,
    time_limit_s: float = REPAIR_SECONDS,
    solver: Solver = solve,
) -> TourRepair:
    """Plan the endangered tour's requests anew with everything else locked; store the proposal.

    Runs in a planning worker (ltrako.workers.jobs, kind tour_repair), never inside a request."""
    tz = runtime.settings.timezone
    with transaction(runtime.sessions) as session:
        row, zab = _own_tour(session, principal, tour_id)
        roster.check_tours(session, zab, row.day)
        if not row.endangered:
            raise Conflict(f"Tour {tour_id} ist nicht gefährdet.")
        committed = committed_tours(session, row.day)
        target = next(t for t in committed.values() if t.tour_id == tour_id)
        base = export_scenario(
            session, day=row.day, timezone=tz, travel=runtime.travel, zab_id=zab, statuses=()
        )
        clock = DayClock(row.day, base.timezone)
        free = [
            convert.request_of(r, clock)
            for r in session.exec(
                select(TransportRequest).where(col(TransportRequest.id).in_(sorted(target.requests)))
            ).all()
        ]
        scenario = repair_scenario(base, committed, target, free)
        revision = row.revision
        day = row.day
    tours: list[pm.Tour] = []
    if scenario.vehicles and scenario.escorts:  # else nothing of the ZAB can drive: all to the pool
        plan = solver(scenario, SolveParams(time_limit_s=time_limit_s))
        ensure_valid_plan(scenario, plan)
        tours = [t for t in plan.tours if any(s.request in target.requests for s in t.stops)]
    placed = {s.request for t in tours for s in t.stops if s.request}
    with transaction(runtime.sessions) as session:
        for earlier in session.exec(
            select(TourRepair).where(TourRepair.tour_id == tour_id, TourRepair.status == RepairStatus.OPEN)
        ).all():
            earlier.status = RepairStatus.SUPERSEDED
            session.add(earlier)
        now_committed = committed_tours(session, day)
        repair = TourRepair(
            tour_id=tour_id,
            tour_revision=revision,
            day=day,
            zab_id=zab,
            tours=[convert.offer_document(t, clock) for t in tours],
            bases=[
                base_tour.tour_id
                if (base_tour := now_committed.get((t.vehicle, tuple(sorted(t.escorts)))))
                else None
                for t in tours
            ],
            pool=sorted(target.requests - placed),
            created_by=principal.subject,
        )
        session.add(repair)
        session.flush()
        audit.record(
            session, principal, action=AuditAction.CREATE, entity="tour_repair", entity_id=str(repair.id)
        )
        return repair


def get_repair(session: Session, principal: Principal, repair_id: int) -> TourRepair:
    repair = session.get(TourRepair, repair_id)
    if repair is None:
        raise NotFound("Reparaturvorschlag", str(repair_id))
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten reparieren Touren.")
    if not policy.acts_for_zab(principal, repair.zab_id):
        audit.not_found(
            session, principal, entity="tour_repair", entity_id=str(repair_id), label="Reparaturvorschlag"
        )
    return repair


def confirm(session: Session, principal: Principal, *, repair_id: int, timezone: str) -> TourRepair:
    """The dispatcher confirms: the endangered tour is released, the proposed tours are
    committed, the requests no tour took go to the Restplatzbörse. One transaction."""
    repair = get_repair(session, principal, repair_id)
    if RepairStatus(repair.status) is not RepairStatus.OPEN:
        raise Conflict(f"Reparaturvorschlag {repair_id} ist nicht mehr offen.")
    row, _ = _own_tour(session, principal, repair.tour_id)
    if row.revision != repair.tour_revision:
        raise Conflict("Die Tour wurde inzwischen geändert; bitte die Reparatur neu vorschlagen.")
    committed = committed_tours(session, repair.day)
    target = next(t for t in committed.values() if t.tour_id == row.id)
    session.exec(delete(TourStop).where(col(TourStop.tour_id) == row.id))  # the stops are free again
    session.exec(delete(TourEscort).where(col(TourEscort.tour_id) == row.id))
    row.is_committed, row.endangered, row.revision = False, None, row.revision + 1
    session.add(row)
    session.flush()
    committed = committed_tours(session, repair.day)
    for document, base_id in zip(repair.tours, repair.bases, strict=True):
        tour = convert.offer_tour(document, repair.day, timezone)
        existing = committed.get(tour.key)
        if base_id is None and existing is not None:
            raise Conflict(
                f"Die Besatzung von {tour.vehicle} ist inzwischen verplant; Reparatur neu vorschlagen."
            )
        if base_id is not None and (
            existing is None or existing.tour_id != base_id or not keeps_commitment(existing, tour)
        ):
            raise Conflict(
                f"Die Tour von {tour.vehicle} wurde inzwischen geändert; Reparatur neu vorschlagen."
            )
        again = "Reparatur neu vorschlagen."
        committed = commit_beside(session, repair.day, committed, tour, existing, again)
    for request_id in repair.pool:
        if not lifecycle.claim(
            session, request_id, CARRIED, S.IN_POOL, actor=principal, reason_code="no_staff"
        ):
            raise Conflict(f"Auftrag {request_id} hat sich inzwischen geändert; Reparatur neu vorschlagen.")
        request = session.get(TransportRequest, request_id)
        assert request is not None
        request.pool_reason, request.carrier_zab_id = "no_staff", None
        session.add(request)
        roster.record_refusal(session, request_id=request_id, zab_id=repair.zab_id, reason="no_staff")
    repair.status, repair.decided_at, repair.decided_by = (
        RepairStatus.CONFIRMED,
        clock_of(session).now(),
        principal.subject,
    )
    session.add(repair)
    audit.updated(session, principal, "tour_repair", repair_id, f"confirm tour {target.tour_id}")
    return repair
