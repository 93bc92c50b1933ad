"""Data protection: pseudonymising closed cases after the retention period.

A request is *closed and old* when its status is final (completed, cancelled, self-transport)
and its service date lies before `today - retention_days`. Then, per request, the free texts
of its status history, the medical details and contact of its medical receptions and its
special-needs flags are removed. A person is pseudonymised (case reference → a random
`PSEUDO-…` token, flags cleared) only when every request and removal case carrying them is
closed and old; a person carried by nothing, once their record is older than the period. A
flight loses its booking reference and its transits their free-text reasons when every
request on it is closed and old (a flight without requests: once booked before the cutoff)
and none of its legs or charters is recent; an imported APS case its case reference when its
dates and its import are older than the period.

Kept is everything the statistics (ltrako.aps.statistics) and the parliamentary table (ltrako.aps.tables)
read: ids, nationality, gender, statuses, reason codes, dates and the rows that are counted.
The pseudonym is random rather than a keyed hash: no key exists that could link it back to
the case reference, and `pseudonymised_at` makes sure it is written once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any

from sqlalchemy import and_, exists, not_, or_, text
from sqlmodel import Session, col, select, update

from ltrako.core import audit
from ltrako.core.clock import clock_of
from ltrako.core.security import Principal, Role
from ltrako.models import (
    ApsCase,
    AuditAction,
    CaseStatus,
    Charter,
    Flight,
    FlightLeg,
    MedicalReception,
    Person,
    RemovalCase,
    RemovalCasePerson,
    RequestStatusChange,
    TransitRequest,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests.lifecycle import TERMINAL

RETENTION = Principal(subject="retention", role=Role.ADMIN)
CHUNK = 500  # ids per IN (…) list
LOCK_CLASS = 0x52544E  # advisory lock of the retention run (two-key form)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one run changed (counts only)."""

    requests: int = 0  # closed requests whose texts and health details were removed
    status_texts: int = 0  # free texts of status changes removed
    medical_receptions: int = 0  # medical receptions whose details or contact were removed
    persons: int = 0  # persons pseudonymised
    flights: int = 0  # flights whose booking reference was removed
    transit_reasons: int = 0  # free-text reasons of transit requests removed
    aps_cases: int = 0  # imported APS cases pseudonymised

    @property
    def total(self) -> int:
        return sum(astuple(self))

    def summary(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def pseudonym() -> str:
    return f"PSEUDO-{secrets.token_hex(8).upper()}"


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _open_or_recent(cutoff: dt.date) -> Any:
    """A request that is not (final and served before `cutoff`)."""
    return or_(
        col(TransportRequest.status).not_in(list(TERMINAL)),
        col(TransportRequest.service_date) >= cutoff,
    )


def pseudonymise_closed(
    session: Session, *, today: dt.date, retention_days: int, actor: Principal
) -> RetentionReport:
    """Pseudonymise the personal data of cases closed more than `retention_days` before `today`.

    Idempotent: what is done is marked (`pseudonymised_at`) or already empty, and a second run
    finds nothing. Every changed record is audited by id; nothing is committed here.
    """
    _one_at_a_time(session)
    cutoff = today - dt.timedelta(days=retention_days)
    cutoff_at = dt.datetime.combine(cutoff, dt.time(), dt.UTC)
    now = clock_of(session).now()
    requests, texts, receptions = _requests(session, cutoff, now, actor)
    report = RetentionReport(
        requests=requests,
        status_texts=texts,
        medical_receptions=receptions,
        persons=_persons(session, cutoff, cutoff_at, now, actor),
        **_flights(session, cutoff, cutoff_at, actor),
        aps_cases=_aps_cases(session, cutoff, cutoff_at, now, actor),
    )
    if report.total:
        audit.updated(session, actor, "retention", today.isoformat(), report.summary())
    session.flush()
    return report


def _one_at_a_time(session: Session) -> None:
    """Runs of several instances or threads (nightly job, CLI) go one after the other, so the
    second finds nothing: PostgreSQL by an advisory lock, SQLite by taking its write lock first."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:c, 0)"), {"c": LOCK_CLASS})
    elif dialect == "sqlite":
        session.execute(text("UPDATE person SET case_ref = case_ref WHERE 1 = 0"))


def _requests(session: Session, cutoff: dt.date, now: dt.datetime, actor: Principal) -> tuple[int, int, int]:
    rows = session.exec(
        select(TransportRequest).where(
            col(TransportRequest.status).in_(list(TERMINAL)),
            col(TransportRequest.service_date) < cutoff,
            col(TransportRequest.pseudonymised_at).is_(None),
        )
    ).all()
    texts = receptions = 0
    for chunk in _chunks([r.id for r in rows]):
        texts += session.exec(
            update(RequestStatusChange)
            .where(
                col(RequestStatusChange.request_id).in_(chunk),
                col(RequestStatusChange.reason_text).is_not(None),
            )
            .values(reason_text=None)
        ).rowcount
        for reception in session.exec(
            select(MedicalReception).where(
                col(MedicalReception.request_id).in_(chunk),
                or_(
                    col(MedicalReception.medical_details).is_not(None),
                    col(MedicalReception.contact).is_not(None),
                ),
            )
        ).all():
            reception.medical_details = reception.contact = None
            session.add(reception)
            receptions += 1
            audit.record(
                session,
                actor,
                action=AuditAction.DELETE,
                entity="medical_reception",
                entity_id=str(reception.id),
                context="retention: medizinische Angaben gelöscht",
            )
    for row in rows:
        row.requires_female_escort = row.requires_medical_escort = row.wheelchair = False
        row.pseudonymised_at = now
        session.add(row)
        audit.updated(session, actor, "transport_request", row.id, "retention: Freitexte gelöscht")
    return len(rows), texts, receptions


def _persons(
    session: Session, cutoff: dt.date, cutoff_at: dt.datetime, now: dt.datetime, actor: Principal
) -> int:
    carried = exists().where(col(TransportRequestPerson.person_id) == col(Person.id))
    carried_open = exists().where(
        col(TransportRequestPerson.person_id) == col(Person.id),
        col(TransportRequest.id) == col(TransportRequestPerson.request_id),
        _open_or_recent(cutoff),
    )
    in_case = exists().where(col(RemovalCasePerson.person_id) == col(Person.id))
    # A removal case has no closing date: it counts as old when closed, created before the
    # cutoff and without a later deadline.
    in_open_case = exists().where(
        col(RemovalCasePerson.person_id) == col(Person.id),
        col(RemovalCase.id) == col(RemovalCasePerson.case_id),
        not_(
            and_(
                col(RemovalCase.status) == CaseStatus.CLOSED,
                col(RemovalCase.created_at) < cutoff_at,
                or_(col(RemovalCase.deadline).is_(None), col(RemovalCase.deadline) < cutoff),
            )
        ),
    )
    persons = session.exec(
        select(Person).where(
            col(Person.pseudonymised_at).is_(None),
            not_(carried_open),
            not_(in_open_case),
            or_(carried, in_case, col(Person.created_at) < cutoff_at),
        )
    ).all()
    for person in persons:
        person.case_ref = pseudonym()
        person.requires_female_escort = person.requires_medical_escort = False
        person.wheelchair = person.requires_medical_reception = False
        person.pseudonymised_at = now
        session.add(person)
        audit.updated(session, actor, "person", person.id, "retention: pseudonymisiert")
    return len(persons)


def _flights(session: Session, cutoff: dt.date, cutoff_at: dt.datetime, actor: Principal) -> dict[str, int]:
    carries = exists().where(col(TransportRequest.flight_id) == col(Flight.id))
    carries_open = exists().where(col(TransportRequest.flight_id) == col(Flight.id), _open_or_recent(cutoff))
    recent_leg = exists().where(
        col(FlightLeg.flight_id) == col(Flight.id), col(FlightLeg.departure) >= cutoff_at
    )
    recent_charter = exists().where(
        col(Charter.flight_id) == col(Flight.id), col(Charter.flight_date) >= cutoff
    )
    old = [
        flight_id
        for flight_id in session.exec(
            select(Flight.id).where(
                not_(carries_open),
                not_(recent_leg),
                not_(recent_charter),
                or_(carries, col(Flight.created_at) < cutoff_at),
            )
        ).all()
        if flight_id is not None
    ]
    flights = reasons = 0
    for chunk in _chunks(old):
        for flight in session.exec(
            select(Flight).where(col(Flight.id).in_(chunk), col(Flight.booking_ref).is_not(None))
        ).all():
            flight.booking_ref = None
            session.add(flight)
            flights += 1
            audit.updated(session, actor, "flight", flight.id, "retention: Buchungsreferenz gelöscht")
        for transit in session.exec(
            select(TransitRequest).where(
                col(TransitRequest.flight_id).in_(chunk), col(TransitRequest.reason).is_not(None)
            )
        ).all():
            transit.reason = None
            session.add(transit)
            reasons += 1
            audit.updated(session, actor, "transit_request", transit.id, "retention: Begründung gelöscht")
    return {"flights": flights, "transit_reasons": reasons}


def _aps_cases(
    session: Session, cutoff: dt.date, cutoff_at: dt.datetime, now: dt.datetime, actor: Principal
) -> int:
    # The import must be old too: a batch is re-imported to correct it, keyed by case_ref.
    cases = session.exec(
        select(ApsCase).where(
            col(ApsCase.pseudonymised_at).is_(None),
            col(ApsCase.imported_at) < cutoff_at,
            or_(col(ApsCase.accompanied_on).is_(None), col(ApsCase.accompanied_on) < cutoff),
            or_(col(ApsCase.returned_on).is_(None), col(ApsCase.returned_on) < cutoff),
        )
    ).all()
    for case in cases:
        case.case_ref, case.pseudonymised_at = pseudonym(), now
        session.add(case)
        audit.updated(session, actor, "aps_case", case.id, "retention: pseudonymisiert")
    return len(cases)
