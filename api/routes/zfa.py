"""ZFA: transit requests per flight, the queue by deadline, decisions, the document for the airport office."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import ZFA, allow
from api.routes.documents import attachment
from api.schemas.common import DECISION_ERRORS
from api.schemas.zfa import (
    FlightCreate,
    FlightRead,
    TransitDecision,
    TransitDetect,
    TransitRead,
)
from ltrako.core.clock import clock_of
from ltrako.models import FlightKind
from zfa import documents, flights, workflow
from zfa.transit import rules_from

router = APIRouter(tags=["ZFA"])
LABELS = workflow.STATUS_LABELS_DE


@router.post(
    "/zfa/flights/{flight_id}/transits",
    dependencies=[allow(*ZFA)],
    response_model=list[TransitRead],
    status_code=201,
    responses=DECISION_ERRORS,
)
def detect(
    flight_id: int, body: TransitDetect, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> list[TransitRead]:
    """Find the flight's stops abroad and create their transit requests (existing ones are kept)."""
    rules = rules_from(runtime.settings.transit_refusing_states)
    rows = workflow.detect(
        session, principal, flight_id=flight_id, booked_at=body.booked_at, escorted=body.escorted, rules=rules
    )
    return [TransitRead.of(r, LABELS, clock_of(session).zone) for r in rows]


@router.get(
    "/zfa/transits", dependencies=[allow(*ZFA)], response_model=list[TransitRead], responses=DECISION_ERRORS
)
def transit_queue(session: SessionDep, principal: PrincipalDep) -> list[TransitRead]:
    """Open transit requests, the nearest deadline first."""
    return [TransitRead.of(r, LABELS, clock_of(session).zone) for r in workflow.queue(session, principal)]


@router.post(
    "/zfa/transits/{transit_id}/submit",
    dependencies=[allow(*ZFA)],
    response_model=TransitRead,
    responses=DECISION_ERRORS,
)
def submit(transit_id: int, session: SessionDep, principal: PrincipalDep) -> TransitRead:
    return TransitRead.of(
        workflow.submit(session, principal, transit_id=transit_id), LABELS, clock_of(session).zone
    )


@router.post(
    "/zfa/transits/{transit_id}/decision",
    dependencies=[allow(*ZFA)],
    response_model=TransitRead,
    responses=DECISION_ERRORS,
)
def decide(
    transit_id: int, body: TransitDecision, session: SessionDep, principal: PrincipalDep
) -> TransitRead:
    row = workflow.decide(
        session, principal, transit_id=transit_id, approved=body.approved, reason=body.reason
    )
    return TransitRead.of(row, LABELS, clock_of(session).zone)


@router.post(
    "/zfa/transits/{transit_id}/withdraw",
    dependencies=[allow(*ZFA)],
    response_model=TransitRead,
    responses=DECISION_ERRORS,
)
def withdraw(transit_id: int, session: SessionDep, principal: PrincipalDep) -> TransitRead:
    return TransitRead.of(
        workflow.withdraw(session, principal, transit_id=transit_id), LABELS, clock_of(session).zone
    )


@router.get(
    "/zfa/transits/{transit_id}/document",
    dependencies=[allow(*ZFA)],
    responses={**DECISION_ERRORS, 200: {"content": {"application/json": {}, "application/pdf": {}}}},
)
def transit_document(
    transit_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    format: Literal["json", "pdf"] = "json",
) -> Any:
    """The request for the federal police airport office: structured data (json, as before) or the
    printable PDF with the flight legs in local time, the persons' case references and the escorts."""
    if format == "pdf":
        content = documents.transit_pdf(
            session,
            principal,
            transit_id=transit_id,
            contact=runtime.settings.zfa_contact,
            timezone=runtime.settings.timezone,
        )
        return attachment(content, "application/pdf", f"durchbefoerderung-{transit_id}.pdf")
    return workflow.document(session, principal, transit_id=transit_id)


@router.post(
    "/flights",
    dependencies=[allow(*ZFA)],
    response_model=FlightRead,
    status_code=201,
    responses=DECISION_ERRORS,
)
def book_flight(
    body: FlightCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> FlightRead:
    """Record a booked flight (legs in airport-local time); its stops abroad become transit requests."""
    legs = [leg.model_dump(by_alias=True) for leg in body.legs]
    flight, found = flights.book(
        session,
        principal,
        kind=FlightKind(body.kind),
        legs=legs,
        booked_at=body.booked_at,
        escorted=body.escorted,
        booking_ref=body.booking_ref,
        rules=rules_from(runtime.settings.transit_refusing_states),
    )
    return FlightRead(
        id=flight.id or 0,
        kind=flight.kind,
        destination_country=flight.destination_country,
        needs_rebooking=flight.needs_rebooking,
        transits=[TransitRead.of(t, LABELS, clock_of(session).zone) for t in found],
    )
