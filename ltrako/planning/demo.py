"""The demo day: reference data, fleet and a realistic day of requests loaded in one go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from fixtures.demo_day import DemoDay, DemoRequest, generate_day
from ltrako.core import audit
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    Flight,
    FlightKind,
    FlightLeg,
    Gender,
    Person,
    RequestOrigin,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.planning.scenario import ImportSummary, import_scenario
from ltrako.requests.seed import SeedSummary, load_reference
from planner.model import HaversineTravel


@dataclass(frozen=True, slots=True)
class DemoSummary:
    seed: SeedSummary
    imported: ImportSummary
    persons: int
    flights: int
    day: DemoDay


def load_demo_day(
    session: Session,
    *,
    day: dt.date,
    requests: int,
    travel: HaversineTravel,
    timezone: str,
    actor: Principal,
    seed: int = 1,
    fleet_scale: float = 1.0,
) -> DemoSummary:
    """Load reference data and the demo day `day` (ids R-YYMMDD-NNNN; re-running updates it)."""
    seeded = load_reference(session)
    demo = generate_day(
        day,
        requests=requests,
        travel=travel,
        timezone=timezone,
        id_prefix=f"R-{day:%y%m%d}-",
        seed=seed,
        fleet_scale=fleet_scale,
    )
    imported = import_scenario(session, scenario=demo.scenario, actor=actor)
    persons = flights = 0
    for request_id, detail in demo.details.items():
        row = session.get(TransportRequest, request_id)
        assert row is not None
        row.purpose = TransportPurpose(detail.purpose)
        row.origin = RequestOrigin(detail.origin)
        persons += _attach_persons(session, row, detail, actor)
        if detail.flight is not None and row.flight_id is None:
            row.flight_id = _add_flight(session, detail)
            flights += 1
        session.add(row)
    session.flush()
    return DemoSummary(seeded, imported, persons, flights, demo)


def _attach_persons(session: Session, row: TransportRequest, detail: DemoRequest, actor: Principal) -> int:
    linked = set(
        session.exec(
            select(TransportRequestPerson.person_id).where(TransportRequestPerson.request_id == row.id)
        )
    )
    added = 0
    for p in detail.persons:
        person = session.exec(
            select(Person).where(Person.case_ref == p.case_ref, Person.owner_id == (row.abh_id or row.zab_id))
        ).first()
        if person is None:
            person = Person(
                case_ref=p.case_ref,
                owner_id=row.abh_id or row.zab_id,
                abh_id=row.abh_id,
                nationality=p.nationality,
                gender=Gender(p.gender),
                requires_female_escort=p.requires_female_escort,
                requires_medical_escort=p.requires_medical_escort,
                wheelchair=p.wheelchair,
                requires_medical_reception=p.requires_medical_reception,
            )
            session.add(person)
            session.flush()
            audit.record(
                session,
                actor,
                action=AuditAction.CREATE,
                entity="person",
                entity_id=str(person.id),
                context="demo",
            )
            added += 1
        assert person.id is not None  # flushed
        if person.id not in linked:
            session.add(TransportRequestPerson(request_id=row.id, person_id=person.id))
    return added


def _add_flight(session: Session, detail: DemoRequest) -> int:
    assert detail.flight is not None
    flight = Flight(
        kind=FlightKind(detail.flight.kind), destination_country=detail.flight.destination_country
    )
    session.add(flight)
    session.flush()
    assert flight.id is not None
    for seq, leg in enumerate(detail.flight.legs, start=1):
        session.add(
            FlightLeg(
                flight_id=flight.id,
                seq=seq,
                flight_number=leg.flight_number,
                origin_iata=leg.origin,
                destination_iata=leg.destination,
                departure=leg.departure,
                arrival=leg.arrival,
            )
        )
    return flight.id
