"""The crew's Fahrauftrag of a committed tour, and the day's tours of a vehicle or an escort.

What the crew needs on the road: each stop with its place and address, the times (local, with
offset), per transport the case references of the persons (pseudonyms), their special needs,
the flight, the ABH to call; and who dispatches. Gated by the policy (the driving ZAB) and
audited: the tour exported, each transport read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.errors import NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    FlightLeg,
    Person,
    Tour,
    TourEscort,
    TourStop,
    TransportRequest,
    TransportRequestPerson,
    Vehicle,
)
from ltrako.planning.names import Names, read_names

STOP_LABELS = {"pickup": "Abholung", "dropoff": "Übergabe", "break": "Pause"}
PURPOSE_LABELS = {
    "flight": "zum Flug",
    "dublin_handover": "Dublin-Übergabe an der Grenze",
    "consulate": "Vorführung Botschaft/Konsulat",
    "court": "Gerichtstermin",
    "detention": "Verbringung in Haft",
    "other": "sonstiger Transport",
}


@dataclass(frozen=True, slots=True)
class Transport:
    request: TransportRequest
    persons: tuple[Person, ...]
    legs: tuple[FlightLeg, ...]

    def needs(self) -> list[str]:
        """Special needs in German (health-related: only for roles that see them, checked by the caller)."""
        out = []
        r = self.request
        if r.requires_female_escort or any(p.requires_female_escort for p in self.persons):
            out.append("weibliche Begleitkraft")
        if r.requires_medical_escort or any(p.requires_medical_escort for p in self.persons):
            out.append("medizinische Begleitung")
        if r.wheelchair or any(p.wheelchair for p in self.persons):
            out.append("Rollstuhl")
        if any(p.requires_medical_reception for p in self.persons):
            out.append("medizinische Inempfangnahme")
        return out


@dataclass(frozen=True, slots=True)
class TourFile:
    """A committed tour with everything its documents show."""

    tour: Tour
    vehicle: Vehicle
    escorts: tuple[str, ...]
    stops: tuple[TourStop, ...]
    transports: dict[str, Transport]
    names: Names


def read_tour(session: Session, principal: Principal, tour_id: int, context: str) -> TourFile:
    """The committed tour for its documents; Forbidden unless the caller's ZAB drives it."""
    tour = session.get(Tour, tour_id)
    if tour is None or not tour.is_committed:
        raise NotFound("Tour", str(tour_id))
    vehicle = session.get(Vehicle, tour.vehicle_id)
    assert vehicle is not None
    policy.require(
        policy.reads_tour(principal, vehicle.zab_id), "Dokumente einer Tour erhält die ZAB, die sie fährt."
    )
    escorts = tuple(
        sorted(session.exec(select(TourEscort.escort_id).where(TourEscort.tour_id == tour_id)).all())
    )
    stops = tuple(
        session.exec(select(TourStop).where(TourStop.tour_id == tour_id).order_by(col(TourStop.seq))).all()
    )
    transports = transports_of(session, {s.request_id for s in stops if s.request_id})
    names = read_names(
        session,
        places={s.location_id for s in stops} | {vehicle.depot_location_id},
        vehicles={vehicle.id},
        escorts=escorts,
    )
    audit.record(
        session, principal, action=AuditAction.EXPORT, entity="tour", entity_id=str(tour_id), context=context
    )
    for request_id in sorted(transports):
        audit.record(
            session,
            principal,
            action=AuditAction.READ,
            entity="transport_request",
            entity_id=request_id,
            context=context,
        )
    return TourFile(tour, vehicle, escorts, stops, transports, names)


def transports_of(session: Session, request_ids: Iterable[str]) -> dict[str, Transport]:
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    requests = session.exec(select(TransportRequest).where(col(TransportRequest.id).in_(ids))).all()
    persons: dict[str, list[Person]] = {}
    for request_id, person in session.exec(
        select(TransportRequestPerson.request_id, Person)
        .join(Person, col(Person.id) == col(TransportRequestPerson.person_id))
        .where(col(TransportRequestPerson.request_id).in_(ids))
        .order_by(col(Person.id))
    ):
        persons.setdefault(request_id, []).append(person)
    flights = {r.flight_id for r in requests if r.flight_id is not None}
    legs: dict[int, list[FlightLeg]] = {}
    if flights:
        for leg in session.exec(
            select(FlightLeg).where(col(FlightLeg.flight_id).in_(flights)).order_by(col(FlightLeg.seq))
        ):
            legs.setdefault(leg.flight_id, []).append(leg)
    return {
        r.id: Transport(r, tuple(persons.get(r.id, ())), tuple(legs.get(r.flight_id or 0, ())))
        for r in requests
    }


def tours_of_day(
    session: Session,
    principal: Principal,
    *,
    day: dt.date,
    days: int,
    vehicle_id: str | None,
    escort_id: str | None,
) -> list[TourFile]:
    """Committed tours from `day` on (`days` days) of one vehicle or one escort, for a calendar."""
    query = select(Tour.id).where(
        col(Tour.is_committed).is_(True), Tour.day >= day, Tour.day < day + dt.timedelta(days=days)
    )
    if vehicle_id is not None:
        query = query.where(Tour.vehicle_id == vehicle_id)
    if escort_id is not None:
        query = query.join(TourEscort, col(TourEscort.tour_id) == col(Tour.id)).where(
            TourEscort.escort_id == escort_id
        )
    ids = session.exec(query.order_by(col(Tour.start), col(Tour.id))).all()
    return [read_tour(session, principal, tour_id, "kalender") for tour_id in ids if tour_id is not None]


def zone_of(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)
