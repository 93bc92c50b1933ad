"""Changes to the ZABs' resources (roster, absences, fleet) and the ZABs' refusals of requests.

A refusal for lack of staff or vehicles keeps the Restplatzbörse from offering the request to
that ZAB again, until a resource change of that ZAB for the request's day is recorded after it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class AbsenceKind(StrEnum):
    SICK = "sick"  # krank
    LEAVE = "leave"  # Urlaub


class EscortAbsence(SQLModel, table=True):
    """An escort is absent from `first_day` to `last_day` (inclusive): no shift counts then."""

    __tablename__ = "escort_absence"

    id: int | None = Field(default=None, primary_key=True)
    escort_id: str = Field(max_length=32, foreign_key="escort.id", index=True)
    kind: AbsenceKind = Field(sa_type=enum_type(AbsenceKind, 8))
    first_day: dt.date = Field(index=True)
    last_day: dt.date
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)


class ResourceChange(SQLModel, table=True):
    """One change of a ZAB's roster or fleet for a day (shift, absence, vehicle availability)."""

    __tablename__ = "resource_change"

    id: int | None = Field(default=None, primary_key=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    day: dt.date = Field(index=True)
    kind: str = Field(max_length=24)  # shift | absence | vehicle | roster_import
    subject: str = Field(max_length=32)  # the escort or vehicle id
    at: dt.datetime = stamp_field()
    actor: str = Field(max_length=80)


class ZabRefusal(SQLModel, table=True):
    """A ZAB did not drive a request, and why (the codes of RejectReason)."""

    __tablename__ = "zab_refusal"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, foreign_key="transport_request.id", index=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    reason: str = Field(max_length=32)
    at: dt.datetime = stamp_field()


class RepairStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"  # the tour changed, or a newer proposal replaced it


class TourRepair(SQLModel, table=True):
    """A proposed repair of an endangered tour: the planner's tours for its requests with
    everything else locked (another crew or vehicle), and those left for the Restplatzbörse."""

    __tablename__ = "tour_repair"

    id: int | None = Field(default=None, primary_key=True)
    tour_id: int = Field(foreign_key="tour.id", index=True)
    tour_revision: int
    day: dt.date
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    tours: list[dict[str, Any]] = Field(sa_type=sa.JSON)  # ltrako-plan/1 tour objects
    bases: list[int | None] = Field(sa_type=sa.JSON)  # per tour: the committed tour it extends
    pool: list[str] = Field(sa_type=sa.JSON)  # requests no tour of the ZAB can take
    status: RepairStatus = Field(default=RepairStatus.OPEN, sa_type=enum_type(RepairStatus, 12))
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
