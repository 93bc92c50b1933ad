"""Schemas of the reference data: ZABs, ABHs, places, vehicles."""

from __future__ import annotations

from pydantic import (
    BaseModel,
)

from ltrako.models import (
    Abh,
    Location,
    Vehicle,
    Zab,
)
from planner.model import LocationKind


class ZabRead(BaseModel):
    id: str
    name: str
    regierungsbezirk_id: str
    location_id: str

    @classmethod
    def of(cls, row: Zab) -> ZabRead:
        return cls(
            id=row.id, name=row.name, regierungsbezirk_id=row.regierungsbezirk_id, location_id=row.location_id
        )


class AbhRead(BaseModel):
    id: str
    name: str
    kind: str
    ags: str | None
    regierungsbezirk_id: str
    zab_id: str
    location_id: str

    @classmethod
    def of(cls, row: Abh, zab_id: str) -> AbhRead:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            ags=row.ags,
            regierungsbezirk_id=row.regierungsbezirk_id,
            zab_id=zab_id,
            location_id=row.location_id,
        )


class LocationRead(BaseModel):
    id: str
    name: str
    kind: LocationKind
    lat: float
    lon: float
    address: str | None
    regierungsbezirk_id: str | None

    @classmethod
    def of(cls, row: Location) -> LocationRead:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            lat=row.lat,
            lon=row.lon,
            address=row.address,
            regierungsbezirk_id=row.regierungsbezirk_id,
        )


class VehicleRead(BaseModel):
    id: str
    zab_id: str
    depot_location_id: str
    label: str
    seats: int
    wheelchair: bool

    @classmethod
    def of(cls, row: Vehicle) -> VehicleRead:
        return cls(
            id=row.id,
            zab_id=row.zab_id,
            depot_location_id=row.depot_location_id,
            label=row.label,
            seats=row.seats,
            wheelchair=row.wheelchair,
        )
