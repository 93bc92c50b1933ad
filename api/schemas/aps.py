"""Schemas of the APS: statistics, the parliamentary table, imports, removal cases and charters."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
)

from api.schemas.common import DB_INT_MAX, Day, Instant, Strict, local
from api.schemas.requests import PersonCreate
from ltrako.aps.statistics import METRICS, Statistics, StatRow
from ltrako.aps.tables import PUBLISHED_ANLAGE, PUBLISHED_LABELS
from ltrako.models import (
    RequestOrigin,
)
from ltrako.planning.charter import CaseDraft


class StatRowRead(BaseModel):
    key: str
    label: str
    counts: dict[str, int]
    cancelled_by_reason: dict[str, int]
    rescue_rate: float | None = Field(description="Anteil der in der Restplatzbörse vermittelten Aufträge.")


class StatisticsRead(BaseModel):
    period: str
    first_day: dt.date
    last_day: dt.date
    breakdown: str
    scope: str = Field(description="NRW oder die ZAB, auf die die Zahlen beschränkt sind.")
    metrics: dict[str, str] = Field(description="Kennzahl → deutsche Bezeichnung.")
    rows: list[StatRowRead]
    total: StatRowRead

    @classmethod
    def of(cls, stats: Statistics) -> StatisticsRead:
        def row(r: StatRow) -> StatRowRead:
            return StatRowRead(
                key=r.key,
                label=r.label,
                counts={m: r.counts[m] for m in METRICS},
                cancelled_by_reason=dict(r.cancelled_by_reason),
                rescue_rate=r.rescue_rate,
            )

        return cls(
            period=stats.period.label,
            first_day=stats.period.first,
            last_day=stats.period.last,
            breakdown=stats.breakdown,
            scope=stats.scope,
            metrics=METRICS,
            rows=[row(r) for r in stats.rows],
            total=row(stats.total),
        )


class ParliamentaryRowRead(BaseModel):
    area: str
    code: str
    name: str
    begleitet: int
    erfolgreich_rueckgefuehrt: int


class PublishedTableRead(BaseModel):
    """One of the ministry's tables (Anlage 1–3) with every listed row."""

    table: str = Field(description="kommunal, landeseinrichtung oder amit.")
    anlage: str
    label: str
    rows: list[ParliamentaryRowRead]

    @classmethod
    def of(cls, table: str, rows: list[Any]) -> PublishedTableRead:
        return cls(
            table=table,
            anlage=PUBLISHED_ANLAGE[table],
            label=PUBLISHED_LABELS[table],
            rows=[ParliamentaryRowRead.model_validate(r, from_attributes=True) for r in rows],
        )


class ImportRead(BaseModel):
    batch: str
    added: int
    updated: int


class RemovalCaseCreate(Strict):
    """Ein Fall, der auf einen Rückführungsflug wartet (für die Sammelcharter-Auswahl)."""

    persons: list[PersonCreate] = Field(min_length=1, max_length=9)
    pickup_location: str = Field(min_length=1, max_length=32, description="Wo die Personen abgeholt werden.")
    destination_country: str = Field(pattern=r"^[A-Z]{3}$", description="Zielstaat, ISO 3166-1 alpha-3.")
    priority: StrictInt = Field(default=3, ge=1, le=5)
    documents_ready: StrictBool = Field(default=False, description="Pass oder Passersatzpapier liegt vor.")
    legal_obstacle: StrictBool = Field(default=False, description="Abschiebungshindernis erfasst.")
    deadline: Day | None = Field(default=None, description="Letzter zulässiger Tag (z. B. Dublin-Frist).")
    deadline_kind: Literal["dublin", "detention", "other"] | None = None
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = Field(default=None, max_length=32)

    def to_draft(self) -> CaseDraft:
        return CaseDraft(
            persons=tuple(p.to_draft() for p in self.persons),
            pickup_location_id=self.pickup_location,
            destination_country=self.destination_country,
            priority=self.priority,
            documents_ready=self.documents_ready,
            legal_obstacle=self.legal_obstacle,
            deadline=self.deadline,
            deadline_kind=self.deadline_kind,
            origin=self.origin,
            abh_id=self.abh_id,
        )


class ReadinessUpdate(Strict):
    documents_ready: StrictBool | None = None
    legal_obstacle: StrictBool | None = None
    priority: StrictInt | None = Field(default=None, ge=1, le=5)


class RemovalCaseRead(BaseModel):
    id: int
    zab_id: str
    abh_id: str | None
    origin: str
    destination_country: str
    pickup_location_id: str
    documents_ready: bool
    legal_obstacle: bool
    priority: int
    deadline: dt.date | None
    status: str


class CharterCreate(Strict):
    airport: str = Field(pattern=r"^[A-Z]{3}$", description="IATA-Code des NRW-Flughafens, z. B. DUS.")
    destination_country: str = Field(pattern=r"^[A-Z]{3}$")
    seats: StrictInt = Field(ge=1, le=400, description="Plätze für Rückzuführende.")
    escort_seats: StrictInt = Field(ge=0, le=800, description="Plätze für Begleitkräfte (PBL).")
    check_in: Instant = Field(description="Alle Personen bis dahin am Flughafen.")
    flight_id: StrictInt | None = Field(None, ge=1, le=DB_INT_MAX)


class CharterRead(BaseModel):
    id: int
    flight_date: dt.date
    airport_location_id: str
    destination_country: str
    seats: int
    escort_seats: int
    check_in: dt.datetime
    status: str
    planned_at: dt.datetime | None
    plan: dict[str, Any] | None = Field(
        description="Auswahlbericht: gewählt, nicht gewählt mit Grund, Zubringer."
    )

    @classmethod
    def of(cls, row: Any, zone: ZoneInfo) -> CharterRead:
        """The charter with its times in the service's zone, with their offset."""
        read = cls.model_validate(row, from_attributes=True)
        return read.model_copy(
            update={"check_in": local(read.check_in, zone), "planned_at": local(read.planned_at, zone)}
        )
