"""Builders with defaults for tests: override what the test is about, nothing else."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from planner.model import (
    Escort,
    HaversineTravel,
    Location,
    LocationKind,
    Request,
    Scenario,
    StopWindow,
    Vehicle,
)

DAY = dt.date(2026, 11, 24)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")
H = 3600


def request_body(day: dt.date = dt.date(2026, 11, 25), **overrides: Any) -> dict[str, Any]:
    """A valid API submission for ABH Essen (ABH-05113) to Düsseldorf airport on `day`
    (pickup 06:00–07:00, at the airport 07:00–09:00, local time)."""

    def at(hour: int) -> str:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN).isoformat()

    body: dict[str, Any] = {
        "persons": [{"case_ref": "E-2026-0001", "nationality": "ALB", "gender": "m"}],
        "pickup": {"location": "ABH-05113", "earliest": at(6), "latest": at(7), "service_min": 20},
        "dropoff": {"location": "AP-DUS", "earliest": at(7), "latest": at(9), "service_min": 30},
        "priority": 5,
    }
    body.update(overrides)
    return body


def location(loc_id: str, lat: float, lon: float, kind: LocationKind = LocationKind.OTHER) -> Location:
    return Location(loc_id, loc_id, lat, lon, kind)


def request(
    rid: str,
    *,
    zab: str = "ZAB-E",
    priority: int = 3,
    pick: tuple[int, int] = (6 * H, 7 * H),
    drop: tuple[int, int] = (7 * H, 9 * H),
    **fields: Any,
) -> Request:
    """One person from ABH Essen to DUS, two escorts; `pick`/`drop` are the windows."""
    values: dict[str, Any] = dict(
        id=rid,
        zab=zab,
        abh="ABH-05113",
        persons=1,
        escorts_required=2,
        requires_female_escort=False,
        requires_medical_escort=False,
        wheelchair=False,
        priority=priority,
        max_ride_min=None,
        pickup=StopWindow("ABH-05113", *pick, 20),
        dropoff=StopWindow("AP-DUS", *drop, 30),
    )
    values.update(fields)
    return Request(**values)


def tiny_scenario(**overrides: Any) -> Scenario:
    """One ZAB (Essen), one vehicle, two escorts, one request from Essen to DUS."""
    fields: dict[str, Any] = dict(
        date=DAY,
        timezone="Europe/Berlin",
        cross_zab=False,
        travel=HaversineTravel(1.3, 70),
        locations=(
            location("ZAB-E", 51.45657, 7.01228, LocationKind.ZAB),
            location("ABH-05113", 51.45657, 7.01228, LocationKind.ABH),
            location("AP-DUS", 51.2895, 6.76678, LocationKind.AIRPORT),
        ),
        vehicles=(Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", ("medical",), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
        requests=(request("R-1", priority=5, max_ride_min=120),),
    )
    fields.update(overrides)
    return Scenario(**fields)


def two_zab_day(day: dt.date) -> Scenario:
    """Fleet and roster only: one vehicle and two escorts each in Essen and Köln."""
    base = tiny_scenario()
    return dataclasses.replace(
        base,
        date=day,
        locations=(*base.locations, location("ZAB-K", 50.94013, 7.00605, LocationKind.ZAB)),
        vehicles=(
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 5 * H, 22 * H),
            Vehicle("K-V1", "ZAB-K", "ZAB-K", 9, False, 5 * H, 22 * H),
        ),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", ("medical",), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("K-E01", "ZAB-K", "f", (), 5 * H, 15 * H),
            Escort("K-E02", "ZAB-K", "m", (), 5 * H, 15 * H),
        ),
        requests=(),
    )


def extended_two_zab_day(
    day: dt.date,
    *,
    locations: tuple[Location, ...] = (),
    vehicles: tuple[Vehicle, ...] = (),
    escorts: tuple[Escort, ...] = (),
) -> Scenario:
    """The two-ZAB day with more places, vehicles and escorts."""
    base = two_zab_day(day)
    return dataclasses.replace(
        base,
        locations=(*base.locations, *locations),
        vehicles=(*base.vehicles, *vehicles),
        escorts=(*base.escorts, *escorts),
    )
