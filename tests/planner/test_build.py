"""The routing problem of a day: which crew on which vehicle may take which request."""

from __future__ import annotations

import pytest

from fixtures.demo_day import generate_day
from planner.build import allowed, allowed_vehicles
from planner.crew import Assignment, bind_crews, form_crews
from planner.model import Scenario
from tests.factories import DAY


def _assignments(scenario: Scenario) -> list[Assignment]:
    crews = []
    for zab in sorted({e.zab for e in scenario.escorts}):
        staff = [e for e in scenario.escorts if e.zab == zab]
        crews.extend(form_crews(staff, scenario.requests))
    return bind_crews(crews, scenario.vehicles, scenario.requests)


@pytest.mark.parametrize("cross_zab", [False, True])
def test_allowed_vehicles_equals_allowed_for_every_pair(cross_zab: bool) -> None:
    """The vectorised check answers exactly as `allowed` does for each request and assignment
    of a demo day (wheelchair, women, medics, three-escort requests, several ZABs)."""
    scenario = generate_day(DAY, requests=120, fleet_scale=2.0, seed=3).scenario
    assignments = _assignments(scenario)
    expected = [
        tuple(v for v, a in enumerate(assignments) if allowed(r, a, cross_zab)) for r in scenario.requests
    ]
    assert allowed_vehicles(scenario.requests, assignments, cross_zab) == expected
    pairs = sum(len(vehicles) for vehicles in expected)
    assert 0 < pairs < len(expected) * len(assignments)  # some pairs allowed, some refused


def test_allowed_vehicles_without_assignments_allows_nothing() -> None:
    """No crews on vehicles: no request has a vehicle."""
    scenario = generate_day(DAY, requests=5).scenario
    assert allowed_vehicles(scenario.requests, [], False) == [()] * 5
