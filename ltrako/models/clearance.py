"""What must be cleared before a removal may go ahead: transit requests (ZFA) and notifications.

A transit request exists per stop abroad of a flight (zfa.transit finds them); a transport
request whose flight has a transit that is not approved cannot be committed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.types import UTCDateTime, enum_type, utcnow


class TransitStatus(StrEnum):
    REQUIRED = "required"  # erforderlich
    SUBMITTED = "submitted"  # beantragt
    APPROVED = "approved"  # bewilligt
    REJECTED = "rejected"  # abgelehnt
    WITHDRAWN = "withdrawn"  # zurückgezogen


class TransitRequest(SQLModel, table=True):
    """Durchbeförderungsersuchen for one stop abroad of one flight."""

    __tablename__ = "transit_request"
    __table_args__ = (UniqueConstraint("flight_id", "airport", "arrival"),)

    id: int | None = Field(default=None, primary_key=True)
    flight_id: int = Field(foreign_key="flight.id", index=True)
    airport: str = Field(max_length=3)
    country: str = Field(max_length=2)  # ISO 3166-1 alpha-2
    basis: str = Field(max_length=24)  # directive_2003_110 | bilateral
    arrival: dt.datetime = Field(sa_type=UTCDateTime)
    departure: dt.datetime = Field(sa_type=UTCDateTime)
    request_due: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    late: bool = False
    too_long: bool = False
    refused_state: bool = False
    escorted: bool = True
    status: TransitStatus = Field(
        default=TransitStatus.REQUIRED, sa_type=enum_type(TransitStatus, 12), index=True
    )
    submitted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by: str | None = Field(default=None, max_length=80)
    answer_due: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
    reason: str | None = Field(default=None, max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """A message to an ABH about one of its requests (ids only, German text, no personal data)."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    abh_id: str = Field(max_length=32, foreign_key="abh.id", index=True)
    request_id: str | None = Field(default=None, max_length=32, foreign_key="transport_request.id")
    kind: str = Field(max_length=32)
    text: str = Field(max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
