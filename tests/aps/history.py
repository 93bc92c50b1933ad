"""A seeded first half-year 2026 whose APS figures are known by construction.

Each cohort is a number of identical requests with the path their status took; EXPECTED holds
the counts the statistics must report. The rows are written straight to the tables (the
workflows that would produce them are tested elsewhere), with their status history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from ltrako.models import (
    ApsCase,
    DublinTransfer,
    Flight,
    FlightKind,
    Gender,
    MedicalReception,
    Person,
    ReceptionStatus,
    RequestOrigin,
    RequestStatus,
    RequestStatusChange,
    TransitRequest,
    TransitStatus,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)

S = RequestStatus
UTC = dt.UTC
AS_OF = dt.date(2026, 11, 22)


@dataclass(frozen=True)
class Cohort:
    name: str
    count: int
    day: dt.date
    path: tuple[tuple[RequestStatus, str | None], ...]  # after "submitted"
    zab: str = "ZAB-E"
    abh: str | None = "ABH-05113"
    nationality: str = "ALB"
    persons: int = 1
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    purpose: TransportPurpose = TransportPurpose.FLIGHT
    carrier: str | None = None
    dublin_accepted_on: dt.date | None = None
    extras: dict[str, int] = field(default_factory=dict)


DONE = ((S.PLANNED, None), (S.ACCEPTED, None), (S.COMPLETED, "returned"))
COHORTS = (
    Cohort("returned", 10, dt.date(2026, 1, 15), DONE),
    Cohort("aborted", 4, dt.date(2026, 2, 10), ((S.ACCEPTED, None), (S.COMPLETED, "not_returned"))),
    Cohort(
        "rescued",
        3,
        dt.date(2026, 3, 3),
        ((S.REJECTED, "no_capacity"), (S.IN_POOL, None), (S.TAKEN_OVER, None), (S.COMPLETED, "returned")),
        nationality="SYR",
        persons=2,
        carrier="ZAB-K",
    ),
    Cohort(
        "self-driven",
        2,
        dt.date(2026, 3, 20),
        ((S.REJECTED, "no_staff"), (S.IN_POOL, None), (S.SELF_TRANSPORT, "no_capacity")),
        nationality="SYR",
    ),
    Cohort(
        "absconded",
        2,
        dt.date(2026, 4, 8),
        ((S.REJECTED, "no_vehicle"), (S.IN_POOL, None), (S.CANCELLED, "absconded")),
        nationality="XXX",
    ),
    Cohort(
        "dublin-made",
        5,
        dt.date(2026, 5, 12),
        ((S.ACCEPTED, None), (S.COMPLETED, "returned")),
        zab="ZAB-K",
        abh=None,
        nationality="MKD",
        origin=RequestOrigin.STATE_FACILITY,
        purpose=TransportPurpose.DUBLIN_HANDOVER,
        dublin_accepted_on=dt.date(2026, 4, 1),
    ),
    Cohort(
        "dublin-expired",
        2,
        dt.date(2026, 6, 2),
        ((S.ACCEPTED, None), (S.CANCELLED, "legal_obstacle")),
        zab="ZAB-K",
        abh=None,
        nationality="MKD",
        origin=RequestOrigin.STATE_FACILITY,
        purpose=TransportPurpose.DUBLIN_HANDOVER,
        dublin_accepted_on=dt.date(2025, 10, 1),  # deadline 1.4.2026: passed
    ),
    Cohort("open", 3, dt.date(2026, 6, 29), (), zab="ZAB-K", abh="ABH-05315", nationality="AFG"),
    Cohort("next-half", 1, dt.date(2026, 7, 1), DONE),  # outside 2026-H1
)
# Transits and medical receptions sit on the first requests of two cohorts.
TRANSITS = {"returned": [(TransitStatus.APPROVED, False)] * 2, "aborted": [(TransitStatus.REJECTED, True)]}
RECEPTIONS = {"returned": ReceptionStatus.CONFIRMED, "aborted": ReceptionStatus.OPEN}
# Imported historical cases (batch "rrk-alt"): two ALB returned in H1, one XXX accompanied in 2025.
IMPORTED = (
    ("H1", "kommunal", "ALB", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
    ("H2", "kommunal", "ALB", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
    ("H3", "landeseinrichtung", "XXX", dt.date(2025, 12, 1), dt.date(2026, 1, 5)),
)

EXPECTED_H1 = {
    "requested": 31,
    "planned": 24,
    "executed": 22,
    "returned": 18,
    "cancelled": 4,
    "self_transport": 2,
    "pool_entered": 7,
    "pool_placed": 3,
    "transit_approved": 2,
    "transit_rejected": 1,
    "transit_late": 1,
    "medical_receptions": 2,
    "medical_confirmed": 1,
    "dublin_transfers": 7,
    "dublin_made": 5,
    "dublin_expired": 2,
}
EXPECTED_CANCELLED = {"absconded": 2, "legal_obstacle": 2}
EXPECTED_BY = {
    "zab": {"ZAB-E": 21, "ZAB-K": 10},
    "regierungsbezirk": {"RB-D": 21, "RB-K": 10},
    "abh": {"ABH-05113": 21, "ABH-05315": 3, "-": 7},
    "origin": {"municipal": 24, "state_facility": 7},
    "purpose": {"flight": 24, "dublin_handover": 7},
    "nationality": {"AFG": 3, "ALB": 14, "MKD": 7, "SYR": 5, "XXX": 2},
    "month": {"2026-01": 10, "2026-02": 4, "2026-03": 5, "2026-04": 2, "2026-05": 5, "2026-06": 5},
}
# (area, code, begleitet, erfolgreich rückgeführt): persons of executed removals plus imports.
EXPECTED_TABLE_H1 = [
    ("kommunal", "ALB", 16, 12),
    ("kommunal", "SYR", 6, 6),
    ("landeseinrichtung", "MKD", 5, 5),
    ("landeseinrichtung", "XXX", 0, 1),
]


def seed_history(session: Session) -> None:
    serial = 0
    for cohort in COHORTS:
        for i in range(cohort.count):
            serial += 1
            add_request(session, cohort, f"H-{serial:03d}", first=i == 0, second=i == 1)
    for ref, area, code, accompanied, returned in IMPORTED:
        session.add(
            ApsCase(
                batch="rrk-alt",
                case_ref=ref,
                area=area,
                nationality=code,
                accompanied_on=accompanied,
                returned_on=returned,
                imported_by="seed",
            )
        )
    session.flush()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), UTC)


def add_request(session: Session, cohort: Cohort, rid: str, *, first: bool, second: bool) -> None:
    flight_id = None
    transits = TRANSITS.get(cohort.name, [])
    if (first and transits) or (second and len(transits) > 1):
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country=cohort.nationality)
        session.add(flight)
        session.flush()
        assert flight.id is not None
        flight_id = flight.id
        transit_status, late = transits[0 if first else 1]
        session.add(
            TransitRequest(
                flight_id=flight.id,
                airport="IST",
                country="TR",
                basis="bilateral",
                arrival=_at(cohort.day, 12),
                departure=_at(cohort.day, 14),
                request_due=_at(cohort.day - dt.timedelta(days=4), 0),
                late=late,
                status=transit_status,
            )
        )
    final, reason = cohort.path[-1] if cohort.path else (S.SUBMITTED, None)
    pickup = cohort.abh or "FAC-EAE-K"
    request = TransportRequest(
        id=rid,
        origin=cohort.origin,
        abh_id=cohort.abh,
        zab_id=cohort.zab,
        purpose=cohort.purpose,
        service_date=cohort.day,
        persons=cohort.persons,
        escorts_required=2,
        priority=3,
        pickup_location_id=pickup,
        pickup_earliest=_at(cohort.day, 5),
        pickup_latest=_at(cohort.day, 6),
        pickup_service_min=20,
        dropoff_location_id="AP-DUS",
        dropoff_earliest=_at(cohort.day, 6),
        dropoff_latest=_at(cohort.day, 9),
        dropoff_service_min=30,
        flight_id=flight_id,
        status=final,
        status_reason=reason,
        carrier_zab_id=cohort.carrier or (cohort.zab if final in (S.ACCEPTED, S.COMPLETED) else None),
        created_by="seed",
    )
    session.add(request)
    persons = []
    for k in range(cohort.persons):
        person = Person(
            case_ref=f"{rid}-{k}",
            owner_id=cohort.abh or cohort.zab,
            abh_id=cohort.abh,
            nationality=cohort.nationality,
            gender=Gender.MALE,
        )
        session.add(person)
        persons.append(person)
    session.flush()
    ids = [p.id for p in persons if p.id is not None]
    for person_id in ids:
        session.add(TransportRequestPerson(request_id=rid, person_id=person_id))
    previous: RequestStatus | None = None
    for step, (status, code) in enumerate(((S.SUBMITTED, None), *cohort.path)):
        session.add(
            RequestStatusChange(
                request_id=rid,
                from_status=previous,
                to_status=status,
                at=_at(cohort.day, 1) - dt.timedelta(days=3) + dt.timedelta(hours=step),
                actor="seed",
                reason_code=code,
            )
        )
        previous = status
    if first and cohort.name in RECEPTIONS:
        session.add(
            MedicalReception(
                request_id=rid,
                person_id=ids[0],
                destination_country=cohort.nationality,
                due=_at(cohort.day - dt.timedelta(days=14), 0),
                status=RECEPTIONS[cohort.name],
            )
        )
    if cohort.dublin_accepted_on is not None:
        session.add(
            DublinTransfer(
                request_id=rid,
                facility_location_id="FAC-EAE-K",
                basis="dublin_iii",
                application_registered=cohort.dublin_accepted_on - dt.timedelta(days=30),
                accepted_on=cohort.dublin_accepted_on,
                created_by="seed",
            )
        )
