"""Changes to the ZABs' resources (roster, absences, fleet) and the ZABs' refusals of requests.

A refusal for lack of staff or vehicles keeps the Restplatzbörse from offering the request to
that ZAB again, until a resource change of that ZAB for the request's day is recorded after it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ltrako.models.types import enum_type, stamp_field


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
