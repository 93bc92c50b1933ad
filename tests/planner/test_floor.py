"""The floor: single-request tours chosen by CP-SAT; the planner is never lexicographically below it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.bound import upper_bound
from planner.floor import Singles, greedy_tours, single_tours
from planner.model import (
    Escort,
    LocationKind,
    Plan,
    PlanStats,
    Scenario,
    StopType,
    Unassigned,
    UnassignedReason,
    Vehicle,
)
from planner.params import SolveParams
from planner.solve import floor_plan, solve
from planner.travel import TravelMatrix
from planner.validate import validate
from tests.factories import H, location, request, tiny_scenario
from tests.planner.test_properties import ZABS, requests, scenarios


def by_priority(scenario: Scenario, plan: Plan) -> tuple[int, ...]:
    served = {s.request for t in plan.tours for s in t.stops if s.type is StopType.PICKUP}
    return tuple(
        sum(1 for r in scenario.requests if r.id in served and r.priority == p) for p in range(5, 0, -1)
    )


@st.composite
def crowded_days(draw: st.DrawFn) -> Scenario:
    """Small days with more requests than staff, so that crews and vehicles are contended."""
    base = draw(scenarios())
    extra = tuple(draw(requests(f"X{i}")) for i in range(draw(st.integers(2, 8))))
    escorts = tuple(
        Escort(
            f"S{i}",
            draw(st.sampled_from(ZABS)),
            draw(st.sampled_from("fm")),
            ("medical",) if draw(st.booleans()) else (),
            (start := draw(st.sampled_from([4, 6, 8, 10, 12])) * H),
            start + draw(st.integers(6, 10)) * H,
        )
        for i in range(draw(st.integers(2, 8)))
    )
    return Scenario(
        base.date,
        base.timezone,
        base.cross_zab,
        base.travel,
        base.locations,
        base.vehicles,
        base.escorts + escorts,
        base.requests + extra,
        base.locked,
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_days())
def test_the_planner_is_never_lexicographically_below_the_floor(scenario: Scenario) -> None:
    floor, _ = floor_plan(scenario, time_limit_s=5)
    assert validate(scenario, floor) == []
    plan = solve(scenario, SolveParams(time_limit_s=2, solution_limit=30, workers=1))
    assert validate(scenario, plan) == []
    assert by_priority(scenario, plan) >= by_priority(scenario, floor)


def test_floor_gives_the_only_vehicle_to_the_higher_priority() -> None:
    """Two requests at the same hour, one vehicle: the priority-5 one is served."""
    scenario = tiny_scenario(
        requests=(request("R-low", priority=1), request("R-high", priority=5)),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", (), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E03", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E04", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
    )
    floor, optimal = floor_plan(scenario)
    assert optimal
    assert validate(scenario, floor) == []
    assert [s.request for t in floor.tours for s in t.stops if s.type is StopType.PICKUP] == ["R-high"]


def test_floor_uses_two_vehicles_and_distinct_crews_with_the_qualifications_asked() -> None:
    """A woman and a medic for one, three escorts for the other, at the same time: four escorts,
    two vehicles, nobody twice; a fifth request has nobody left and stays open."""
    scenario = tiny_scenario(
        vehicles=(
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
            Vehicle("E-V2", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
            Vehicle("E-V3", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
        ),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", (), 5 * H, 15 * H),
            Escort("E-E02", "ZAB-E", "m", ("medical",), 5 * H, 15 * H),
            Escort("E-E03", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E04", "ZAB-E", "m", (), 5 * H, 15 * H),
            Escort("E-E05", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
        requests=(
            request(
                "R-fm",
                priority=4,
                escorts_required=1,
                requires_female_escort=True,
                requires_medical_escort=True,
            ),
            request("R-3", priority=4, escorts_required=3),
            request("R-2", priority=2, escorts_required=2),
        ),
    )
    floor, optimal = floor_plan(scenario)
    assert optimal and validate(scenario, floor) == []
    crews = {t.stops[0].request: t.escorts for t in floor.tours}
    assert set(crews) == {"R-fm", "R-3"}
    assert set(crews["R-fm"]) == {"E-E01", "E-E02"}
    assert len(crews["R-3"]) == 3
    assert [u.request for u in floor.unassigned] == ["R-2"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_days())
def test_the_bound_is_never_below_the_plan_or_the_floor(scenario: Scenario) -> None:
    plan = solve(scenario, SolveParams(time_limit_s=1, solution_limit=20, workers=1))
    floor, _ = floor_plan(scenario, time_limit_s=3)
    assert plan.stats.bound is not None and floor.stats.bound is not None
    served = by_priority(scenario, plan)
    assert all(b >= s for b, s in zip(plan.stats.bound, served, strict=True))
    assert all(b >= s for b, s in zip(plan.stats.bound, by_priority(scenario, floor), strict=True))
    assert plan.stats.optimal == (served == plan.stats.bound)


def test_a_floor_at_the_bound_is_proven_even_where_cp_sat_ran_out_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CP-SAT's own proof withheld (as when its time runs out): a floor serving the bound at
    every level is still proven optimal; one below the bound at some level is not."""

    def unproven(*args: Any, **kwargs: Any) -> Singles:
        return dataclasses.replace(single_tours(*args, **kwargs), optimal=False)

    monkeypatch.setattr("planner.solve.single_tours", unproven)
    rides = (request("R-1", priority=5), request("R-2", priority=3))  # same time, two escorts each
    vehicles = tuple(Vehicle(f"E-V{i}", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H) for i in (1, 2))
    staff = tuple(Escort(f"E-E0{i}", "ZAB-E", "m", (), 5 * H, 15 * H) for i in (1, 2, 3, 4))
    everything = tiny_scenario(requests=rides, vehicles=vehicles, escorts=staff)
    floor, optimal = floor_plan(everything, time_limit_s=2)
    assert by_priority(everything, floor) == (1, 0, 1, 0, 0) == floor.stats.bound
    assert optimal
    # two escorts only: the floor serves one ride; the bound counts each level alone (either
    # ride is servable), so the bound is not met and nothing is proven
    both = tiny_scenario(requests=rides, vehicles=vehicles, escorts=staff[:2])
    floor, optimal = floor_plan(both, time_limit_s=2)
    assert by_priority(both, floor) == (1, 0, 0, 0, 0)
    assert floor.stats.bound is not None and floor.stats.bound[2] == 1
    assert not optimal


def test_the_bound_counts_requests_feasible_alone_within_escort_time() -> None:
    """Two escorts with 50-minute shifts hold 100 min of escort time; each Essen–DUS ride
    (28 min with two escorts) uses more than half of it, so at most one of three is servable;
    a request found infeasible alone is not counted at all."""
    scenario = tiny_scenario(
        escorts=(
            Escort("E-E01", "ZAB-E", "f", (), 6 * H, 6 * H + 3000),
            Escort("E-E02", "ZAB-E", "m", (), 6 * H, 6 * H + 3000),
        ),
        requests=(*(request(f"R-{i}", priority=5) for i in range(3)), request("R-x", priority=2)),
    )
    reasons = [UnassignedReason.NO_CAPACITY] * 3 + [UnassignedReason.INFEASIBLE_ALONE]
    plan = Plan(
        scenario.date,
        (),
        tuple(Unassigned(r.id, why) for r, why in zip(scenario.requests, reasons, strict=True)),
        PlanStats(0, 4, 0.0, 0.0),
    )
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    ride = matrix.time("ABH-05113", "AP-DUS")
    assert 2 * ride <= 6000 < 2 * 2 * ride  # the premise: one ride of two escorts fits, two do not
    assert upper_bound(scenario, plan, matrix) == (1, 0, 0, 0, 0)
    roomy = dataclasses.replace(
        scenario, escorts=tuple(dataclasses.replace(e, shift_end=12 * H) for e in scenario.escorts)
    )
    assert upper_bound(roomy, plan, matrix) == (3, 0, 0, 0, 0)


def test_with_served_priority_proven_the_floor_takes_fewer_kilometres() -> None:
    """Two vehicles of ZAB Essen, one parked in Köln: the ride from Essen is served either way,
    and the vehicle at the Essen depot drives fewer kilometres (the greedy first choice, the
    solver's hint, is the Köln one: its id sorts first)."""
    base = tiny_scenario()
    scenario = dataclasses.replace(
        base,
        locations=(*base.locations, location("ZAB-K", 50.94013, 7.00605, LocationKind.ZAB)),
        vehicles=(
            Vehicle("E-V0", "ZAB-E", "ZAB-K", 9, False, 4 * H, 23 * H),
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
        ),
    )
    floor, optimal = floor_plan(scenario)
    assert optimal and validate(scenario, floor) == []
    assert [t.vehicle for t in floor.tours] == ["E-V1"]


def test_a_tour_runs_later_within_its_windows_so_one_vehicle_takes_both_rides() -> None:
    """Both rides are timed shortest from 06:00; the second's windows reach to 10:00/11:00, so
    it runs after the first returns. The early escorts' shift ends at 09:00: the later tour
    must go to the escorts on duty until 13:00."""
    scenario = tiny_scenario(
        escorts=tuple(
            Escort(f"E-E0{i}", "ZAB-E", "m", (), 5 * H, (9 if i < 3 else 13) * H) for i in (1, 2, 3, 4)
        ),
        requests=(
            request("R-early", priority=5),
            request("R-late", priority=5, pick=(6 * H, 10 * H), drop=(7 * H, 11 * H)),
        ),
    )
    plan, _ = floor_plan(scenario)
    assert validate(scenario, plan) == []
    assert by_priority(scenario, plan) == (2, 0, 0, 0, 0)
    first, second = sorted(plan.tours, key=lambda t: t.start)
    assert first.vehicle == second.vehicle == "E-V1" and second.start >= first.end
    assert set(second.escorts) == {"E-E03", "E-E04"}


def test_the_greedy_hint_is_the_best_of_several_orders() -> None:
    """Earliest start first would give the day's three escorts to the early ride that needs all
    three; taking the smallest crews first serves the two later rides instead, which is better
    at the same priority, so the hint serves those two."""
    scenario = tiny_scenario(
        vehicles=(
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
            Vehicle("E-V2", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
        ),
        escorts=tuple(Escort(f"E-E0{i}", "ZAB-E", "m", (), 5 * H, 20 * H) for i in (1, 2, 3)),
        requests=(
            request("R-big", priority=4, escorts_required=3),
            request("R-a", priority=4, escorts_required=1, pick=(10 * H, 11 * H), drop=(11 * H, 13 * H)),
            request("R-b", priority=4, escorts_required=1, pick=(12 * H, 13 * H), drop=(13 * H, 15 * H)),
        ),
    )
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    tours = greedy_tours(scenario.requests, scenario.vehicles, scenario.escorts, matrix, cross_zab=False)
    assert {t.stops[0].request for t in tours} == {"R-a", "R-b"}


def test_the_greedy_hint_keeps_escorts_whose_shift_covers_more_tours_for_those() -> None:
    """The CP-SAT hint (and its answer when it finds nothing in time): an early ride could take
    the escorts on a long shift or those on a short one; only the long shift covers the late
    ride, so the early ride gets the short shift and both are served."""
    scenario = tiny_scenario(
        vehicles=(
            Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
            Vehicle("E-V2", "ZAB-E", "ZAB-E", 9, False, 4 * H, 23 * H),
        ),
        escorts=(
            Escort("E-E01", "ZAB-E", "m", (), 5 * H, 17 * H),  # listed first: the long shift
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 17 * H),
            Escort("E-E03", "ZAB-E", "m", (), 5 * H, 10 * H),
            Escort("E-E04", "ZAB-E", "m", (), 5 * H, 10 * H),
        ),
        requests=(
            request("R-early", priority=5),
            request("R-late", priority=5, pick=(13 * H, 14 * H), drop=(14 * H, 16 * H)),
        ),
    )
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    tours = greedy_tours(scenario.requests, scenario.vehicles, scenario.escorts, matrix, cross_zab=False)
    crews = {t.stops[0].request: set(t.escorts) for t in tours}
    assert set(crews) == {"R-early", "R-late"}
    assert crews["R-early"] == {"E-E03", "E-E04"}
