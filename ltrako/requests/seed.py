"""Loading the reference data of `fixtures` into the database (idempotent: upserts by id)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fixtures import reference as ref
from ltrako.models import Abh, AbhKind, Escort, Gender, Location, Regierungsbezirk, Vehicle, Zab


@dataclass(frozen=True, slots=True)
class SeedSummary:
    regierungsbezirke: int
    zabs: int
    abhs: int
    locations: int
    vehicles: int
    escorts: int


def _upsert(session: Session, row: object) -> None:
    session.merge(row)


def _location(place: ref.Place) -> Location:
    return Location(
        id=place.id,
        name=place.name,
        kind=place.kind,
        lat=place.lat,
        lon=place.lon,
        address=place.address,
        regierungsbezirk_id=place.regierungsbezirk,
        source=place.source[:400],
    )


def load_reference(session: Session, *, with_fleet: bool = True, fleet_scale: float = 1.0) -> SeedSummary:
    """Regierungsbezirke, ZABs, ABHs, places and airports; the demo fleet unless told otherwise."""
    for rb in ref.regierungsbezirke():
        _upsert(session, Regierungsbezirk(id=rb.id, name=rb.name, ags=rb.ags))
    session.flush()
    places = ref.all_places()
    for place in places:
        _upsert(session, _location(place))
    session.flush()
    for zab in ref.zabs():
        _upsert(
            session,
            Zab(id=zab.id, name=zab.name, regierungsbezirk_id=zab.regierungsbezirk, location_id=zab.place.id),
        )
    for abh in ref.abhs():
        _upsert(
            session,
            Abh(
                id=abh.id,
                name=abh.name,
                kind=AbhKind(abh.kind),
                ags=abh.ags,
                regierungsbezirk_id=abh.regierungsbezirk,
                location_id=abh.place.id,
                source=abh.source[:400],
            ),
        )
    session.flush()
    vehicles = escorts = 0
    if with_fleet:
        fleet = ref.fleet(fleet_scale)
        for v in fleet.vehicles:
            _upsert(
                session,
                Vehicle(
                    id=v.id,
                    zab_id=v.zab,
                    depot_location_id=v.zab,
                    label=v.label,
                    seats=v.seats,
                    wheelchair=v.wheelchair,
                    daily_from=fleet.vehicle_from,
                    daily_until=fleet.vehicle_until,
                ),
            )
        for e in fleet.escorts:
            _upsert(
                session,
                Escort(
                    id=e.id,
                    zab_id=e.zab,
                    gender=Gender(e.gender),
                    qualifications=list(e.qualifications),
                    display_name=e.display_name,
                ),
            )
        session.flush()
        vehicles, escorts = len(fleet.vehicles), len(fleet.escorts)
    return SeedSummary(
        regierungsbezirke=len(ref.regierungsbezirke()),
        zabs=len(ref.zabs()),
        abhs=len(ref.abhs()),
        locations=len(places),
        vehicles=vehicles,
        escorts=escorts,
    )
