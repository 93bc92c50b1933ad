"""APS: historical case lists, cases awaiting a removal flight, and Sammelcharter."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, UniqueConstraint

from ltrako.models.requests import RequestOrigin
from ltrako.models.types import UTCDateTime, enum_type, stamp_field


class ApsCase(SQLModel, table=True):
    """One imported historical RRK case (before ltrako): a pseudonymous reference and three facts."""

    __tablename__ = "aps_case"
    __table_args__ = (UniqueConstraint("batch", "case_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    batch: str = Field(max_length=60, index=True)  # the import's name, e.g. "rrk-2022"
    case_ref: str = Field(max_length=40)
    area: str = Field(max_length=20)  # kommunal | landeseinrichtung
    nationality: str = Field(max_length=3)
    accompanied_on: dt.date | None = None
    returned_on: dt.date | None = None
    # Fokusprojekt "ausländische Mehrfach- und Intensivtäter": the ministry counts it in Anlage 3.
    amit: bool = False
    imported_at: dt.datetime = stamp_field()
    imported_by: str = Field(max_length=80)
    pseudonymised_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # retention


class CaseStatus(StrEnum):
    OPEN = "open"  # wartet auf einen Flug
    BOOKED = "booked"  # auf einen Sammelcharter gebucht
    CLOSED = "closed"  # erledigt (zurückgeführt, Duldung, freiwillige Ausreise …)


class RemovalCase(SQLModel, table=True):
    """Ein ausreisepflichtiger Fall (persons travelling together) waiting for a flight home.

    What a charter selection needs: where to fetch them, whether they may travel (documents,
    no legal obstacle), how urgent (priority, deadline). Persons hold their flags (Person).
    """

    __tablename__ = "removal_case"

    id: int | None = Field(default=None, primary_key=True)
    abh_id: str | None = Field(default=None, max_length=32, foreign_key="abh.id", index=True)
    zab_id: str = Field(max_length=32, foreign_key="zab.id", index=True)  # responsible ZAB
    origin: RequestOrigin = Field(sa_type=enum_type(RequestOrigin))
    destination_country: str = Field(max_length=3, index=True)  # ISO 3166-1 alpha-3
    pickup_location_id: str = Field(max_length=32, foreign_key="location.id")
    documents_ready: bool = False  # Pass oder Passersatzpapier liegt vor
    legal_obstacle: bool = False  # Abschiebungshindernis erfasst (Eilantrag, Duldung …)
    priority: int = Field(ge=1, le=5)  # 5 highest, as in the exchange format
    deadline: dt.date | None = None  # last day the removal may happen (Dublin, end of detention …)
    deadline_kind: str | None = Field(default=None, max_length=16)  # dublin | detention | other
    status: CaseStatus = Field(default=CaseStatus.OPEN, sa_type=enum_type(CaseStatus, 12), index=True)
    charter_id: int | None = Field(default=None, foreign_key="charter.id")
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)


class RemovalCasePerson(SQLModel, table=True):
    __tablename__ = "removal_case_person"

    case_id: int = Field(foreign_key="removal_case.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class CharterStatus(StrEnum):
    DRAFT = "draft"  # angelegt
    PLANNED = "planned"  # Auswahl und Zubringer geplant
    BOOKED = "booked"  # Auswahl gebucht, Zubringeraufträge angelegt


class Charter(SQLModel, table=True):
    """Ein Sammelcharter from an NRW airport: seats for returnees and for escorts (PBL)."""

    __tablename__ = "charter"

    id: int | None = Field(default=None, primary_key=True)
    flight_date: dt.date = Field(index=True)
    airport_location_id: str = Field(max_length=32, foreign_key="location.id")
    destination_country: str = Field(max_length=3)
    seats: int = Field(ge=1)  # Plätze für Rückzuführende
    escort_seats: int = Field(ge=0)  # Plätze für Begleitkräfte (PBL)
    check_in: dt.datetime = Field(sa_type=UTCDateTime)  # everyone at the airport by then
    flight_id: int | None = Field(default=None, foreign_key="flight.id")
    status: CharterStatus = Field(
        default=CharterStatus.DRAFT, sa_type=enum_type(CharterStatus, 12), index=True
    )
    plan: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)  # the last selection report
    planned_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = stamp_field()
    created_by: str = Field(max_length=80)
