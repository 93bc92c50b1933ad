"""The ZFA's transit requests: detected per flight, required → submitted → approved | rejected | withdrawn.

Every step records who and when and is audited. A decision notifies the ABHs whose transport
requests use the flight; a rejection puts the flight up for rebooking, which holds those
transports (ltrako.planning.clearance refuses to commit them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    Flight,
    FlightLeg,
    TransitRequest,
    TransitStatus,
    TransportRequest,
)
from ltrako.requests import notifications
from zfa.itinerary import Itinerary, Leg
from zfa.transit import TransitRules, transits

T = TransitStatus
STATUS_LABELS_DE = {
    T.REQUIRED: "erforderlich",
    T.SUBMITTED: "beantragt",
    T.APPROVED: "bewilligt",
    T.REJECTED: "abgelehnt",
    T.WITHDRAWN: "zurückgezogen",
}


def require_zfa(principal: Principal) -> None:
    policy.require_role(principal, policy.ZFA, "Nur die ZFA bearbeitet Durchbeförderungen.")


def itinerary_of(session: Session, flight_id: int) -> Itinerary:
    legs = session.exec(
        select(FlightLeg).where(FlightLeg.flight_id == flight_id).order_by(col(FlightLeg.seq))
    ).all()
    if not legs:
        raise NotFound("Flug", str(flight_id))
    return Itinerary(tuple(Leg(g.origin_iata, g.destination_iata, g.departure, g.arrival) for g in legs))


def detect(
    session: Session,
    principal: Principal,
    *,
    flight_id: int,
    booked_at: dt.datetime | None = None,
    escorted: bool = True,
    rules: TransitRules | None = None,
) -> list[TransitRequest]:
    """Create the flight's transit requests (one per stop abroad); existing ones are kept."""
    require_zfa(principal)
    if session.get(Flight, flight_id) is None:
        raise NotFound("Flug", str(flight_id))
    known = {
        (t.airport, t.arrival)
        for t in session.exec(select(TransitRequest).where(TransitRequest.flight_id == flight_id))
    }
    created = []
    now = clock_of(session).now()
    for found in transits(itinerary_of(session, flight_id), booked_at or now, rules):
        arrival = found.arrival.astimezone(dt.UTC)
        if (found.airport, arrival) in known:
            continue
        row = TransitRequest(
            flight_id=flight_id,
            airport=found.airport,
            country=found.country,
            basis=found.basis.value,
            arrival=arrival,
            departure=found.departure.astimezone(dt.UTC),
            request_due=found.request_due.astimezone(dt.UTC),
            late=found.late,
            too_long=found.too_long,
            refused_state=found.refused,
            escorted=escorted,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, principal, action=AuditAction.CREATE, entity="transit_request", entity_id=str(row.id)
        )
        created.append(row)
    return created


def queue(session: Session, principal: Principal) -> list[TransitRequest]:
    """Open transit requests (required or submitted), the most urgent first."""
    require_zfa(principal)
    return list(
        session.exec(
            select(TransitRequest)
            .where(col(TransitRequest.status).in_([T.REQUIRED, T.SUBMITTED]))
            .order_by(col(TransitRequest.request_due), col(TransitRequest.id))
        ).all()
    )


def _move(
    session: Session, principal: Principal, transit_id: int, expected: tuple[TransitStatus, ...]
) -> TransitRequest:
    require_zfa(principal)
    row = session.get(TransitRequest, transit_id)
    if row is None:
        raise NotFound("Durchbeförderung", str(transit_id))
    if TransitStatus(row.status) not in expected:
        raise Conflict(f"Durchbeförderung {transit_id} ist {STATUS_LABELS_DE[TransitStatus(row.status)]}.")
    return row


def submit(
    session: Session, principal: Principal, *, transit_id: int, rules: TransitRules | None = None
) -> TransitRequest:
    """The ZFA has filed the request with the federal police: the answer is due 2 days later (Art. 4(2))."""
    row = _move(session, principal, transit_id, (T.REQUIRED,))
    now = clock_of(session).now()
    row.status, row.submitted_at, row.submitted_by = T.SUBMITTED, now, principal.subject
    row.late = row.late or now > row.request_due  # filed after the lead time: the statistics count it
    row.answer_due = now + (rules or TransitRules()).answer_time
    session.add(row)
    audit.updated(session, principal, "transit_request", transit_id, "submit")
    return row


def decide(
    session: Session, principal: Principal, *, transit_id: int, approved: bool, reason: str | None = None
) -> TransitRequest:
    """Record the requested state's answer; notify the ABHs; a rejection puts the flight up for rebooking."""
    if reason is not None and len(reason) > 400:
        raise InvalidInput([FieldProblem("reason", "Höchstens 400 Zeichen.", "too_long")])
    row = _move(session, principal, transit_id, (T.SUBMITTED,))
    row.status = T.APPROVED if approved else T.REJECTED
    row.decided_at, row.decided_by, row.reason = clock_of(session).now(), principal.subject, reason
    session.add(row)
    if not approved:
        flight = session.get(Flight, row.flight_id)
        assert flight is not None
        flight.needs_rebooking = True
        session.add(flight)
    verdict = "bewilligt" if approved else "abgelehnt – Flug wird umgebucht, Transport angehalten"
    because = f" Grund: {reason}" if reason else ""
    for request in session.exec(select(TransportRequest).where(TransportRequest.flight_id == row.flight_id)):
        text = (
            f"Auftrag {request.id}: Durchbeförderung über {row.airport} ({row.country}) {verdict}.{because}"
        )
        notifications.notify(session, request, notifications.Kind.TRANSIT_DECISION, text)
    audit.updated(session, principal, "transit_request", transit_id, row.status)
    return row


def withdraw(session: Session, principal: Principal, *, transit_id: int) -> TransitRequest:
    row = _move(session, principal, transit_id, (T.REQUIRED, T.SUBMITTED))
    row.status, row.decided_at, row.decided_by = T.WITHDRAWN, clock_of(session).now(), principal.subject
    session.add(row)
    audit.updated(session, principal, "transit_request", transit_id, "withdraw")
    return row


def transit_with_flight(
    session: Session, principal: Principal, transit_id: int
) -> tuple[TransitRequest, Flight, list[FlightLeg]]:
    """A transit request for the ZFA, with its flight and the flight's legs in order."""
    require_zfa(principal)
    row = session.get(TransitRequest, transit_id)
    if row is None:
        raise NotFound("Durchbeförderung", str(transit_id))
    flight = session.get(Flight, row.flight_id)
    assert flight is not None
    legs = session.exec(
        select(FlightLeg).where(FlightLeg.flight_id == row.flight_id).order_by(col(FlightLeg.seq))
    ).all()
    return row, flight, list(legs)


def document(session: Session, principal: Principal, *, transit_id: int) -> dict[str, Any]:
    """The structured request for the federal police airport office (directive's fields we hold).

    Names, travel documents and escort identities are not stored in ltrako; the office adds
    them from the case file. Exported: requesting and requested state, transit airport, escort
    mode, the flights in and out with times, transit duration, destination and pseudonymous
    case references of the persons.
    """
    row, flight, legs = transit_with_flight(session, principal, transit_id)
    inbound = next(g for g in legs if g.destination_iata == row.airport)
    outbound = next(g for g in legs if g.origin_iata == row.airport and g.seq > inbound.seq)
    audit.record(
        session, principal, action=AuditAction.EXPORT, entity="transit_request", entity_id=str(transit_id)
    )
    return {
        "format": "ltrako-transit-request/1",
        "legal_basis": row.basis,
        "requesting_state": "DE",
        "requested_state": row.country,
        "transit_airport": row.airport,
        "escorted": row.escorted,
        "arrival_flight": {
            "number": inbound.flight_number,
            "from": inbound.origin_iata,
            "arrival": row.arrival.isoformat(),
        },
        "departure_flight": {
            "number": outbound.flight_number,
            "to": outbound.destination_iata,
            "departure": row.departure.isoformat(),
        },
        "transit_minutes": int((row.departure - row.arrival).total_seconds() // 60),
        "destination_country": flight.destination_country,
        "request_due": row.request_due.isoformat(),
        "status": row.status,
    }


def history(session: Session, principal: Principal, *, limit: int = 100) -> list[TransitRequest]:
    """Decided transit requests (approved, rejected, withdrawn), the latest decision first."""
    require_zfa(principal)
    return list(
        session.exec(
            select(TransitRequest)
            .where(col(TransitRequest.status).in_([T.APPROVED, T.REJECTED, T.WITHDRAWN]))
            .order_by(col(TransitRequest.decided_at).desc(), col(TransitRequest.id).desc())
            .limit(limit)
        ).all()
    )
