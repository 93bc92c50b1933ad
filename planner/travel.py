"""Travel times and distances between a scenario's locations, exactly as the exchange format says.

`haversine`: metres = great-circle distance on a sphere of mean Earth radius 6371.0088 km
× circuity, rounded to whole metres; seconds = ceil(metres / (speed_kmh / 3.6)).
`matrix`: the given integer matrices.

Anything that can produce a `MatrixTravel` for a list of locations (a routing engine such as
OSRM or Valhalla, a cache) plugs in through the `MatrixProvider` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from planner.model import HaversineTravel, Location, MatrixTravel, Travel

EARTH_RADIUS_KM = 6371.0088


class _Point:
    """A location's sines and cosines, computed once for a whole matrix row and column."""

    __slots__ = ("cos_lat", "lon", "sin_lat")

    def __init__(self, location: Location) -> None:
        lat = math.radians(float(location.lat))
        self.sin_lat, self.cos_lat = math.sin(lat), math.cos(lat)
        self.lon = math.radians(float(location.lon))


def _great_circle_km(a: _Point, b: _Point) -> float:
    """Great-circle distance in the atan2 form, the same floating-point operations in the same
    order as geopy's `great_circle` (which the planner used before), so no metre changes."""
    delta = b.lon - a.lon
    cos_delta, sin_delta = math.cos(delta), math.sin(delta)
    y = math.sqrt(
        (b.cos_lat * sin_delta) ** 2 + (a.cos_lat * b.sin_lat - a.sin_lat * b.cos_lat * cos_delta) ** 2
    )
    x = a.sin_lat * b.sin_lat + a.cos_lat * b.cos_lat * cos_delta
    return EARTH_RADIUS_KM * math.atan2(y, x)


def _meters(km: float, circuity: float) -> int:
    return math.floor(km * 1000.0 * circuity + 0.5)


def haversine_meters(a: Location, b: Location, circuity: float) -> int:
    """Road metres estimated from the great-circle distance (spec `travel.model = haversine`)."""
    return _meters(_great_circle_km(_Point(a), _Point(b)), circuity)


def seconds_rule(speed_kmh: float) -> Callable[[int], int]:
    """`seconds_for` at a fixed speed, in integers: ceil(m · 36 · q / (10 · p)) for the speed p/q."""
    speed = Fraction(repr(float(speed_kmh)))
    numerator, denominator = 10 * speed.numerator, 36 * speed.denominator
    return lambda meters: -(-meters * denominator // numerator)


def seconds_for(meters: int, speed_kmh: float) -> int:
    """ceil(metres / (speed_kmh / 3.6)) in exact arithmetic, so 7000 m at 70 km/h is 360 s, not 361."""
    return seconds_rule(speed_kmh)(meters)


class MatrixProvider(Protocol):
    """Something that turns locations into travel matrices (a routing engine, a cache)."""

    def matrix(self, locations: Sequence[Location]) -> MatrixTravel: ...


@dataclass(frozen=True, slots=True)
class HaversineProvider:
    """The offline default as a `MatrixProvider`."""

    circuity: float = 1.3
    speed_kmh: float = 70.0

    def matrix(self, locations: Sequence[Location]) -> MatrixTravel:
        points = [_Point(loc) for loc in locations]
        meters = tuple(tuple(_meters(_great_circle_km(a, b), self.circuity) for b in points) for a in points)
        seconds_of = seconds_rule(self.speed_kmh)
        seconds = tuple(tuple(seconds_of(m) for m in row) for row in meters)
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
