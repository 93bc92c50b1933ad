"""Reference data: Regierungsbezirke, the five ZABs, the ABHs and places."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ltrako.models.types import enum_type
from planner.model import LocationKind


class AbhKind(StrEnum):
    CITY = "kreisfreie_stadt"  # kreisfreie Stadt
    COUNTY = "kreis"  # Kreis (incl. StädteRegion Aachen)
    COUNTY_TOWN = "kreisangehoerige_stadt"  # große/mittlere kreisangehörige Stadt with its own ABH


class Regierungsbezirk(SQLModel, table=True):
    __tablename__ = "regierungsbezirk"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64)
    ags: str = Field(max_length=3, unique=True)


class Location(SQLModel, table=True):
    __tablename__ = "location"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=160)
    kind: LocationKind = Field(sa_type=enum_type(LocationKind), index=True)
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=200)
    regierungsbezirk_id: str | None = Field(default=None, max_length=32, foreign_key="regierungsbezirk.id")
    source: str | None = Field(default=None, max_length=400)


class Zab(SQLModel, table=True):
    """Zentrale Ausländerbehörde: serves exactly one Regierungsbezirk."""

    __tablename__ = "zab"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=80)
    regierungsbezirk_id: str = Field(max_length=32, foreign_key="regierungsbezirk.id", unique=True)
    location_id: str = Field(max_length=32, foreign_key="location.id")


class Abh(SQLModel, table=True):
    """Ausländerbehörde; its ZAB follows from its Regierungsbezirk."""

    __tablename__ = "abh"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=120)
    kind: AbhKind = Field(sa_type=enum_type(AbhKind))
    ags: str | None = Field(default=None, max_length=5, unique=True)  # county towns: not recorded
    regierungsbezirk_id: str = Field(max_length=32, foreign_key="regierungsbezirk.id", index=True)
    location_id: str = Field(max_length=32, foreign_key="location.id")
    source: str | None = Field(default=None, max_length=400)


class PlanningDay(SQLModel, table=True):
    """Per-day planning settings, e.g. a travel matrix fetched from a routing engine."""

    __tablename__ = "planning_day"

    day: dt.date = Field(primary_key=True)
    timezone: str = Field(max_length=64)
    travel: dict[str, Any] = Field(sa_type=sa.JSON)  # the spec's `travel` object
