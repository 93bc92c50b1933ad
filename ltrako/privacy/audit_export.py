"""The audit trail of one case, for the data protection officer: every recorded access to the
request, its persons and the records that carried it (receptions, transfers, flights, tours,
plan versions, offers), oldest first. Reading the trail is itself audited (EXPORT)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.cells import cells
from ltrako.core.errors import Forbidden, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    AuditEvent,
    AuditOutcome,
    DublinTransfer,
    MedicalReception,
    Notification,
    PlanVersion,
    RequestStatusChange,
    RestplatzOffer,
    TourStop,
    TransitRequest,
    TransportRequest,
    TransportRequestPerson,
)

TRAIL_COLUMNS = ("at", "actor", "role", "action", "outcome", "entity", "entity_id", "context")


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """One line of a case's audit trail: an audit event, or a row of its status history."""

    at: dt.datetime
    actor: str
    role: str
    action: str
    outcome: str
    entity: str
    entity_id: str
    context: str | None


def case_audit_trail(
    session: Session, principal: Principal, *, request_id: str, fmt: str = "json"
) -> list[TrailEntry]:
    """Every audit event concerning a request, oldest first, for the data protection officer.

    Concerning: the request, its persons, medical receptions, Dublin transfer, notifications,
    flight and transit requests, the tours, plan versions and Restplatzbörse offers that carried
    it; plus its status history. The export itself is audited (EXPORT); other roles are refused.
    """
    if not policy.has_role(principal, policy.AUDIT_EXPORT):
        audit.record(
            session,
            principal,
            action=AuditAction.EXPORT,
            entity="transport_request",
            entity_id=request_id,
            outcome=AuditOutcome.DENIED,
            context="audit-export",
        )
        raise Forbidden("Zugriffsprotokolle exportieren nur Datenschutzbeauftragte und der Betrieb.")
    request = session.get(TransportRequest, request_id)
    if request is None:
        raise NotFound("Transportauftrag", request_id)
    concerning = [
        and_(col(AuditEvent.entity) == entity, col(AuditEvent.entity_id).in_(sorted(ids)))
        for entity, ids in _entities_of(session, request).items()
        if ids
    ]
    events = session.exec(
        select(AuditEvent).where(or_(*concerning)).order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    entries = [
        TrailEntry(e.at, e.actor, e.role, e.action, e.outcome, e.entity, e.entity_id, e.context)
        for e in events
    ]
    for change in session.exec(
        select(RequestStatusChange).where(RequestStatusChange.request_id == request_id)
    ).all():
        moved = f"{change.from_status or '-'} -> {change.to_status}"
        entries.append(
            TrailEntry(
                change.at,
                change.actor,
                "",
                AuditAction.UPDATE,
                AuditOutcome.OK,
                "request_status_change",
                str(change.id),
                f"{moved} {change.reason_code}" if change.reason_code else moved,
            )
        )
    entries.sort(key=lambda e: e.at)  # stable: events keep their id order within one instant
    audit.record(
        session,
        principal,
        action=AuditAction.EXPORT,
        entity="transport_request",
        entity_id=request_id,
        context=f"audit-export {fmt}",
    )
    return entries


def _entities_of(session: Session, request: TransportRequest) -> dict[str, set[str]]:
    """Per audited entity, the ids of the records that concern `request`."""
    rid = request.id

    def ids(query: Any) -> set[str]:
        return {str(value) for value in session.exec(query).all() if value is not None}

    transfers = ids(select(DublinTransfer.id).where(DublinTransfer.request_id == rid))
    plans = session.exec(
        select(PlanVersion.id, PlanVersion.plan).where(
            PlanVersion.day == request.service_date, PlanVersion.zab_id == request.zab_id
        )
    ).all()
    offers = session.exec(
        select(RestplatzOffer.id, RestplatzOffer.request_ids).where(
            RestplatzOffer.day == request.service_date
        )
    ).all()
    flight = {str(request.flight_id)} if request.flight_id is not None else set()
    return {
        "transport_request": {rid},
        "person": ids(
            select(TransportRequestPerson.person_id).where(TransportRequestPerson.request_id == rid)
        ),
        "medical_reception": ids(select(MedicalReception.id).where(MedicalReception.request_id == rid)),
        "dublin_transfer": {rid} | transfers,  # transfers.py audits a transfer by its request id
        "notification": ids(select(Notification.id).where(Notification.request_id == rid)),
        "flight": flight,
        "transit_request": ids(select(TransitRequest.id).where(TransitRequest.flight_id == request.flight_id))
        if flight
        else set(),
        "tour": ids(select(TourStop.tour_id).where(TourStop.request_id == rid)),
        "plan_version": {str(pid) for pid, plan in plans if _mentions(plan, rid)},
        "restplatz_offer": {str(oid) for oid, carried in offers if rid in carried},
    }


def _mentions(plan: Any, request_id: str) -> bool:
    """Whether a stored ltrako-plan/1 object names the request (on a tour or as unassigned)."""
    if isinstance(plan, dict):
        return plan.get("request") == request_id or any(_mentions(v, request_id) for v in plan.values())
    if isinstance(plan, list):
        return any(_mentions(v, request_id) for v in plan)
    return False


def trail_csv(entries: Iterable[TrailEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRAIL_COLUMNS)
    for e in entries:
        writer.writerow(cells((e.at.isoformat(), *astuple(e)[1:-1], e.context or "")))
    return buffer.getvalue()
