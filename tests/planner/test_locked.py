"""Committed tours survive every pass: several per vehicle, taken over from another ZAB,
re-run through the exchange format with `cross_zab: true` (issue 17)."""

from __future__ import annotations

import dataclasses
from collections import Counter

from bench.nrw_mix import mixed_day
from planner.io import read_plan, read_scenario, write_plan, write_scenario
from planner.locked import commit_all, kept
from planner.model import Plan, Scenario, StopType, UnassignedReason
from planner.params import SolveParams
from planner.solve import solve
from planner.validate import validate
from tests.factories import DAY

PARAMS = SolveParams(time_limit_s=3, solution_limit=50, workers=1, seed=0)


def through_the_exchange_format(scenario: Scenario) -> tuple[Scenario, Plan]:
    """Scenario written and read back, solved, the plan written and read back (as `ltrako plan`)."""
    scenario = read_scenario(write_scenario(scenario))
    plan = solve(scenario, PARAMS)
    return scenario, read_plan(write_plan(plan, timezone=scenario.timezone), timezone=scenario.timezone)


def assert_kept(scenario: Scenario, plan: Plan) -> None:
    assert validate(scenario, plan) == []
    for locked in scenario.locked:
        holder = [t for t in plan.tours if any(s.request == locked.stops[0].request for s in t.stops)]
        assert len(holder) == 1, f"committed tour of {locked.vehicle} lost"
        tour = holder[0]
        assert (tour.vehicle, set(tour.escorts)) == (locked.vehicle, set(locked.escorts))
        order = [(s.request, s.type) for s in tour.stops if s.type is not StopType.BREAK]
        wanted = [(s.request, s.type) for s in locked.stops]
        assert [k for k in order if k in wanted] == wanted
    assert not any(u.reason is UnassignedReason.OTHER for u in plan.unassigned)
    assert kept(scenario.locked, plan) == len(scenario.locked)


def test_cross_zab_rerun_keeps_every_first_pass_tour_including_shared_vehicles() -> None:
    day = mixed_day(DAY, 60, 1.5, seed=1)
    first = solve(day, PARAMS)
    assert validate(day, first) == []
    assert any(n > 1 for n in Counter(t.vehicle for t in first.tours).values())  # premise: shared vehicles
    rerun, plan = through_the_exchange_format(
        dataclasses.replace(day, cross_zab=True, locked=commit_all(first))
    )
    assert_kept(rerun, plan)
    assert plan.stats.served >= first.stats.served


def test_tours_taken_over_from_another_zab_survive_the_next_rerun() -> None:
    """A ZAB without staff: its requests ride with other ZABs in the Restplatzbörse; those
    tours, committed, are kept by the next re-run."""
    day = mixed_day(DAY, 40, 1.5, seed=2)
    short = day.requests[0].zab
    day = dataclasses.replace(day, cross_zab=True, escorts=tuple(e for e in day.escorts if e.zab != short))
    second = solve(day, PARAMS)
    vehicle_zab = {v.id: v.zab for v in day.vehicles}
    zab_of = {r.id: r.zab for r in day.requests}
    taken_over = [
        t
        for t in second.tours
        if any(s.request and zab_of[s.request] != vehicle_zab[t.vehicle] for s in t.stops)
    ]
    assert taken_over  # premise: some requests ride with another ZAB
    rerun, plan = through_the_exchange_format(dataclasses.replace(day, locked=commit_all(second)))
    assert_kept(rerun, plan)
