"""ZRK medical reception (medizinische Inempfangnahme): one case per flagged person and transport.

A person flagged `requires_medical_reception` on a transport with a known destination country
makes a case: due a lead time before the pickup (setting, an assumption), the contact from the
directory (fixture), status open → requested → confirmed | declined. Opening a case makes the
planner demand a medical escort for the transport; until every case of a transport is
confirmed it cannot be committed (ltrako.planning.clearance). The medical details are read by role
`zrk` only (audited); everyone else who may see the request sees that a case exists and its
status.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from fixtures.reference import medical_contacts
from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    Flight,
    MedicalReception,
    Person,
    ReceptionStatus,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests import notifications
from ltrako.requests.lifecycle import TERMINAL

R = ReceptionStatus
LABELS_DE = {R.OPEN: "offen", R.REQUESTED: "angefragt", R.CONFIRMED: "bestätigt", R.DECLINED: "abgelehnt"}


def _zrk(principal: Principal) -> None:
    policy.require_role(principal, policy.ZRK, "Nur die ZRK bearbeitet medizinische Inempfangnahmen.")


def sync_cases(session: Session, *, lead_days: int) -> list[MedicalReception]:
    """Open a case for every flagged person on an open transport with a destination; idempotent."""
    rows = session.exec(
        select(TransportRequest, Person, Flight)
        .join(TransportRequestPerson, col(TransportRequestPerson.request_id) == col(TransportRequest.id))
        .join(Person, col(Person.id) == col(TransportRequestPerson.person_id))
        .join(Flight, col(Flight.id) == col(TransportRequest.flight_id))
        .where(
            col(Person.requires_medical_reception).is_(True),
            col(TransportRequest.status).not_in(list(TERMINAL)),
        )
    ).all()
    opened = []
    for request, person, flight in rows:
        exists = session.exec(
            select(MedicalReception).where(
                MedicalReception.request_id == request.id, MedicalReception.person_id == person.id
            )
        ).first()
        if exists is not None:
            continue
        case = MedicalReception(
            request_id=request.id,
            person_id=person.id or 0,
            destination_country=flight.destination_country,
            due=request.pickup_earliest - dt.timedelta(days=lead_days),
            contact=medical_contacts().get(flight.destination_country),
        )
        request.requires_medical_escort = True  # the planner then asks for a medical escort
        session.add_all([case, request])
        opened.append(case)
    session.flush()
    return opened


def queue(session: Session, principal: Principal, *, lead_days: int) -> list[MedicalReception]:
    """The ZRK's open cases (open or requested), the earliest due first."""
    _zrk(principal)
    sync_cases(session, lead_days=lead_days)
    return list(
        session.exec(
            select(MedicalReception)
            .where(col(MedicalReception.status).in_([R.OPEN, R.REQUESTED]))
            .order_by(col(MedicalReception.due), col(MedicalReception.id))
        ).all()
    )


def _case(session: Session, case_id: int, expected: ReceptionStatus | None = None) -> MedicalReception:
    """The case; Conflict if it is not in the `expected` status (a decision taken already)."""
    case = session.get(MedicalReception, case_id)
    if case is None:
        raise NotFound("Inempfangnahme", str(case_id))
    if expected is not None and case.status != expected:
        wanted = "" if expected is R.OPEN else f", nicht {LABELS_DE[expected]}"
        raise Conflict(f"Inempfangnahme {case_id} ist {LABELS_DE[R(case.status)]}{wanted}.")
    return case


def request_reception(session: Session, principal: Principal, *, case_id: int) -> MedicalReception:
    _zrk(principal)
    case = _case(session, case_id, R.OPEN)
    case.status, case.requested_at, case.requested_by = (
        R.REQUESTED,
        clock_of(session).now(),
        principal.subject,
    )
    session.add(case)
    audit.updated(session, principal, "medical_reception", case_id, "requested")
    return case


def decide(session: Session, principal: Principal, *, case_id: int, confirmed: bool) -> MedicalReception:
    _zrk(principal)
    case = _case(session, case_id, R.REQUESTED)
    case.status = R.CONFIRMED if confirmed else R.DECLINED
    case.decided_at, case.decided_by = clock_of(session).now(), principal.subject
    session.add(case)
    request = session.get(TransportRequest, case.request_id)
    if request is not None:
        verdict = "bestätigt" if confirmed else "abgelehnt"
        text = f"Auftrag {request.id}: medizinische Inempfangnahme durch die ZRK {verdict}."
        notifications.notify(session, request, notifications.Kind.MEDICAL_RECEPTION, text)
    audit.updated(session, principal, "medical_reception", case_id, case.status)
    return case


def set_details(session: Session, principal: Principal, *, case_id: int, details: str) -> MedicalReception:
    """The ABH that knows the person, or the ZRK, records the medical details."""
    case = _case(session, case_id)
    request = session.get(TransportRequest, case.request_id)
    assert request is not None
    policy.require(
        policy.enters_medical_details(principal, request),
        "Medizinische Angaben erfassen die zuständige ABH oder die ZRK.",
    )
    if len(details) > 1000:
        raise InvalidInput([FieldProblem("details", "Höchstens 1000 Zeichen.", "too_long")])
    case.medical_details = details
    session.add(case)
    audit.updated(session, principal, "medical_reception", case_id, "details")
    return case


def cases_of_request(
    session: Session, principal: Principal, *, request_id: str
) -> tuple[list[MedicalReception], bool]:
    """The request's cases and whether the caller may read their medical details (zrk only)."""
    request = session.get(TransportRequest, request_id)
    if request is None:
        raise NotFound("Auftrag", request_id)
    if not policy.reads_request(principal, request):
        raise Forbidden()
    cases = list(
        session.exec(select(MedicalReception).where(MedicalReception.request_id == request_id)).all()
    )
    return cases, read_cases(session, principal, cases, "request")


def read_cases(session: Session, principal: Principal, cases: list[MedicalReception], context: str) -> bool:
    """Record that the caller read these cases; True if they see the medical details (ZRK only).

    Every answer that shows a case goes through here, so the audit trail says who saw which
    case and whether with its health details."""
    details = policy.reads_medical_details(principal)
    for case in cases:
        audit.record(
            session,
            principal,
            action=AuditAction.READ,
            entity="medical_reception",
            entity_id=str(case.id),
            context=f"{context} {'details' if details else 'status'}",
        )
    return details
