"""Vehicles and escort staff (Personenbegleitkräfte) of the ZABs, with availability and roster."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.types import UTCDateTime, enum_type


class Gender(StrEnum):
    FEMALE = "f"
    MALE = "m"
    DIVERSE = "d"


class Vehicle(SQLModel, table=True):
    __tablename__ = "vehicle"

    id: str = Field(primary_key=True, max_length=32)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    depot_location_id: str = Field(max_length=32, foreign_key="location.id")
    label: str = Field(max_length=80)
    seats: int = Field(ge=1)  # persons + crew
    wheelchair: bool = False
    # Usual daily availability, local time; a VehicleAvailability row overrides one day.
    daily_from: dt.time = dt.time(5, 0)
    daily_until: dt.time = dt.time(22, 0)
    active: bool = True


class VehicleAvailability(SQLModel, table=True):
    """A day on which the vehicle deviates from its usual window (workshop, longer duty)."""

    __tablename__ = "vehicle_availability"
    __table_args__ = (UniqueConstraint("vehicle_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_id: str = Field(max_length=32, foreign_key="vehicle.id")
    day: dt.date
    in_service: bool = True
    available_from: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    available_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Escort(SQLModel, table=True):
    """An escort: planning needs gender and qualifications; the crew's papers need a name.

    `display_name` is staff data of the ZAB (how colleagues and the crew's documents name the
    escort), not data of the persons transported; without one the staff code stands in."""

    __tablename__ = "escort"

    id: str = Field(primary_key=True, max_length=32)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    display_name: str | None = Field(default=None, max_length=80)
    gender: Gender = Field(sa_type=enum_type(Gender, 1))
    qualifications: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    active: bool = True


class EscortShift(SQLModel, table=True):
    """Duty roster: at most one shift per escort and day."""

    __tablename__ = "escort_shift"
    __table_args__ = (UniqueConstraint("escort_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    escort_id: str = Field(max_length=32, foreign_key="escort.id")
    day: dt.date = Field(index=True)
    start: dt.datetime = Field(sa_type=UTCDateTime)
    end: dt.datetime = Field(sa_type=UTCDateTime)
