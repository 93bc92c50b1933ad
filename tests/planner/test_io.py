"""Reading and writing the exchange format: lossless round trips, errors that name the key."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from fixtures.demo_day import generate_day
from planner.io import FormatError, read_plan, read_scenario, write_plan, write_scenario
from planner.model import (
    LockedStop,
    LockedTour,
    MatrixTravel,
    Plan,
    PlanStats,
    Stop,
    StopType,
    Tour,
    Unassigned,
    UnassignedReason,
)
from tests.factories import DAY, H, tiny_scenario

SPEC_EXAMPLE: dict[str, Any] = {
    "format": "ltrako-scenario/1",
    "date": "2026-11-24",
    "timezone": "Europe/Berlin",
    "cross_zab": False,
    "travel": {"model": "haversine", "circuity": 1.3, "speed_kmh": 70},
    "locations": [
        {"id": "ZAB-BI", "name": "ZAB Bielefeld", "lat": 52.02, "lon": 8.53, "kind": "zab"},
        {"id": "FAC-BIE", "name": "EAE Bielefeld", "lat": 52.03, "lon": 8.54, "kind": "facility"},
        {"id": "AP-DUS", "name": "Flughafen Düsseldorf", "lat": 51.2895, "lon": 6.76678, "kind": "airport"},
    ],
    "vehicles": [
        {
            "id": "BI-V1",
            "zab": "ZAB-BI",
            "depot": "ZAB-BI",
            "seats": 8,
            "wheelchair": False,
            "available_from": "2026-11-24T04:00:00+01:00",
            "available_until": "2026-11-24T23:00:00+01:00",
        }
    ],
    "escorts": [
        {
            "id": "BI-E01",
            "zab": "ZAB-BI",
            "gender": "f",
            "qualifications": ["medical"],
            "shift_start": "2026-11-24T05:00:00+01:00",
            "shift_end": "2026-11-24T17:00:00+01:00",
        },
        {
            "id": "BI-E02",
            "zab": "ZAB-BI",
            "gender": "m",
            "qualifications": [],
            "shift_start": "2026-11-24T05:00:00+01:00",
            "shift_end": "2026-11-24T17:00:00+01:00",
        },
    ],
    "requests": [
        {
            "id": "R-0001",
            "zab": "ZAB-BI",
            "abh": "ABH-GT",
            "persons": 2,
            "escorts_required": 3,
            "requires_female_escort": True,
            "requires_medical_escort": False,
            "wheelchair": False,
            "priority": 3,
            "max_ride_min": 240,
            "pickup": {
                "location": "FAC-BIE",
                "earliest": "2026-11-24T06:00:00+01:00",
                "latest": "2026-11-24T07:00:00+01:00",
                "service_min": 30,
            },
            "dropoff": {
                "location": "AP-DUS",
                "earliest": "2026-11-24T08:00:00+01:00",
                "latest": "2026-11-24T10:30:00+01:00",
                "service_min": 30,
            },
        }
    ],
    "locked": [
        {
            "vehicle": "BI-V1",
            "escorts": ["BI-E01", "BI-E02"],
            "stops": [{"request": "R-0001", "type": "pickup"}, {"request": "R-0001", "type": "dropoff"}],
        }
    ],
}


def test_read_scenario_of_the_spec_example_round_trips_exactly() -> None:
    """The spec's own example comes back key for key after read and write."""
    document = write_scenario(read_scenario(SPEC_EXAMPLE))
    assert json.loads(json.dumps(document)) == SPEC_EXAMPLE


def test_generated_day_round_trips_through_json() -> None:
    """A generated NRW day survives JSON text unchanged, locked tours and matrix travel included."""
    scenario = generate_day(DAY, requests=30).scenario
    first = scenario.requests[0]
    ids = tuple(loc.id for loc in scenario.locations)
    matrix = MatrixTravel(
        ids=ids,
        seconds=tuple(tuple(abs(i - j) * 60 for j in range(len(ids))) for i in range(len(ids))),
        meters=tuple(tuple(abs(i - j) * 900 for j in range(len(ids))) for i in range(len(ids))),
    )
    scenario = dataclasses.replace(
        scenario,
        travel=matrix,
        locked=(
            LockedTour(
                vehicle=scenario.vehicles[0].id,
                escorts=(scenario.escorts[0].id,),
                stops=(LockedStop(first.id, StopType.PICKUP), LockedStop(first.id, StopType.DROPOFF)),
            ),
        ),
    )
    assert read_scenario(json.loads(json.dumps(write_scenario(scenario)))) == scenario


def _without(document: dict[str, Any], path: list[str | int]) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    node: Any = broken
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return broken


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (["timezone"], "timezone"),
        (["travel"], "travel"),
        (["vehicles", 0, "seats"], "vehicles[0].seats"),
        (["escorts", 1, "shift_end"], "escorts[1].shift_end"),
        (["requests", 0, "pickup", "latest"], "requests[0].pickup.latest"),
        (["requests", 0, "dropoff"], "requests[0].dropoff"),
        (["locked", 0, "stops", 1, "type"], "locked[0].stops[1].type"),
    ],
)
def test_read_scenario_names_the_missing_key(path: list[str | int], named: str) -> None:
    """A missing required key is an error whose path names that key."""
    with pytest.raises(FormatError) as caught:
        read_scenario(_without(SPEC_EXAMPLE, path))
    assert caught.value.path == named


def test_read_scenario_defaults_optional_keys() -> None:
    """`max_ride_min`, `abh`, flags and `locked` may be left out."""
    document = _without(SPEC_EXAMPLE, ["locked"])
    for key in ("max_ride_min", "abh", "wheelchair", "requires_medical_escort"):
        document = _without(document, ["requests", 0, key])
    scenario = read_scenario(document)
    assert scenario.locked == ()
    assert scenario.requests[0].max_ride_min is None and scenario.requests[0].abh is None
    assert scenario.requests[0].wheelchair is False


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (["requests", 0, "persons"], "2", "requests[0].persons"),
        (["requests", 0, "pickup", "earliest"], "2026-11-24T06:00:00", "requests[0].pickup.earliest"),
        (["locations", 0, "kind"], "hospital", "locations[0].kind"),
        (["format"], "ltrako-scenario/2", "format"),
        (["travel", "model"], "teleport", "travel.model"),
        (["vehicles", 0, "wheelchair"], "no", "vehicles[0].wheelchair"),
    ],
)
def test_read_scenario_names_the_malformed_key(path: list[str | int], value: Any, named: str) -> None:
    """Wrong types, naive times and unknown enum values name their key."""
    broken = copy.deepcopy(SPEC_EXAMPLE)
    node: Any = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(FormatError) as caught:
        read_scenario(broken)
    assert caught.value.path == named


def test_unknown_keys_are_ignored() -> None:
    """Readers ignore keys they do not know (forward compatibility)."""
    document = copy.deepcopy(SPEC_EXAMPLE)
    document["comment"] = "from another tool"
    document["requests"][0]["colour"] = "blue"
    assert read_scenario(document) == read_scenario(SPEC_EXAMPLE)


def test_plan_round_trips_with_breaks_and_unassigned() -> None:
    """A plan with a break stop and an unassigned request comes back unchanged."""
    plan = Plan(
        scenario_date=DAY,
        tours=(
            Tour(
                vehicle="E-V1",
                escorts=("E-E01", "E-E02"),
                start=5 * H,
                end=11 * H,
                stops=(
                    Stop(StopType.PICKUP, "R-1", "ABH-05113", 6 * H, 6 * H + 60, 6 * H + 1260),
                    Stop(StopType.BREAK, None, "AP-DUS", 7 * H, 7 * H, 7 * H + 1800),
                    Stop(StopType.DROPOFF, "R-1", "AP-DUS", 7 * H + 1800, 7 * H + 1800, 8 * H + 600),
                ),
            ),
        ),
        unassigned=(
            Unassigned("R-2", UnassignedReason.TIME_WINDOW, "Übergabe spätestens 09:30 nicht erreichbar"),
        ),
        stats=PlanStats(served=1, unassigned=1, km=61.2, solve_seconds=0.4),
    )
    document = json.loads(json.dumps(write_plan(plan, timezone="Europe/Berlin")))
    assert "request" not in document["tours"][0]["stops"][1]
    assert read_plan(document, timezone="Europe/Berlin") == plan


def test_tiny_scenario_round_trips() -> None:
    """The smallest fixture survives a round trip."""
    scenario = tiny_scenario()
    assert read_scenario(write_scenario(scenario)) == scenario
    assert scenario.date == dt.date(2026, 11, 24)
