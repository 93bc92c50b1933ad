"""Schemas of the ZRK (medical reception) and of Dublin transfers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
)

from api.schemas.common import Day, Strict, local


class MedicalReceptionRead(BaseModel):
    id: int
    request_id: str
    destination_country: str
    due: dt.datetime
    contact: str | None
    status: str
    status_label: str
    medical_details: str | None = Field(description="Nur für die ZRK sichtbar.")
    medical_details_visible: bool
    requested_at: dt.datetime | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, row: Any, labels: dict[Any, str], details: bool, zone: ZoneInfo) -> MedicalReceptionRead:
        return cls(
            id=row.id,
            request_id=row.request_id,
            destination_country=row.destination_country,
            due=local(row.due, zone),
            contact=row.contact,
            status=row.status,
            status_label=labels[row.status],
            medical_details=row.medical_details if details else None,
            medical_details_visible=details,
            requested_at=local(row.requested_at, zone),
            decided_at=local(row.decided_at, zone),
        )


class ReceptionDecision(Strict):
    confirmed: StrictBool


class MedicalDetails(Strict):
    details: str = Field(..., max_length=1000)


class DublinCreate(Strict):
    request_id: str
    facility_id: str
    application_registered: Day
    accepted_on: Day
    court_decision_on: Day | None = None
    extension: Literal["none", "imprisoned", "absconded"] = "none"


class DublinRead(BaseModel):
    request_id: str
    zab_id: str
    facility_id: str
    basis: str
    accepted_on: dt.date
    court_decision_on: dt.date | None
    extension: str
    deadline: dt.date
    days_left: int
    priority: int | None
    expired: bool

    @classmethod
    def of(cls, v: Any) -> DublinRead:
        return cls(
            request_id=v.row.request_id,
            zab_id=v.zab_id,
            facility_id=v.row.facility_location_id,
            basis=v.row.basis,
            accepted_on=v.row.accepted_on,
            court_decision_on=v.row.court_decision_on,
            extension=v.row.extension,
            deadline=v.deadline,
            days_left=v.days_left,
            priority=v.priority,
            expired=v.priority is None,
        )
