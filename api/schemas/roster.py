"""Schemas of the duty roster, absences, vehicle availability and tour repairs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, StrictBool

from api.schemas.common import Day, Strict
from api.schemas.planning import TourRead
from ltrako.models import AbsenceKind, RepairStatus, Tour, TourRepair
from ltrako.planning.roster import RosterDay
from ltrako.planning.tour import DayTour


class ShiftSet(Strict):
    start: dt.time | None = Field(None, description="Ortszeit HH:MM; ohne Beginn und Ende: keine Schicht.")
    end: dt.time | None = None


class RosterImportCreate(Strict):
    zab_id: str | None = Field(None, max_length=32, description="Nur für admin.")
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="JJJJ-MM")
    csv: str = Field(..., max_length=500_000, description="Begleitkraft;Datum;Beginn;Ende")


class AbsenceCreate(Strict):
    escort_id: str = Field(..., max_length=32)
    kind: AbsenceKind
    first_day: Day
    last_day: Day


class VehicleDaySet(Strict):
    in_service: StrictBool = True
    available_from: dt.time | None = Field(None, description="Ortszeit HH:MM")
    available_until: dt.time | None = None


class EndangeredRead(BaseModel):
    tour_id: int
    vehicle_id: str
    day: dt.date
    endangered: str

    @classmethod
    def of(cls, t: Tour) -> EndangeredRead:
        return cls(tour_id=t.id or 0, vehicle_id=t.vehicle_id, day=t.day, endangered=t.endangered or "")


class ChangeRead(BaseModel):
    endangered: list[EndangeredRead] = Field(description="Festgelegte Touren, die die Änderung gefährdet.")


class RosterImportRead(ChangeRead):
    shifts: int
    days: int


class AbsenceRead(ChangeRead):
    id: int
    escort_id: str
    kind: AbsenceKind
    first_day: dt.date
    last_day: dt.date


class EscortDayRead(BaseModel):
    escort_id: str
    name: str
    shift_start: dt.datetime | None
    shift_end: dt.datetime | None
    absence_id: int | None
    absence: AbsenceKind | None


class VehicleDayRead(BaseModel):
    vehicle_id: str
    label: str
    in_service: bool
    available_from: dt.datetime | None
    available_until: dt.datetime | None


class RosterDayRead(BaseModel):
    zab_id: str
    day: dt.date
    escorts: list[EscortDayRead]
    vehicles: list[VehicleDayRead]
    endangered: list[EndangeredRead]

    @classmethod
    def of(cls, r: RosterDay, zone: ZoneInfo) -> RosterDayRead:
        return cls(
            zab_id=r.zab_id,
            day=r.day,
            escorts=[
                EscortDayRead(
                    escort_id=e.id,
                    name=e.display_name or e.id,
                    shift_start=s.start.astimezone(zone) if s else None,
                    shift_end=s.end.astimezone(zone) if s else None,
                    absence_id=a.id if a else None,
                    absence=AbsenceKind(a.kind) if a else None,
                )
                for e, s, a in r.escorts
            ],
            vehicles=[
                VehicleDayRead(
                    vehicle_id=v.id,
                    label=v.label,
                    in_service=v.active and (a is None or a.in_service),
                    available_from=a.available_from.astimezone(zone) if a and a.available_from else None,
                    available_until=a.available_until.astimezone(zone) if a and a.available_until else None,
                )
                for v, a in r.vehicles
            ],
            endangered=[EndangeredRead.of(t) for t in r.endangered],
        )


class RepairRead(BaseModel):
    id: int
    tour_id: int
    day: dt.date
    status: RepairStatus
    tours: list[TourRead] = Field(
        description="Die Touren nach der Reparatur (andere Besatzung oder Fahrzeug)."
    )
    extends: list[int | None] = Field(description="Je Tour: die festgelegte Tour, die sie erweitert.")
    pool: list[str] = Field(
        description="Aufträge für die Restplatzbörse: keine Tour der ZAB kann sie fahren."
    )

    @classmethod
    def of(cls, r: TourRepair, tours: list[DayTour], zone: ZoneInfo) -> RepairRead:
        return cls(
            id=r.id or 0,
            tour_id=r.tour_id,
            day=r.day,
            status=r.status,
            tours=[TourRead.of(t, zone) for t in tours],
            extends=list(r.bases),
            pool=list(r.pool),
        )
