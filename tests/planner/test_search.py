"""The routing portfolio: which engine runs where, and what it returns."""

from __future__ import annotations

import dataclasses

import numpy as np

from planner import pyvrp_search
from planner.params import SolveParams
from planner.problem import RoutingPair, RoutingProblem, RoutingVehicle
from planner.search import objective, solve_routing

LINE = np.array([[abs(i - j) * 10 for j in range(5)] for i in range(5)], dtype=np.int64)


def small_problem(**changes: object) -> RoutingProblem:
    """Depot 0 and two pickup→delivery pairs on a line; two vehicles that cost 1000 each."""
    problem = RoutingProblem(
        node_location=(0, 1, 2, 3, 4),
        travel=LINE,
        cost=LINE,
        windows=((0, 1000),) * 5,
        service=(0, 5, 5, 5, 5),
        loads=((0, 1, -1, 1, -1),),
        vehicles=tuple(RoutingVehicle(0, 0, (0, 1000), (2,), fixed_cost=1000) for _ in range(2)),
        pairs=(RoutingPair(1, 2, penalty=10**6), RoutingPair(3, 4, penalty=10**6)),
        horizon=1000,
    )
    return dataclasses.replace(problem, **changes)


def test_pyvrp_runs_only_where_it_solves_the_exact_problem() -> None:
    """Breaks, ride limits, committed orders or vehicle restrictions keep PyVRP out."""
    assert pyvrp_search.applicable(small_problem())
    with_breaks = small_problem(
        vehicles=tuple(dataclasses.replace(v, breaks=True) for v in small_problem().vehicles)
    )
    assert not pyvrp_search.applicable(with_breaks)
    restricted = small_problem(
        pairs=(RoutingPair(1, 2, penalty=1, vehicles=(0,)), RoutingPair(3, 4, penalty=1))
    )
    assert not pyvrp_search.applicable(restricted)
    assert not pyvrp_search.applicable(small_problem(sequences=((1, 3),)))


def test_portfolio_serves_everything_with_one_vehicle() -> None:
    """Both pairs fit one vehicle (capacity 2): one vehicle, objective = fixed cost + 80."""
    solution = solve_routing(small_problem(), SolveParams(time_limit_s=1, workers=1), 1.0)
    used = [r for r in solution.routes if r]
    assert len(used) == 1 and sorted(used[0]) == [1, 2, 3, 4]
    assert objective(small_problem(), solution.routes) == 1000 + 80


def test_objective_counts_left_out_pairs_vehicles_and_arcs() -> None:
    """An empty plan costs both penalties; one short route costs its vehicle and its arcs."""
    problem = small_problem()
    assert objective(problem, ((), ())) == 2 * 10**6
    assert objective(problem, ((1, 2), ())) == 10**6 + 1000 + 40
