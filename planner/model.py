"""Solver data: the exchange format (ltrako-scenario/1, ltrako-plan/1) as frozen dataclasses.

Times are integer seconds from midnight of the scenario day in the scenario's time zone
(negative or past 24 h for neighbouring days); distances are integer metres. Durations keep
the spec's whole minutes and say so in their names (`service_min`, `max_ride_min`).
Only `planner.io` turns JSON into these objects and back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class LocationKind(StrEnum):
    ZAB = "zab"
    ABH = "abh"
    FACILITY = "facility"
    AIRPORT = "airport"
    BORDER = "border"
    EMBASSY = "embassy"
    COURT = "court"
    OTHER = "other"


class StopType(StrEnum):
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    BREAK = "break"


class UnassignedReason(StrEnum):
    """Reason codes of spec rule 1."""

    INFEASIBLE_ALONE = "infeasible_alone"
    NO_CAPACITY = "no_capacity"
    NO_QUALIFIED_ESCORT = "no_qualified_escort"
    NO_WHEELCHAIR_VEHICLE = "no_wheelchair_vehicle"
    TIME_WINDOW = "time_window"
    LOCKED_CONFLICT = "locked_conflict"
    OTHER = "other"


MEDICAL = "medical"  # the qualification that `requires_medical_escort` asks for (spec rule 8)
FEMALE = "f"


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    lat: float
    lon: float
    kind: LocationKind


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Great-circle distance × circuity at a constant speed (spec `travel.model = haversine`)."""

    circuity: float = 1.3
    speed_kmh: float = 70.0


@dataclass(frozen=True, slots=True)
class MatrixTravel:
    """Explicit matrices, one row and column per id in `ids` (spec `travel.model = matrix`)."""

    ids: tuple[str, ...]
    seconds: tuple[tuple[int, ...], ...]
    meters: tuple[tuple[int, ...], ...]


Travel = HaversineTravel | MatrixTravel


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: str
    zab: str
    depot: str
    seats: int
    wheelchair: bool
    available_from: int
    available_until: int


@dataclass(frozen=True, slots=True)
class Escort:
    id: str
    zab: str
    gender: str
    qualifications: tuple[str, ...]
    shift_start: int
    shift_end: int

    @property
    def is_female(self) -> bool:
        return self.gender == FEMALE

    @property
    def is_medical(self) -> bool:
        return MEDICAL in self.qualifications


@dataclass(frozen=True, slots=True)
class StopWindow:
    """Where and when a request's pickup or dropoff service may start."""

    location: str
    earliest: int
    latest: int
    service_min: int


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    zab: str
    abh: str | None
    persons: int
    escorts_required: int
    requires_female_escort: bool
    requires_medical_escort: bool
    wheelchair: bool
    priority: int
    max_ride_min: int | None
    pickup: StopWindow
    dropoff: StopWindow


@dataclass(frozen=True, slots=True)
class LockedStop:
    request: str
    type: StopType


@dataclass(frozen=True, slots=True)
class LockedTour:
    vehicle: str
    escorts: tuple[str, ...]
    stops: tuple[LockedStop, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    date: dt.date
    timezone: str
    cross_zab: bool
    travel: Travel
    locations: tuple[Location, ...]
    vehicles: tuple[Vehicle, ...]
    escorts: tuple[Escort, ...]
    requests: tuple[Request, ...]
    locked: tuple[LockedTour, ...] = ()


@dataclass(frozen=True, slots=True)
class Stop:
    type: StopType
    request: str | None
    location: str
    arrival: int
    start: int
    departure: int


@dataclass(frozen=True, slots=True)
class Tour:
    vehicle: str
    escorts: tuple[str, ...]
    start: int
    end: int
    stops: tuple[Stop, ...]


@dataclass(frozen=True, slots=True)
class Unassigned:
    request: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PlanStats:
    served: int
    unassigned: int
    km: float
    solve_seconds: float
    # per priority 5..1: no valid plan serves more requests of that priority (planner.bound)
    bound: tuple[int, ...] | None = None
    optimal: bool | None = None  # served equals the bound at every level: optimal in served priority


@dataclass(frozen=True, slots=True)
class Plan:
    scenario_date: dt.date
    tours: tuple[Tour, ...]
    unassigned: tuple[Unassigned, ...]
    stats: PlanStats
