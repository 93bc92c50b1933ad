"""Whether requests may be committed: transits approved, no rebooking pending, every medical
reception confirmed, the Dublin transfer deadline not passed.

Checked where tours are committed (tour acceptance, Transportübernahme), so that nothing
uncleared gets on a committed tour whichever way it comes. `held` are the requests that can no
longer be cleared in time (a transit rejected or still pending past its deadline, a rebooking
pending, the Dublin deadline passed, a medical reception not confirmed by its due time): the
planner does not plan them as served; they stay unassigned with the reason.
"""

from __future__ import annotations

import datetime as dt
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
PENDING = (TransitStatus.REQUIRED, TransitStatus.SUBMITTED)
HELD = "not_cleared"  # the reason code of a held request (RejectReason.NOT_CLEARED)
HELD_PREFIX = "Nicht freigegeben: "  # the detail of a held request in a plan's unassigned list


def held(session: Session, request_ids: Iterable[str], *, now: dt.datetime, lead_days: int) -> dict[str, str]:
    """Request id → why it can no longer be committed in time (German), for those held."""
    out: dict[str, str] = {}
    for request_id in sorted(set(request_ids)):
        request = session.get(TransportRequest, request_id)
        if request is None:
            continue
        reasons = [
            *_transit_held(session, request, now),
            *_medical_held(session, request, now, lead_days),
            *_dublin(session, request),
        ]
        if reasons:
            out[request_id] = ", ".join(reasons)
    return out


def _transit_held(session: Session, request: TransportRequest, now: dt.datetime) -> list[str]:
    if request.flight_id is None:
        return []
    flight = session.get(Flight, request.flight_id)
    if flight is not None and flight.needs_rebooking:
        return ["Flug muss umgebucht werden (Durchbeförderung abgelehnt)"]
    out = []
    for t in session.exec(
        select(TransitRequest)
        .where(TransitRequest.flight_id == request.flight_id)
        .order_by(col(TransitRequest.id))
    ).all():
        status = TransitStatus(t.status)
        deadline = t.answer_due if status is TransitStatus.SUBMITTED and t.answer_due else t.request_due
        if status is TransitStatus.REJECTED:
            out.append(f"Durchbeförderung über {t.airport} abgelehnt")
        elif status in PENDING and now > max(deadline, t.request_due):
            out.append(f"Durchbeförderung über {t.airport} nach Fristablauf nicht bewilligt")
    return out


def _medical_held(session: Session, request: TransportRequest, now: dt.datetime, lead_days: int) -> list[str]:
    """A flagged person whose reception is not confirmed by its due time (a case's own, or the
    lead time before the pickup if the ZRK has no case yet)."""
    flagged = set(
        session.exec(
            select(Person.id)
            .join(TransportRequestPerson, col(TransportRequestPerson.person_id) == col(Person.id))
            .where(
                TransportRequestPerson.request_id == request.id,
                col(Person.requires_medical_reception).is_(True),
            )
        ).all()
    )
    if not flagged:
        return []
    cases = {
        c.person_id: c
        for c in session.exec(select(MedicalReception).where(MedicalReception.request_id == request.id)).all()
    }
    usual_due = request.pickup_earliest - dt.timedelta(days=lead_days)
    for person in flagged:
        case = cases.get(person or 0)
        if case is not None and ReceptionStatus(case.status) is ReceptionStatus.CONFIRMED:
            continue
        if case is not None and ReceptionStatus(case.status) is ReceptionStatus.DECLINED:
            return ["medizinische Inempfangnahme abgelehnt"]
        if now > (case.due if case is not None else usual_due):
            return ["medizinische Inempfangnahme nicht fristgerecht bestätigt"]
    return []


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
