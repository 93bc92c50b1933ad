"""Scenario consistency checks: every problem listed, each with the path of its key."""

from __future__ import annotations

import dataclasses

from planner.check import check_scenario
from planner.model import LockedStop, LockedTour, MatrixTravel, StopType, StopWindow
from tests.factories import H, tiny_scenario


def _paths(scenario) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.path for p in check_scenario(scenario)}


def test_check_scenario_accepts_the_tiny_fixture() -> None:
    """A consistent scenario has no problems."""
    assert check_scenario(tiny_scenario()) == []


def test_check_scenario_lists_every_broken_request_field() -> None:
    """Unknown location, inverted window, bad priority and persons are all reported at once."""
    base = tiny_scenario()
    request = dataclasses.replace(
        base.requests[0],
        persons=0,
        priority=9,
        pickup=StopWindow("NOWHERE", 7 * H, 6 * H, 20),
    )
    paths = _paths(dataclasses.replace(base, requests=(request,)))
    assert {
        "requests[0].persons",
        "requests[0].priority",
        "requests[0].pickup.location",
        "requests[0].pickup.latest",
    } <= paths


def test_check_scenario_reports_duplicate_ids_and_unknown_depot() -> None:
    """Two vehicles with one id and a depot nobody knows are problems."""
    base = tiny_scenario()
    vehicle = dataclasses.replace(base.vehicles[0], depot="ZAB-X")
    paths = _paths(dataclasses.replace(base, vehicles=(base.vehicles[0], vehicle)))
    assert "vehicles" in paths and "vehicles[1].depot" in paths


def test_check_scenario_reports_inconsistent_locked_tours() -> None:
    """A locked dropoff before its pickup and an unknown escort are problems."""
    base = tiny_scenario()
    locked = LockedTour(
        "E-V1", ("E-E99",), (LockedStop("R-1", StopType.DROPOFF), LockedStop("R-1", StopType.PICKUP))
    )
    paths = _paths(dataclasses.replace(base, locked=(locked,)))
    assert "locked[0].escorts" in paths
    assert "locked[0].stops[0].request" in paths


def test_check_scenario_requires_matrix_to_cover_every_location() -> None:
    """A travel matrix without one of the locations is a problem."""
    base = tiny_scenario()
    matrix = MatrixTravel(ids=("ZAB-E", "ABH-05113"), seconds=((0, 1), (1, 0)), meters=((0, 1), (1, 0)))
    assert "locations[2]" in _paths(dataclasses.replace(base, travel=matrix))
