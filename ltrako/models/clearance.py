"""What must be cleared before a removal may go ahead: transit requests (ZFA) and notifications.

A transit request exists per stop abroad of a flight (zfa.transit finds them); a transport
request whose flight has a transit that is not approved cannot be committed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.types import UTCDateTime, enum_type, stamp_field


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
    created_at: dt.datetime = stamp_field()


class ReceptionStatus(StrEnum):
    OPEN = "open"  # offen: the ZRK has yet to ask
    REQUESTED = "requested"  # angefragt
    CONFIRMED = "confirmed"  # bestätigt
    DECLINED = "declined"  # abgelehnt


class MedicalReception(SQLModel, table=True):
    """Medizinische Inempfangnahme for one person of one transport (ZRK).

    `medical_details` is health data (GDPR Art. 9): read only by role zrk, every read audited.
    """

    __tablename__ = "medical_reception"
    __table_args__ = (UniqueConstraint("request_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, foreign_key="transport_request.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    destination_country: str = Field(max_length=3)  # ISO 3166-1 alpha-3
    due: dt.datetime = Field(sa_type=UTCDateTime, index=True)  # confirmation needed by then
    contact: str | None = Field(default=None, max_length=200)
    status: ReceptionStatus = Field(
        default=ReceptionStatus.OPEN, sa_type=enum_type(ReceptionStatus, 12), index=True
    )
    medical_details: str | None = Field(default=None, max_length=1000)
    requested_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    requested_by: str | None = Field(default=None, max_length=80)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
    created_at: dt.datetime = stamp_field()


class DublinTransfer(SQLModel, table=True):
    """A Dublin transfer from a state facility: its legal basis and the dates its deadline runs from."""

    __tablename__ = "dublin_transfer"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, foreign_key="transport_request.id", unique=True)
    facility_location_id: str = Field(max_length=32, foreign_key="location.id")
    basis: str = Field(max_length=16)  # ltrako.requests.dublin.LegalBasis
    application_registered: dt.date
    accepted_on: dt.date
    court_decision_on: dt.date | None = None
    extension: str = Field(default="none", max_length=16)  # ltrako.requests.dublin.Extension
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)


class Notification(SQLModel, table=True):
    """A message to an ABH about one of its requests (ids only, German text, no personal data)."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    abh_id: str = Field(max_length=32, foreign_key="abh.id", index=True)
    request_id: str | None = Field(default=None, max_length=32, foreign_key="transport_request.id")
    kind: str = Field(max_length=32)
    text: str = Field(max_length=400)
    created_at: dt.datetime = stamp_field()
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
