"""Booking a flight: a validated itinerary stored with its legs; its transits are detected at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pycountry
from sqlmodel import Session, col, select

from ltrako.core import audit
from ltrako.core.security import Principal
from ltrako.models import AuditAction, Flight, FlightKind, FlightLeg, TransitRequest
from zfa import workflow
from zfa.itinerary import read_itinerary
from zfa.transit import TransitRules


def book(
    session: Session,
    principal: Principal,
    *,
    kind: FlightKind,
    legs: list[dict[str, Any]],
    booked_at: dt.datetime | None,
    escorted: bool,
    booking_ref: str | None = None,
    rules: TransitRules | None = None,
) -> tuple[Flight, list[TransitRequest]]:
    """Store the flight (422 naming `legs[i].…` if the itinerary is invalid) and its transit requests."""
    workflow.require_zfa(principal)
    itinerary = read_itinerary(legs)
    alpha2 = itinerary.destination_country
    country = pycountry.countries.get(alpha_2=alpha2)
    flight = Flight(
        kind=kind, booking_ref=booking_ref, destination_country=country.alpha_3 if country else "XXX"
    )
    session.add(flight)
    session.flush()
    assert flight.id is not None
    for seq, (raw, leg) in enumerate(zip(legs, itinerary.legs, strict=True), start=1):
        session.add(
            FlightLeg(
                flight_id=flight.id,
                seq=seq,
                flight_number=str(raw.get("flight_number", "")),
                origin_iata=leg.origin,
                destination_iata=leg.destination,
                departure=leg.departure.astimezone(dt.UTC),
                arrival=leg.arrival.astimezone(dt.UTC),
            )
        )
    session.flush()
    audit.record(session, principal, action=AuditAction.CREATE, entity="flight", entity_id=str(flight.id))
    transits = workflow.detect(
        session, principal, flight_id=flight.id, booked_at=booked_at, escorted=escorted, rules=rules
    )
    return flight, transits


def booked(
    session: Session, principal: Principal, *, limit: int = 50
) -> list[tuple[Flight, list[FlightLeg]]]:
    """The latest booked flights with their legs (ZFA)."""
    workflow.require_zfa(principal)
    flights = session.exec(select(Flight).order_by(col(Flight.id).desc()).limit(limit)).all()
    legs: dict[int, list[FlightLeg]] = {}
    ids = [f.id for f in flights]
    for leg in session.exec(
        select(FlightLeg).where(col(FlightLeg.flight_id).in_(ids)).order_by(col(FlightLeg.seq))
    ):
        legs.setdefault(leg.flight_id, []).append(leg)
    return [(f, legs.get(f.id or 0, [])) for f in flights]
