"""Travel times and distances between a scenario's locations, exactly as the exchange format says.

`haversine`: metres = great-circle distance on a sphere of mean Earth radius 6371.0088 km
× circuity, rounded to whole metres; seconds = ceil(metres / (speed_kmh / 3.6)).
`matrix`: the given integer matrices.

Anything that can produce a `MatrixTravel` for a list of locations (a routing engine such as
OSRM or Valhalla, a cache) plugs in through the `MatrixProvider` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from geopy.distance import great_circle

from planner.model import HaversineTravel, Location, MatrixTravel, Travel

EARTH_RADIUS_KM = 6371.0088


def haversine_meters(a: Location, b: Location, circuity: float) -> int:
    """Road metres estimated from the great-circle distance (spec `travel.model = haversine`)."""
    km: float = great_circle((a.lat, a.lon), (b.lat, b.lon), radius=EARTH_RADIUS_KM).km
    return math.floor(km * 1000.0 * circuity + 0.5)


def seconds_for(meters: int, speed_kmh: float) -> int:
    """ceil(metres / (speed_kmh / 3.6)) in exact arithmetic, so 7000 m at 70 km/h is 360 s, not 361."""
    speed = Fraction(repr(float(speed_kmh)))
    return math.ceil(Fraction(meters) * Fraction(36, 10) / speed)


class MatrixProvider(Protocol):
    """Something that turns locations into travel matrices (a routing engine, a cache)."""

    def matrix(self, locations: Sequence[Location]) -> MatrixTravel: ...


@dataclass(frozen=True, slots=True)
class HaversineProvider:
    """The offline default as a `MatrixProvider`."""

    circuity: float = 1.3
    speed_kmh: float = 70.0

    def matrix(self, locations: Sequence[Location]) -> MatrixTravel:
        meters = tuple(tuple(haversine_meters(a, b, self.circuity) for b in locations) for a in locations)
        seconds = tuple(tuple(seconds_for(m, self.speed_kmh) for m in row) for row in meters)
        return MatrixTravel(ids=tuple(loc.id for loc in locations), seconds=seconds, meters=meters)


class TravelMatrix:
    """Seconds and metres between location ids, precomputed once for a scenario."""

    def __init__(self, travel: Travel, locations: Sequence[Location]) -> None:
        if isinstance(travel, HaversineTravel):
            travel = HaversineProvider(travel.circuity, travel.speed_kmh).matrix(locations)
        self.ids: tuple[str, ...] = travel.ids
        self.index: dict[str, int] = {loc_id: i for i, loc_id in enumerate(travel.ids)}
        self.seconds = travel.seconds
        self.meters = travel.meters

    def __contains__(self, location_id: str) -> bool:
        return location_id in self.index

    def time(self, origin: str, destination: str) -> int:
        return self.seconds[self.index[origin]][self.index[destination]]

    def distance(self, origin: str, destination: str) -> int:
        return self.meters[self.index[origin]][self.index[destination]]

    def route_meters(self, depot: str, locations: Iterable[str]) -> int:
        """Depot → each location in turn → depot, in metres."""
        total, where = 0, depot
        for location in locations:
            total += self.distance(where, location)
            where = location
        return total + self.distance(where, depot)
