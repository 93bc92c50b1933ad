"""A seeded 2026 (tests.aps.history) with the free texts and links retention has to handle."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import (
    ApsCase,
    CaseStatus,
    Flight,
    FlightKind,
    MedicalReception,
    ReceptionStatus,
    RemovalCase,
    RemovalCasePerson,
    RequestOrigin,
    RequestStatusChange,
    TransitRequest,
    TransitStatus,
    TransportRequest,
    TransportRequestPerson,
)
from tests.aps.history import seed_history

# With 365 days kept, requests served before 15.6.2026 are old: H-001…H-028 are closed and old,
# H-029…H-031 (29.6.) are open, H-032 (1.7.) is completed but recent.
TODAY = dt.date(2027, 6, 15)
DAYS = 365
OLD = [f"H-{n:03d}" for n in range(1, 29)]
OPEN = ["H-029", "H-030", "H-031"]
RECENT = "H-032"
SECRET = "Freitext: Herr M. wohnt bei seiner Schwester"
UTC = dt.UTC


def person_of(session: Session, request_id: str) -> int:
    return min(
        session.exec(
            select(TransportRequestPerson.person_id).where(TransportRequestPerson.request_id == request_id)
        ).all()
    )


def seed_private(session: Session) -> None:
    """The history plus texts everywhere, and persons that other records still need."""
    seed_history(session)
    for change in session.exec(select(RequestStatusChange)).all():
        change.reason_text = SECRET
        session.add(change)
    for reception in session.exec(select(MedicalReception)).all():
        reception.medical_details, reception.contact = "Insulinpflichtig", "Dr. A., Tirana"
        session.add(reception)
    for transit in session.exec(select(TransitRequest)).all():
        transit.reason = SECRET
        session.add(transit)
    for flight in session.exec(select(Flight)).all():
        flight.booking_ref = "PNR7XK"
        session.add(flight)
    for row in session.exec(select(TransportRequest)).all():
        row.requires_medical_escort = True
        session.add(row)
    # The recent request has a booked flight with a transit and a medical reception of its own.
    recent = session.get(TransportRequest, RECENT)
    assert recent is not None
    flight = Flight(kind=FlightKind.SCHEDULED, booking_ref="PNR9QQ", destination_country="ALB")
    session.add(flight)
    session.flush()
    assert flight.id is not None
    recent.flight_id = flight.id
    session.add(recent)
    at = dt.datetime(2026, 7, 1, 12, tzinfo=UTC)
    session.add(
        TransitRequest(
            flight_id=flight.id,
            airport="IST",
            country="TR",
            basis="bilateral",
            arrival=at,
            departure=at + dt.timedelta(hours=2),
            request_due=at - dt.timedelta(days=4),
            status=TransitStatus.APPROVED,
            reason=SECRET,
        )
    )
    session.add(
        MedicalReception(
            request_id=RECENT,
            person_id=person_of(session, RECENT),
            destination_country="ALB",
            due=at - dt.timedelta(days=14),
            status=ReceptionStatus.CONFIRMED,
            medical_details="Dialyse",
        )
    )
    # H-029's person (open request) also travelled on the old H-001; H-002's person waits in an
    # open removal case; H-003's person is in a removal case closed long ago.
    session.add(TransportRequestPerson(request_id="H-001", person_id=person_of(session, "H-029")))
    for request_id, status, created in (
        ("H-002", CaseStatus.OPEN, dt.datetime(2025, 1, 10, tzinfo=UTC)),
        ("H-003", CaseStatus.CLOSED, dt.datetime(2025, 1, 10, tzinfo=UTC)),
    ):
        case = RemovalCase(
            abh_id="ABH-05113",
            zab_id="ZAB-E",
            origin=RequestOrigin.MUNICIPAL,
            destination_country="ALB",
            pickup_location_id="ABH-05113",
            priority=3,
            status=status,
            created_at=created,
            created_by="seed",
        )
        session.add(case)
        session.flush()
        assert case.id is not None
        session.add(RemovalCasePerson(case_id=case.id, person_id=person_of(session, request_id)))
    # Imported case H3 (2025/26) was imported long ago; H1 and H2 only now.
    old_import = session.exec(select(ApsCase).where(ApsCase.case_ref == "H3")).one()
    old_import.imported_at = dt.datetime(2026, 1, 10, tzinfo=UTC)
    session.add(old_import)
    session.flush()


@pytest.fixture
def private(runtime: Runtime) -> Runtime:
    with transaction(runtime.sessions) as session:
        seed_private(session)
    return runtime
