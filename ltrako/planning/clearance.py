"""Whether requests may be committed: transits approved, no rebooking pending, every medical
reception confirmed, the Dublin transfer deadline not passed.

Checked where tours are committed (tour acceptance, Transportübernahme), so that nothing
uncleared gets on a committed tour whichever way it comes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from ltrako.core.errors import Conflict
from ltrako.models import (
    DublinTransfer,
    Flight,
    MedicalReception,
    Person,
    ReceptionStatus,
    TransitRequest,
    TransitStatus,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests import dublin

CLEARED = (TransitStatus.APPROVED, TransitStatus.WITHDRAWN)


def blocking(session: Session, request_ids: Iterable[str]) -> dict[str, str]:
    """Request id → why it may not be committed yet (German), for those that may not."""
    out: dict[str, str] = {}
    for request_id in sorted(set(request_ids)):
        request = session.get(TransportRequest, request_id)
        if request is None:
            continue
        reasons = [*_transit(session, request), *_medical(session, request), *_dublin(session, request)]
        if reasons:
            out[request_id] = ", ".join(reasons)
    return out


def _transit(session: Session, request: TransportRequest) -> list[str]:
    if request.flight_id is None:
        return []
    flight = session.get(Flight, request.flight_id)
    if flight is not None and flight.needs_rebooking:
        return ["Flug muss umgebucht werden (Durchbeförderung abgelehnt)"]
    open_transits = session.exec(
        select(TransitRequest)
        .where(TransitRequest.flight_id == request.flight_id)
        .where(col(TransitRequest.status).not_in(list(CLEARED)))
    ).all()
    if open_transits:
        return [
            f"Durchbeförderung über {', '.join(sorted({t.airport for t in open_transits}))} nicht bewilligt"
        ]
    return []


def _medical(session: Session, request: TransportRequest) -> list[str]:
    """Every person flagged for medical reception needs a confirmed case for this transport."""
    flagged = session.exec(
        select(Person.id)
        .join(TransportRequestPerson, col(TransportRequestPerson.person_id) == col(Person.id))
        .where(
            TransportRequestPerson.request_id == request.id, col(Person.requires_medical_reception).is_(True)
        )
    ).all()
    if not flagged:
        return []
    confirmed = set(
        session.exec(
            select(MedicalReception.person_id).where(
                MedicalReception.request_id == request.id,
                MedicalReception.status == ReceptionStatus.CONFIRMED,
            )
        ).all()
    )
    return [] if set(flagged) <= confirmed else ["medizinische Inempfangnahme nicht bestätigt"]


def _dublin(session: Session, request: TransportRequest) -> list[str]:
    transfer = session.exec(select(DublinTransfer).where(DublinTransfer.request_id == request.id)).first()
    if transfer is None:
        return []
    deadline = dublin.transfer_deadline(dublin.case_of(transfer))
    if request.service_date > deadline:
        return [f"Überstellungsfrist am {deadline:%d.%m.%Y} abgelaufen"]
    return []


def ensure_cleared(session: Session, request_ids: Iterable[str]) -> None:
    """Conflict (409) naming each request that may not be committed and why."""
    blocked = blocking(session, request_ids)
    if blocked:
        raise Conflict("Nicht freigegeben: " + "; ".join(f"{r}: {why}" for r, why in blocked.items()) + ".")
