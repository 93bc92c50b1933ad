"""Transport requests (Transportaufträge), the persons they carry and their status history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.fleet import Gender
from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"  # eingereicht
    PLANNED = "planned"  # eingeplant (proposed by the planner)
    ACCEPTED = "accepted"  # angenommen (on a committed tour)
    REJECTED = "rejected"  # abgelehnt by the ZAB or not fittable
    IN_POOL = "in_pool"  # in der Restplatzbörse
    TAKEN_OVER = "taken_over"  # übernommen by a ZAB from the Restplatzbörse
    COMPLETED = "completed"  # durchgeführt
    CANCELLED = "cancelled"  # storniert
    SELF_TRANSPORT = "self_transport"  # Eigentransport durch die ABH


class RequestOrigin(StrEnum):
    MUNICIPAL = "municipal"  # kommunaler Bereich (an ABH)
    STATE_FACILITY = "state_facility"  # Landeseinrichtung (Dublin transfers etc.)


class TransportPurpose(StrEnum):
    FLIGHT = "flight"  # zum Flughafen (Abschiebung, Dublin-Überstellung per Flug)
    DUBLIN_HANDOVER = "dublin_handover"  # Übergabe an der Grenze
    CONSULATE = "consulate"  # Vorführung bei Botschaft/Konsulat
    COURT = "court"  # Gerichtstermin
    DETENTION = "detention"  # Verbringung in Haft / Abschiebungshaft
    OTHER = "other"


class Person(SQLModel, table=True):
    """The minimum to plan: a pseudonymous case reference, no name.

    The flags are health data (GDPR Art. 9) where they concern medical needs: they are read
    only through services that check the role and write an audit event.
    """

    __tablename__ = "person"
    # Each authority issues its own case refs: an ABH, or for state facilities their ZAB.
    __table_args__ = (UniqueConstraint("owner_id", "case_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    case_ref: str = Field(max_length=40, index=True)
    owner_id: str = Field(max_length=32, index=True)  # the ABH's or the ZAB's id
    abh_id: str | None = Field(default=None, max_length=32, foreign_key="abh.id", index=True)
    nationality: str = Field(max_length=3)  # ISO 3166-1 alpha-3, XXX = unknown
    gender: Gender = Field(sa_type=enum_type(Gender, 1))
    requires_female_escort: bool = False
    requires_medical_escort: bool = False
    wheelchair: bool = False
    requires_medical_reception: bool = False
    created_at: dt.datetime = stamp_field()
    # Set when retention replaced the case reference and cleared the flags (ltrako.privacy.retention).
    pseudonymised_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransportRequest(SQLModel, table=True):
    __tablename__ = "transport_request"

    id: str = Field(primary_key=True, max_length=32)
    origin: RequestOrigin = Field(sa_type=enum_type(RequestOrigin))
    abh_id: str | None = Field(default=None, max_length=32, foreign_key="abh.id", index=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)  # responsible ZAB
    purpose: TransportPurpose = Field(sa_type=enum_type(TransportPurpose))
    service_date: dt.date = Field(index=True)  # local date of the earliest pickup
    persons: int = Field(ge=1)
    escorts_required: int = Field(ge=0)
    requires_female_escort: bool = False
    requires_medical_escort: bool = False
    wheelchair: bool = False
    # A case of the Fokusprojekt aMIT (RRK): the ministry's Anlage 3 counts these.
    amit: bool = False
    priority: int = Field(ge=1, le=5)
    max_ride_min: int | None = None
    pickup_location_id: str = Field(max_length=32, foreign_key="location.id")
    pickup_earliest: dt.datetime = Field(sa_type=UTCDateTime)
    pickup_latest: dt.datetime = Field(sa_type=UTCDateTime)
    pickup_service_min: int = Field(ge=0)
    dropoff_location_id: str = Field(max_length=32, foreign_key="location.id")
    dropoff_earliest: dt.datetime = Field(sa_type=UTCDateTime)
    dropoff_latest: dt.datetime = Field(sa_type=UTCDateTime)
    dropoff_service_min: int = Field(ge=0)
    flight_id: int | None = Field(default=None, foreign_key="flight.id")
    status: RequestStatus = Field(
        default=RequestStatus.SUBMITTED, sa_type=enum_type(RequestStatus), index=True
    )
    status_reason: str | None = Field(default=None, max_length=40)
    # The ZAB that drives (own ZAB after acceptance, another one after a Transportübernahme).
    carrier_zab_id: str | None = Field(default=None, max_length=32, foreign_key="zab.id")
    # Why the last Restplatzbörse run placed it nowhere (planner reason code), for the ABH.
    pool_reason: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)
    # Set when retention cleared the free texts and health details of this closed request.
    pseudonymised_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransportRequestPerson(SQLModel, table=True):
    """Which persons a request carries (a family may travel together)."""

    __tablename__ = "transport_request_person"

    request_id: str = Field(max_length=32, foreign_key="transport_request.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class RequestStatusChange(SQLModel, table=True):
    """The lifecycle history of a request: who moved it where, when and why."""

    __tablename__ = "request_status_change"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, foreign_key="transport_request.id", index=True)
    from_status: RequestStatus | None = Field(default=None, sa_type=enum_type(RequestStatus))
    to_status: RequestStatus = Field(sa_type=enum_type(RequestStatus))
    at: dt.datetime = stamp_field()
    actor: str = Field(max_length=80)
    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: str | None = Field(default=None, max_length=400)


class AmendmentStatus(StrEnum):
    PENDING = "pending"  # wartet auf die ZAB
    CONFIRMED = "confirmed"  # bestätigt: the request and its tour changed
    REJECTED = "rejected"  # abgelehnt: nothing changed


class RequestAmendment(SQLModel, table=True):
    """A change of a request on a committed tour: the changes, the tour re-timed with them (all
    else locked), and the carrying ZAB's decision. Ids, times and flags only."""

    __tablename__ = "request_amendment"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, foreign_key="transport_request.id", index=True)
    tour_id: int | None = Field(default=None, foreign_key="tour.id")  # None once the tour is gone
    tour_revision: int  # the committed tour it was computed on; stale once the tour changed
    changes: dict[str, Any] = Field(sa_type=sa.JSON)  # the amended fields (API names and values)
    tour: dict[str, Any] = Field(sa_type=sa.JSON)  # the re-timed tour, ltrako-plan/1 tour object
    status: AmendmentStatus = Field(
        default=AmendmentStatus.PENDING, sa_type=enum_type(AmendmentStatus, 12), index=True
    )
    requested_at: dt.datetime = stamp_field()
    requested_by: str = Field(max_length=80)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
    reason: str | None = Field(default=None, max_length=400)
