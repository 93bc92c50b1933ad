"""Stored plans: first-pass plan versions per ZAB and day, Restplatzbörse runs and their offers.

A plan version keeps the planner's proposal (ltrako-plan/1 JSON: ids, places and times only, no
personal data) until the dispatcher decides; decisions turn proposed tours into committed
`Tour` rows. An offer is one resulting tour on one vehicle that carries pool requests.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class PlanVersion(SQLModel, table=True):
    """One first-pass planning of a ZAB's day; the newest version of (day, zab) is current."""

    __tablename__ = "plan_version"

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    number: int = Field(ge=1)  # 1, 2, … per (day, zab)
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)
    plan: dict[str, Any] = Field(sa_type=sa.JSON)  # ltrako-plan/1
    served: int = Field(ge=0)
    unassigned: int = Field(ge=0)
    km: float = 0.0
    # The job that made it: a job re-run after its worker died finds its version instead of
    # planning the day twice.
    job_id: str | None = Field(default=None, max_length=32, unique=True)


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # solver error or timeout: pool and plans unchanged
    SKIPPED = "skipped"  # another run of the same day was in progress


class RestplatzRun(SQLModel, table=True):
    """One re-planning of the pool. `slot` makes the nightly run unique per night and day."""

    __tablename__ = "restplatz_run"

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    trigger: str = Field(max_length=16)  # nightly | manual
    slot: str | None = Field(default=None, max_length=40, unique=True)
    started_at: dt.datetime = stamp_field()
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: RunStatus = Field(default=RunStatus.RUNNING, sa_type=enum_type(RunStatus, 12))
    started_by: str = Field(max_length=80)
    pool_size: int = 0
    offers_made: int = 0  # new offers of this run (identical open offers are kept, not counted)
    offers_open: int = 0  # open offers of the day after the run
    still_open: int = 0  # pool requests without any offer after the run
    error: str | None = Field(default=None, max_length=400)


class OfferStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    SUPERSEDED = "superseded"  # a later run replaced it, or another offer took its request


class RestplatzOffer(SQLModel, table=True):
    """Pool requests on one vehicle of one ZAB: added km and minutes, and the resulting tour."""

    __tablename__ = "restplatz_offer"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="restplatz_run.id", index=True)
    day: dt.date = Field(index=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)
    vehicle_id: str = Field(max_length=32, foreign_key="vehicle.id")
    request_ids: list[str] = Field(sa_type=sa.JSON)
    base_tour_id: int | None = Field(default=None, foreign_key="tour.id")  # committed tour it extends
    base_revision: int | None = None
    added_km: float
    added_min: int
    tour: dict[str, Any] = Field(sa_type=sa.JSON)  # the resulting tour, ltrako-plan/1 tour object
    fingerprint: str = Field(max_length=64, index=True)  # same offer again → kept, not duplicated
    status: OfferStatus = Field(default=OfferStatus.OPEN, sa_type=enum_type(OfferStatus, 12), index=True)
    created_at: dt.datetime = stamp_field()
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
