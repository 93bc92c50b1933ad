"""Schemas of transport requests: submission, reading, closing and completing."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
)

from api.schemas.common import DB_INT_MAX, Instant, Strict
from ltrako.core.policy import sees_medical
from ltrako.core.security import Principal
from ltrako.models import (
    Gender,
    Person,
    RequestOrigin,
    RequestStatus,
    TransportPurpose,
)
from ltrako.planning.dayplan import reason_label
from ltrako.requests.lifecycle import LABELS_DE, CancelReason
from ltrako.requests.submission import PersonDraft, RequestDraft, RequestRecord, StopDraft


class PersonCreate(Strict):
    case_ref: str = Field(
        min_length=3, max_length=40, description="Pseudonymes Aktenzeichen der ABH, kein Name."
    )
    nationality: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3; XXX = unbekannt.")
    gender: Gender
    requires_female_escort: StrictBool = False
    requires_medical_escort: StrictBool = False
    wheelchair: StrictBool = False
    requires_medical_reception: StrictBool = False

    def to_draft(self) -> PersonDraft:
        return PersonDraft(**self.model_dump())


class StopCreate(Strict):
    location: str = Field(min_length=1, max_length=32)
    earliest: Instant
    latest: Instant
    service_min: StrictInt = Field(default=20, ge=0, le=600)


class TransportRequestCreate(Strict):
    persons: list[PersonCreate] = Field(min_length=1, max_length=9)
    pickup: StopCreate
    dropoff: StopCreate
    priority: StrictInt = Field(default=3, ge=1, le=5)
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = Field(default=None, max_length=32)
    purpose: TransportPurpose | None = None
    escorts_required: StrictInt | None = Field(default=None, ge=0, le=8)
    max_ride_min: StrictInt | None = Field(default=None, gt=0, le=24 * 60)
    flight_id: StrictInt | None = Field(
        default=None, ge=1, le=DB_INT_MAX, description="Der gebuchte Flug (POST /flights)."
    )
    amit: StrictBool = Field(
        default=False, description="Fall des Fokusprojekts aMIT (APS: Anlage 3 der Landtagstabellen)."
    )

    def to_draft(self) -> RequestDraft:
        return RequestDraft(
            persons=tuple(p.to_draft() for p in self.persons),
            pickup=stop_draft(self.pickup),
            dropoff=stop_draft(self.dropoff),
            priority=self.priority,
            origin=self.origin,
            abh_id=self.abh_id,
            purpose=self.purpose,
            escorts_required=self.escorts_required,
            max_ride_min=self.max_ride_min,
            flight_id=self.flight_id,
            amit=self.amit,
        )


def stop_draft(stop: StopCreate) -> StopDraft:
    return StopDraft(stop.location, stop.earliest, stop.latest, stop.service_min)


class PersonRead(BaseModel):
    case_ref: str
    nationality: str
    gender: Gender
    requires_female_escort: bool
    requires_medical_escort: bool | None = Field(
        description="Nur für Rollen mit Bedarf sichtbar (zab, abh, zrk)."
    )
    wheelchair: bool | None
    requires_medical_reception: bool | None


class StopRead(BaseModel):
    location: str
    earliest: dt.datetime
    latest: dt.datetime
    service_min: int


class TransportRequestRead(BaseModel):
    id: str
    status: RequestStatus
    status_label: str
    origin: RequestOrigin
    abh_id: str | None
    zab_id: str
    purpose: TransportPurpose
    service_date: dt.date
    person_count: int
    persons: list[PersonRead]
    escorts_required: int
    requires_female_escort: bool
    requires_medical_escort: bool | None
    wheelchair: bool | None
    medical_details_visible: bool
    priority: int
    max_ride_min: int | None
    pickup: StopRead
    dropoff: StopRead
    flight_id: int | None
    carrier_zab_id: str | None = Field(
        description="Die ZAB, die fährt (nach Annahme oder Transportübernahme)."
    )
    pool_reason: str | None = Field(description="Warum die Restplatzbörse zuletzt keine ZAB fand.")
    pool_reason_label: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, record: RequestRecord, principal: Principal, zone: ZoneInfo) -> TransportRequestRead:
        """Times in the service's zone; health-related flags only for roles that need them."""
        r = record.request
        medical = sees_medical(principal)

        def stop(location: str, earliest: dt.datetime, latest: dt.datetime, service_min: int) -> StopRead:
            return StopRead(
                location=location,
                earliest=earliest.astimezone(zone),
                latest=latest.astimezone(zone),
                service_min=service_min,
            )

        return cls(
            id=r.id,
            status=r.status,
            status_label=LABELS_DE[RequestStatus(r.status)],
            origin=r.origin,
            abh_id=r.abh_id,
            zab_id=r.zab_id,
            purpose=r.purpose,
            service_date=r.service_date,
            person_count=r.persons,
            persons=[_person(p, medical) for p in record.persons],
            escorts_required=r.escorts_required,
            requires_female_escort=r.requires_female_escort,
            requires_medical_escort=r.requires_medical_escort if medical else None,
            wheelchair=r.wheelchair if medical else None,
            medical_details_visible=medical,
            priority=r.priority,
            max_ride_min=r.max_ride_min,
            pickup=stop(r.pickup_location_id, r.pickup_earliest, r.pickup_latest, r.pickup_service_min),
            dropoff=stop(r.dropoff_location_id, r.dropoff_earliest, r.dropoff_latest, r.dropoff_service_min),
            flight_id=r.flight_id,
            carrier_zab_id=r.carrier_zab_id,
            pool_reason=r.pool_reason,
            pool_reason_label=reason_label(r.pool_reason),
            created_at=r.created_at.astimezone(zone),
        )


def _person(p: Person, medical: bool) -> PersonRead:
    return PersonRead(
        case_ref=p.case_ref,
        nationality=p.nationality,
        gender=p.gender,
        requires_female_escort=p.requires_female_escort,
        requires_medical_escort=p.requires_medical_escort if medical else None,
        wheelchair=p.wheelchair if medical else None,
        requires_medical_reception=p.requires_medical_reception if medical else None,
    )


class CloseCreate(Strict):
    outcome: Literal["self_transport", "cancelled"]
    reason: CancelReason | None = Field(None, description="Grund der Stornierung (für die Statistik).")
    reason_text: str | None = Field(None, max_length=400)


class CompleteCreate(Strict):
    returned: StrictBool = Field(description="Person ist ausgereist (Rückführung/Überstellung erfolgreich).")
    note: str | None = Field(None, max_length=400, description="Freitext ohne personenbezogene Daten.")
