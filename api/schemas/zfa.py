"""Schemas of the ZFA: flights, transit requests (Durchbeförderung), notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from api.schemas.common import Instant, Strict, local
from fixtures.reference import airport_timezone
from ltrako.core.clock import local_label


class TransitDetect(Strict):
    booked_at: Instant | None = Field(None, description="Buchungszeitpunkt (für „zu spät“).")
    escorted: StrictBool = True


class TransitDecision(Strict):
    approved: StrictBool
    reason: str | None = Field(None, max_length=400, description="Ohne personenbezogene Daten.")


class TransitRead(BaseModel):
    id: int
    flight_id: int
    airport: str
    country: str
    basis: str
    arrival: dt.datetime
    departure: dt.datetime
    transit_minutes: int
    request_due: dt.datetime
    late: bool
    too_long: bool
    refused_state: bool
    escorted: bool
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    submitted_by: str | None
    answer_due: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    reason: str | None
    airport_timezone: str = Field(
        description="Zeitzone des Transitflughafens: arrival/departure in Ortszeit dort."
    )
    arrival_label: str = Field(description="Ankunft in Ortszeit des Flughafens, mit Zone, z. B. 08:20 (MEZ).")
    departure_label: str

    @classmethod
    def of(cls, row: Any, labels: dict[Any, str], zone: ZoneInfo) -> TransitRead:
        """Arrival and departure in the transit airport's own zone, the rest in the service's."""
        airport = ZoneInfo(airport_timezone(row.airport))
        own = ("transit_minutes", "status_label", "airport_timezone", "arrival_label", "departure_label")
        values = {k: getattr(row, k) for k in cls.model_fields if k not in own}
        for key in ("request_due", "submitted_at", "answer_due", "decided_at"):
            values[key] = local(values[key], zone)
        return cls(
            **{**values, "arrival": local(row.arrival, airport), "departure": local(row.departure, airport)},
            transit_minutes=int((row.departure - row.arrival).total_seconds() // 60),
            status_label=labels[row.status],
            airport_timezone=airport.key,
            arrival_label=local_label(row.arrival, airport, "%d.%m.%Y %H:%M"),
            departure_label=local_label(row.departure, airport, "%d.%m.%Y %H:%M"),
        )


class FlightLegCreate(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    flight_number: str = Field(min_length=2, max_length=12)
    from_: str = Field(alias="from", min_length=3, max_length=3)
    to: str = Field(min_length=3, max_length=3)
    departure: str = Field(description="Ortszeit am Abflughafen (ohne Offset) oder mit Offset.")
    arrival: str = Field(description="Ortszeit am Zielflughafen (ohne Offset) oder mit Offset.")


class FlightCreate(Strict):
    kind: Literal["scheduled", "charter"] = "scheduled"
    booking_ref: str | None = Field(None, max_length=40)
    legs: list[FlightLegCreate] = Field(min_length=1, max_length=6)
    booked_at: Instant | None = None
    escorted: StrictBool = True


class FlightRead(BaseModel):
    id: int
    kind: str
    destination_country: str
    needs_rebooking: bool
    transits: list[TransitRead]
