"""Chains (one crew, several requests one after the other) as columns of the master, the
pricing from its open requests, and the time-profile relaxation of the bound."""

from __future__ import annotations

import dataclasses
import time

from planner.bound import profile_bound
from planner.chains import Chains
from planner.floor import single_tours
from planner.model import Escort, Scenario, StopType, StopWindow, Tour, Vehicle
from planner.params import SolveParams
from planner.solve import floor_plan, solve
from planner.travel import TravelMatrix
from planner.validate import validate
from tests.factories import H, request, tiny_scenario

OUT_AND_BACK = (
    request("R-out", priority=5, pick=(6 * H, 7 * H), drop=(7 * H, 9 * H)),
    request(
        "R-back",
        priority=5,
        pickup=StopWindow("AP-DUS", 8 * H, 9 * H, 20),
        dropoff=StopWindow("ABH-05113", 8 * H, 11 * H, 20),
    ),
)


def served(tours: tuple[Tour, ...] | list[Tour]) -> set[str]:
    return {s.request for t in tours for s in t.stops if s.type is StopType.PICKUP and s.request}


def two_escorts_two_rides() -> Scenario:
    """Two escorts (one tour each, so one crew) and two rides the crew can drive one after the
    other: Essen to DUS, then from DUS back to Essen."""
    return tiny_scenario(requests=OUT_AND_BACK)


def test_a_chain_lets_one_crew_take_both_rides_which_single_tours_cannot() -> None:
    scenario = two_escorts_two_rides()
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    args = (scenario.requests, scenario.vehicles, scenario.escorts, matrix)
    alone = single_tours(*args, cross_zab=False, time_limit=5)
    assert len(served(alone.tours)) == 1  # each escort rides one tour: one single tour only

    chains = Chains(*args, cross_zab=False).grow([], time.perf_counter() + 5)
    assert any(served([t]) == {"R-out", "R-back"} for t in chains)
    chosen = single_tours(*args, cross_zab=False, columns=chains, time_limit=5)
    assert served(chosen.tours) == {"R-out", "R-back"}
    [tour] = chosen.tours
    assert sorted(tour.escorts) == ["E-E01", "E-E02"]
    plan = dataclasses.replace(floor_plan(scenario)[0], tours=chosen.tours, unassigned=())
    assert validate(scenario, plan) == []


def test_pricing_puts_an_open_request_into_a_chosen_tour() -> None:
    scenario = two_escorts_two_rides()
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    chains = Chains(scenario.requests, scenario.vehicles, scenario.escorts, matrix, cross_zab=False)
    alone = single_tours(scenario.requests[:1], scenario.vehicles, scenario.escorts, matrix, cross_zab=False)
    new = chains.extend(list(alone.tours), [scenario.requests[1]], time.perf_counter() + 5)
    assert any(served([t]) == {"R-out", "R-back"} for t in new)


def test_the_planner_serves_both_rides_with_its_only_crew() -> None:
    scenario = two_escorts_two_rides()
    plan = solve(scenario, SolveParams(time_limit_s=3, workers=1))
    assert validate(scenario, plan) == []
    assert served(plan.tours) == {"R-out", "R-back"}


def early_rides(pick_minutes: int) -> Scenario:
    """Three rides of two escorts, picked up from 06:00 within `pick_minutes`; four escorts
    start at 05:00, six more only at 09:00; three vehicles."""
    return tiny_scenario(
        vehicles=tuple(Vehicle(f"E-V{i}", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H) for i in range(3)),
        escorts=(
            *(Escort(f"E-A{i}", "ZAB-E", "m", (), 5 * H, 13 * H) for i in range(4)),
            *(Escort(f"E-B{i}", "ZAB-E", "m", (), 9 * H, 17 * H) for i in range(6)),
        ),
        requests=tuple(
            request(f"R-{i}", priority=5, pick=(6 * H, 6 * H + pick_minutes * 60)) for i in range(3)
        ),
    )


def test_the_profile_bound_counts_early_rides_against_the_early_shifts_only() -> None:
    """All three rides are aboard around 06:30, when only the four early escorts are on duty:
    two rides at most. With wide pickup windows the later staff could take one, and the bound
    does not claim otherwise."""
    tight = early_rides(10)
    matrix = TravelMatrix(tight.travel, tight.locations)
    assert profile_bound(tight.requests, tight.escorts, tight.vehicles, matrix, 5.0) == 2
    plan = solve(tight, SolveParams(time_limit_s=3, workers=1))
    assert validate(tight, plan) == []
    assert plan.stats.bound == (2, 0, 0, 0, 0)
    assert len(served(plan.tours)) == 2 and plan.stats.optimal

    wide = tiny_scenario(
        vehicles=tight.vehicles,
        escorts=tight.escorts,
        requests=tuple(
            request(f"R-{i}", priority=5, pick=(6 * H, 10 * H), drop=(7 * H, 12 * H)) for i in range(3)
        ),
    )
    assert profile_bound(wide.requests, wide.escorts, wide.vehicles, matrix, 5.0) == 3
    plan = solve(wide, SolveParams(time_limit_s=3, workers=1))
    assert len(served(plan.tours)) == 3 and plan.stats.bound == (3, 0, 0, 0, 0)
