"""Travel times and distances exactly as the exchange format's rules define them."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from fixtures.demo_day import generate_day
from planner.model import HaversineTravel, Location, LocationKind, MatrixTravel
from planner.travel import (
    EARTH_RADIUS_KM,
    HaversineProvider,
    TravelMatrix,
    haversine_meters,
    seconds_for,
)
from tests.factories import DAY, location


def _reference_haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Textbook haversine on a sphere of radius 6371.0088 km (independent of geopy)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def test_haversine_meters_matches_the_spec_formula_for_essen_to_dus() -> None:
    """Essen → Düsseldorf airport: great-circle × 1.3, rounded to whole metres."""
    essen, dus = location("E", 51.45657, 7.01228), location("DUS", 51.2895, 6.76678)
    expected = round(_reference_haversine_m(51.45657, 7.01228, 51.2895, 6.76678) * 1.3)
    assert haversine_meters(essen, dus, 1.3) == expected
    assert 30_000 < expected < 35_000


@given(
    lat1=st.floats(47, 55),
    lon1=st.floats(5, 15),
    lat2=st.floats(47, 55),
    lon2=st.floats(5, 15),
    circuity=st.floats(1.0, 2.0),
)
def test_haversine_meters_agrees_with_textbook_formula(
    lat1: float, lon1: float, lat2: float, lon2: float, circuity: float
) -> None:
    """Within Germany the result never differs from the textbook haversine by more than a metre."""
    got = haversine_meters(location("a", lat1, lon1), location("b", lat2, lon2), circuity)
    assert abs(got - _reference_haversine_m(lat1, lon1, lat2, lon2) * circuity) <= 1.0


def test_seconds_for_rounds_up_in_exact_arithmetic() -> None:
    """7000 m at 70 km/h is exactly 360 s (floating point would say 360.00000000000006 → 361)."""
    assert seconds_for(7000, 70) == 360
    assert seconds_for(7001, 70) == 361
    assert seconds_for(0, 70) == 0
    assert seconds_for(1000, 72.5) == math.ceil(1000 / (72.5 / 3.6) - 1e-9)


def test_travel_matrix_from_haversine_is_symmetric_with_zero_diagonal() -> None:
    """The haversine model gives a symmetric matrix with zeros on the diagonal."""
    locs = [location("A", 51.0, 7.0), location("B", 51.5, 7.5), location("C", 52.0, 8.5, LocationKind.ZAB)]
    matrix = TravelMatrix(HaversineTravel(1.3, 70), locs)
    for a in "ABC":
        assert matrix.time(a, a) == 0 and matrix.distance(a, a) == 0
        for b in "ABC":
            assert matrix.time(a, b) == matrix.time(b, a)
            assert matrix.time(a, b) == seconds_for(matrix.distance(a, b), 70)


def test_travel_matrix_uses_given_matrix_as_is() -> None:
    """An explicit matrix is used unchanged, asymmetry included."""
    travel = MatrixTravel(ids=("A", "B"), seconds=((0, 100), (250, 0)), meters=((0, 1000), (2600, 0)))
    matrix = TravelMatrix(travel, [location("A", 0, 0), location("B", 1, 1)])
    assert matrix.time("A", "B") == 100 and matrix.time("B", "A") == 250
    assert matrix.distance("B", "A") == 2600


def test_haversine_provider_produces_a_matrix_travel() -> None:
    """The offline default can stand in for a routing engine (MatrixProvider)."""
    locs = [location("A", 51.0, 7.0), location("B", 51.5, 7.5)]
    produced = HaversineProvider(1.3, 70).matrix(locs)
    assert produced.ids == ("A", "B")
    assert produced.meters[0][1] == haversine_meters(locs[0], locs[1], 1.3)


@pytest.mark.parametrize("speed", [50, 70, 90.5])
def test_seconds_for_is_monotone_in_distance(speed: float) -> None:
    """Longer distances never take less time."""
    times = [seconds_for(m, speed) for m in range(0, 20000, 137)]
    assert times == sorted(times)


def _geopy_meters(a: Location, b: Location, circuity: float) -> int:
    """The planner's metres before issue 9: geopy's great circle (the formula's reference)."""
    km = great_circle((a.lat, a.lon), (b.lat, b.lon), radius=EARTH_RADIUS_KM).km
    return math.floor(km * 1000.0 * circuity + 0.5)


def _fraction_seconds(meters: int, speed_kmh: float) -> int:
    """The planner's seconds before issue 9: ceil in Fractions."""
    return math.ceil(Fraction(meters) * Fraction(36, 10) / Fraction(repr(float(speed_kmh))))


def test_haversine_matrix_of_a_demo_day_equals_geopy_element_wise() -> None:
    """The fast matrix (sines per location, integer ceiling) gives every metre and second
    exactly as geopy's great circle with Fraction arithmetic did, for all NRW places."""
    locations = generate_day(DAY, requests=60).scenario.locations
    produced = HaversineProvider(1.3, 70).matrix(locations)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            assert produced.meters[i][j] == _geopy_meters(a, b, 1.3)
            assert produced.seconds[i][j] == _fraction_seconds(produced.meters[i][j], 70)


@given(
    lat1=st.floats(-90, 90),
    lon1=st.floats(-180, 180),
    lat2=st.floats(-90, 90),
    lon2=st.floats(-180, 180),
    circuity=st.floats(0.5, 3.0),
    speed=st.floats(1.0, 200.0),
)
def test_haversine_meters_and_seconds_equal_the_geopy_fraction_rule_anywhere(
    lat1: float, lon1: float, lat2: float, lon2: float, circuity: float, speed: float
) -> None:
    """Bit for bit the same metres as geopy and the same seconds as exact Fractions, worldwide."""
    a, b = location("a", lat1, lon1), location("b", lat2, lon2)
    meters = haversine_meters(a, b, circuity)
    assert meters == _geopy_meters(a, b, circuity)
    assert seconds_for(meters, speed) == _fraction_seconds(meters, speed)
