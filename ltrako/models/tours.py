"""Tours on vehicles with their crews and stops; committed tours are what later plans lock."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.types import UTCDateTime, enum_type
from planner.model import StopType


class Tour(SQLModel, table=True):
    """A committed tour. Crews may share a vehicle one after the other, so a vehicle can have
    several tours a day; each escort works in one tour only, so the crew identifies the tour."""

    __tablename__ = "tour"

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    vehicle_id: str = Field(max_length=32, foreign_key="vehicle.id", index=True)
    is_committed: bool = False
    revision: int = 1  # +1 on every change; offers built on an older revision are stale
    start: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    end: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Gefährdet: a roster or fleet change took its crew or vehicle (German, why); None if fine.
    endangered: str | None = Field(default=None, max_length=400)


class TourEscort(SQLModel, table=True):
    """An escort on a tour; the day is repeated here so that the database itself keeps each
    escort on one tour per day (spec rule 4), also against concurrent writers."""

    __tablename__ = "tour_escort"
    __table_args__ = (UniqueConstraint("day", "escort_id"),)

    tour_id: int = Field(foreign_key="tour.id", primary_key=True)
    escort_id: str = Field(max_length=32, foreign_key="escort.id", primary_key=True)
    day: dt.date


class TourStop(SQLModel, table=True):
    __tablename__ = "tour_stop"
    # A request's pickup and dropoff are on one tour only: never on two plans.
    __table_args__ = (UniqueConstraint("tour_id", "seq"), UniqueConstraint("request_id", "type"))

    id: int | None = Field(default=None, primary_key=True)
    tour_id: int = Field(foreign_key="tour.id", index=True)
    seq: int = Field(ge=0)
    type: StopType = Field(sa_type=enum_type(StopType, 8))
    request_id: str | None = Field(
        default=None, max_length=32, foreign_key="transport_request.id", index=True
    )
    location_id: str = Field(max_length=32, foreign_key="location.id")
    arrival: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    start: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    departure: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
