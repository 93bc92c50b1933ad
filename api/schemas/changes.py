"""Schemas of changes under way: cancellation, amendment and its decision, un-commit, notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, StrictBool, StrictInt

from api.schemas.common import DB_INT_MAX, Strict
from api.schemas.requests import PersonCreate, StopCreate, TransportRequestRead, stop_draft
from ltrako.models import Notification, RequestAmendment
from ltrako.planning.changes import Changes, amendment_changes
from ltrako.requests.lifecycle import CancelReason
from ltrako.requests.notifications import kind_label


class CancelCreate(Strict):
    reason: CancelReason = Field(description="Grund der Stornierung (für die Statistik).")
    reason_text: str | None = Field(None, max_length=400, description="Freitext ohne personenbezogene Daten.")


class TransportRequestUpdate(Strict):
    """The fields to change; those left out stay. `flight_id: null` removes the flight."""

    persons: list[PersonCreate] | None = Field(None, min_length=1, max_length=9)
    pickup: StopCreate | None = None
    dropoff: StopCreate | None = None
    flight_id: StrictInt | None = Field(None, ge=1, le=DB_INT_MAX)
    escorts_required: StrictInt | None = Field(None, ge=0, le=8)
    max_ride_min: StrictInt | None = Field(None, gt=0, le=24 * 60)
    priority: StrictInt | None = Field(None, ge=1, le=5)

    def to_changes(self) -> Changes:
        return Changes(
            persons=tuple(p.to_draft() for p in self.persons) if self.persons is not None else None,
            pickup=stop_draft(self.pickup) if self.pickup is not None else None,
            dropoff=stop_draft(self.dropoff) if self.dropoff is not None else None,
            flight_id=self.flight_id,
            clear_flight="flight_id" in self.model_fields_set and self.flight_id is None,
            escorts_required=self.escorts_required,
            max_ride_min=self.max_ride_min,
            priority=self.priority,
        )


class AmendmentRead(BaseModel):
    id: int
    request_id: str
    tour_id: int | None
    status: str
    changes: dict[str, Any]
    tour: dict[str, Any] = Field(description="Die neu berechnete Tour (ltrako-plan/1), alles andere fest.")
    requested_at: dt.datetime
    requested_by: str
    decided_at: dt.datetime | None
    reason: str | None

    @classmethod
    def of(cls, row: RequestAmendment, zone: ZoneInfo) -> AmendmentRead:
        return cls(
            id=row.id or 0,
            request_id=row.request_id,
            tour_id=row.tour_id,
            status=row.status,
            changes=amendment_changes(row),
            tour=row.tour,
            requested_at=row.requested_at.astimezone(zone),
            requested_by=row.requested_by,
            decided_at=row.decided_at.astimezone(zone) if row.decided_at else None,
            reason=row.reason,
        )


class AmendResultRead(BaseModel):
    request: TransportRequestRead
    amendment: AmendmentRead | None = Field(
        description="Gesetzt, wenn der Auftrag auf einer festgelegten Tour ist: wartet auf die ZAB."
    )


class DecisionCreate(Strict):
    approve: StrictBool
    reason: str | None = Field(None, max_length=400)


class UncommitCreate(Strict):
    reason: str = Field(min_length=1, max_length=400, description="Warum die Tour aufgehoben wird.")


class UncommitRead(BaseModel):
    tour_id: int
    requests: list[str]


class NotificationRead(BaseModel):
    id: int
    request_id: str | None
    kind: str
    kind_label: str
    text: str
    created_at: dt.datetime
    read: bool
    read_at: dt.datetime | None

    @classmethod
    def of(cls, row: Notification, zone: ZoneInfo) -> NotificationRead:
        return cls(
            id=row.id or 0,
            request_id=row.request_id,
            kind=row.kind,
            kind_label=kind_label(row.kind),
            text=row.text,
            created_at=row.created_at.astimezone(zone),
            read=row.read_at is not None,
            read_at=row.read_at.astimezone(zone) if row.read_at else None,
        )


class MarkedRead(BaseModel):
    marked: int
