"""Flight itineraries: a scheduled flight or a charter, as legs between IATA airports."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class FlightKind(StrEnum):
    SCHEDULED = "scheduled"  # Linienflug
    CHARTER = "charter"  # (Sammel-)Charter


class Flight(SQLModel, table=True):
    __tablename__ = "flight"

    id: int | None = Field(default=None, primary_key=True)
    kind: FlightKind = Field(sa_type=enum_type(FlightKind))
    booking_ref: str | None = Field(default=None, max_length=40)
    destination_country: str = Field(max_length=3)  # ISO 3166-1 alpha-3
    needs_rebooking: bool = False  # a transit was refused: the ZFA books another connection
    created_at: dt.datetime = stamp_field()


class FlightLeg(SQLModel, table=True):
    __tablename__ = "flight_leg"
    __table_args__ = (UniqueConstraint("flight_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    flight_id: int = Field(foreign_key="flight.id", index=True)
    seq: int = Field(ge=1)
    flight_number: str = Field(max_length=12)
    origin_iata: str = Field(max_length=3)
    destination_iata: str = Field(max_length=3)
    departure: dt.datetime = Field(sa_type=UTCDateTime)
    arrival: dt.datetime = Field(sa_type=UTCDateTime)
