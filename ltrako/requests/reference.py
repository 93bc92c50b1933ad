"""Queries on the reference data: ZABs, ABHs, locations, vehicles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from fixtures.reference import airports
from ltrako.core.errors import NotFound
from ltrako.models import Abh, Location, Vehicle, Zab
from planner.model import LocationKind


def list_zabs(session: Session) -> Sequence[Zab]:
    return session.exec(select(Zab).order_by(Zab.id)).all()


def list_abhs(session: Session, *, zab_id: str | None = None) -> Sequence[Abh]:
    query = select(Abh).order_by(Abh.id)
    if zab_id is not None:
        query = query.join(Zab, col(Zab.regierungsbezirk_id) == col(Abh.regierungsbezirk_id)).where(
            Zab.id == zab_id
        )
    return session.exec(query).all()


def list_locations(session: Session, *, kind: LocationKind | None = None) -> Sequence[Location]:
    query = select(Location).order_by(Location.id)
    if kind is not None:
        query = query.where(Location.kind == kind)
    return session.exec(query).all()


def list_vehicles(session: Session, *, zab_id: str | None = None) -> Sequence[Vehicle]:
    query = select(Vehicle).where(col(Vehicle.active).is_(True)).order_by(Vehicle.id)
    if zab_id is not None:
        query = query.where(Vehicle.zab_id == zab_id)
    return session.exec(query).all()


def zab_for_regierungsbezirk(session: Session, regierungsbezirk_id: str) -> Zab:
    zab = session.exec(select(Zab).where(Zab.regierungsbezirk_id == regierungsbezirk_id)).first()
    if zab is None:
        raise NotFound("ZAB für Regierungsbezirk", regierungsbezirk_id)
    return zab


def responsible_zab(session: Session, abh_id: str) -> Zab:
    """The ZAB of the ABH's Regierungsbezirk (every ABH has exactly one)."""
    abh = session.get(Abh, abh_id)
    if abh is None:
        raise NotFound("ABH", abh_id)
    return zab_for_regierungsbezirk(session, abh.regierungsbezirk_id)


def largest_vehicle_seats(session: Session, *, wheelchair: bool = False) -> int:
    """Seats of the largest active vehicle in NRW (of a wheelchair vehicle, if asked); 0 if none."""
    query = select(func.max(Vehicle.seats)).where(col(Vehicle.active).is_(True))
    if wheelchair:
        query = query.where(col(Vehicle.wheelchair).is_(True))
    return session.exec(query).one() or 0


# Hand-over to the federal police before departure where airports.csv names no value (an
# assumption: the Best Rück Luft passage was not found, FACTS.md 3.3).
DEFAULT_HANDOVER_LEAD_MIN = 180


def airport_location(iata: str) -> str:
    """The location id of an airport (fixtures.reference: `AP-<IATA>`)."""
    return f"AP-{iata}"


def handover_lead_min(iata: str) -> int:
    """Minutes before departure the persons are handed over at the airport (airports.csv)."""
    lead = {a.iata: a.handover_lead_min for a in airports()}
    return lead.get(iata, DEFAULT_HANDOVER_LEAD_MIN)
