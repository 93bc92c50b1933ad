"""What a person reads instead of ids: places by name and town, authorities, vehicles, escorts.

Reference and staff data only (places, ABH, ZAB, vehicles, escorts); the persons transported
stay pseudonymous and are never named here. One `Names` is read per page or document, in a
few queries, and answers for any id it does not know with the id itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ltrako.models import Abh, Escort, Location, Vehicle, Zab

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """E-V1 < E-V2 < E-V10: digit runs compare as numbers."""
    return tuple((1, int(part)) if part.isdigit() else (0, part.casefold()) for part in _DIGITS.split(text))


def place_label(location: Location) -> str:
    """Name and town (the address, where it adds anything to the name)."""
    address = (location.address or "").strip()
    if not address or address.casefold() in location.name.casefold():
        return location.name
    return f"{location.name}, {address}"


@dataclass(slots=True)
class Names:
    places: dict[str, Location] = field(default_factory=dict)
    abhs: dict[str, str] = field(default_factory=dict)
    zabs: dict[str, str] = field(default_factory=dict)
    vehicles: dict[str, str] = field(default_factory=dict)
    escorts: dict[str, str] = field(default_factory=dict)

    def place(self, location_id: str | None) -> str:
        if location_id is None:
            return ""
        found = self.places.get(location_id)
        return place_label(found) if found is not None else location_id

    def place_name(self, location_id: str) -> str:
        found = self.places.get(location_id)
        return found.name if found is not None else location_id

    def address(self, location_id: str) -> str:
        found = self.places.get(location_id)
        return (found.address or "") if found is not None else ""

    def abh(self, abh_id: str | None) -> str:
        return "" if abh_id is None else self.abhs.get(abh_id, abh_id)

    def zab(self, zab_id: str | None) -> str:
        return "" if zab_id is None else self.zabs.get(zab_id, zab_id)

    def vehicle(self, vehicle_id: str) -> str:
        return self.vehicles.get(vehicle_id, vehicle_id)

    def escort(self, escort_id: str) -> str:
        return self.escorts.get(escort_id, escort_id)

    def crew(self, escort_ids: Iterable[str]) -> str:
        return ", ".join(sorted((self.escort(e) for e in escort_ids), key=natural_key))


def read_names(
    session: Session,
    *,
    places: Iterable[str] = (),
    vehicles: Iterable[str] = (),
    escorts: Iterable[str] = (),
) -> Names:
    """The names of these places, vehicles and escorts, and of every ABH and ZAB (small tables)."""
    names = Names()
    wanted_places = set(places)
    if wanted_places:
        names.places = {
            p.id: p for p in session.exec(select(Location).where(col(Location.id).in_(wanted_places))).all()
        }
    names.abhs = {a.id: a.name for a in session.exec(select(Abh)).all()}
    names.zabs = {z.id: z.name for z in session.exec(select(Zab)).all()}
    wanted_vehicles = set(vehicles)
    if wanted_vehicles:
        for v in session.exec(select(Vehicle).where(col(Vehicle.id).in_(wanted_vehicles))).all():
            names.vehicles[v.id] = v.label if v.label and v.label != v.id else v.id
    wanted_escorts = set(escorts)
    if wanted_escorts:
        for e in session.exec(select(Escort).where(col(Escort.id).in_(wanted_escorts))).all():
            names.escorts[e.id] = e.display_name or e.id
    return names
