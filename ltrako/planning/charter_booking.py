"""Booking a planned Sammelcharter: its feeders become tours of the day.

The ZFA books the selection of a planned charter: each chosen case gets a feeder transport
request (its persons, pickup at the case's place, dropoff at the charter airport before
check-in, on the charter's flight), and the planned feeder tours are committed into the
ZABs' day plans, beside or extending the tours committed there, with the same rules as any
commitment (no escort on two tours, no vehicle on two tours at once, committed stop orders
kept). The cases are booked on this charter: a case booked on one charter is never chosen
for another. One transaction; 409 with the reason if the day changed since the planning.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.errors import Conflict, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    CaseStatus,
    Charter,
    CharterStatus,
    RemovalCase,
    RemovalCasePerson,
    RequestStatus,
    RequestStatusChange,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
    Vehicle,
)
from ltrako.planning import convert
from ltrako.planning.tour import keeps_commitment
from ltrako.planning.tours import commit_beside, committed_tours
from ltrako.requests.submission import default_escorts_required
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.io import read_plan


def book_charter(session: Session, principal: Principal, *, charter_id: int, timezone: str) -> Charter:
    policy.require_role(principal, policy.CHARTER, "Sammelcharter bucht die ZFA.")
    charter = session.get(Charter, charter_id, populate_existing=True)
    if charter is None:
        raise NotFound("Charter", str(charter_id))
    if CharterStatus(charter.status) is not CharterStatus.PLANNED or not charter.plan:
        raise Conflict(f"Sammelcharter {charter_id} ist nicht (mehr) geplant: erst planen, dann buchen.")
    report = charter.plan
    chosen = {f"C{row['case_id']}": row for row in report["chosen"]}
    plan = read_plan(report["feeder_plan"], timezone=timezone)
    clock = DayClock(charter.flight_date, timezone)
    feeders = {
        s.request: (tour, s)
        for tour in plan.tours
        for s in tour.stops
        if s.request in chosen and s.type is pm.StopType.PICKUP
    }
    dropoffs = {
        s.request: s
        for tour in plan.tours
        for s in tour.stops
        if s.request in chosen and s.type is pm.StopType.DROPOFF
    }
    zab_of = dict(session.exec(select(Vehicle.id, Vehicle.zab_id)).all())
    for key, row in sorted(chosen.items()):
        case = session.get(RemovalCase, row["case_id"], populate_existing=True)
        if case is None or CaseStatus(case.status) is not CaseStatus.OPEN:
            other = f" (Sammelcharter {case.charter_id})" if case is not None and case.charter_id else ""
            raise Conflict(f"Fall {row['case_id']} ist nicht mehr offen{other}; Sammelcharter neu planen.")
        tour, pickup = feeders[key]
        dropoff = dropoffs[key]
        persons = session.exec(
            select(RemovalCasePerson.person_id).where(RemovalCasePerson.case_id == case.id)
        ).all()
        request = TransportRequest(
            id=key,
            origin=case.origin,
            abh_id=case.abh_id,
            zab_id=case.zab_id,
            purpose=TransportPurpose.FLIGHT,
            service_date=charter.flight_date,
            persons=len(persons),
            escorts_required=default_escorts_required(len(persons)),
            priority=case.priority,
            pickup_location_id=pickup.location,
            pickup_earliest=clock.instant(pickup.start),
            pickup_latest=clock.instant(pickup.start),
            pickup_service_min=max(0, (pickup.departure - pickup.start) // 60),
            dropoff_location_id=dropoff.location,
            dropoff_earliest=clock.instant(dropoff.start),
            dropoff_latest=charter.check_in,
            dropoff_service_min=max(0, (dropoff.departure - dropoff.start) // 60),
            flight_id=charter.flight_id,
            status=RequestStatus.ACCEPTED,
            status_reason="charter",
            carrier_zab_id=zab_of.get(tour.vehicle),
            created_by=principal.subject,
        )
        session.add(request)
        session.flush()
        session.add_all(TransportRequestPerson(request_id=key, person_id=p) for p in persons)
        session.add(
            RequestStatusChange(
                request_id=key,
                to_status=RequestStatus.ACCEPTED,
                actor=principal.subject,
                reason_code="charter",
            )
        )
        case.status, case.charter_id = CaseStatus.BOOKED, charter_id
        session.add(case)
    session.flush()
    committed = committed_tours(session, charter.flight_date)
    for tour in plan.tours:
        if not any(s.request in chosen for s in tour.stops):
            continue
        day_tour = convert.day_tour(tour, clock)
        existing = committed.get(day_tour.key)
        if existing is not None and not keeps_commitment(existing, day_tour):
            raise Conflict(
                f"Die Tour von {tour.vehicle} wurde seit der Planung geändert; Sammelcharter neu planen."
            )
        committed = commit_beside(
            session, charter.flight_date, committed, day_tour, existing, "Sammelcharter neu planen."
        )
    charter.status = CharterStatus.BOOKED
    session.add(charter)
    audit.updated(
        session, principal, "charter", charter_id, f"book {len(chosen)} Fälle, Zubringer festgelegt"
    )
    return charter


def list_cases(
    session: Session, principal: Principal, *, status: CaseStatus | None = None, limit: int = 200
) -> list[RemovalCase]:
    """Removal cases the caller may see: an ABH its own, a ZAB those it is responsible for."""
    policy.require_role(principal, policy.REMOVAL_CASES, "Fälle sehen ABH, ZAB und Betrieb.")
    query = select(RemovalCase)
    if (abh := policy.abh_of(principal)) is not None:
        query = query.where(RemovalCase.abh_id == abh)
    elif (zab := policy.zab_of(principal)) is not None:
        query = query.where(RemovalCase.zab_id == zab)
    if status is not None:
        query = query.where(RemovalCase.status == status)
    rows = list(session.exec(query.order_by(col(RemovalCase.id)).limit(limit)).all())
    for row in rows:
        audit.record(
            session, principal, action=AuditAction.READ, entity="removal_case", entity_id=str(row.id)
        )
    return rows
