"""The routing search used everywhere (NRW days and public benchmarks): a small portfolio.

1. If PyVRP can express the problem exactly (`pyvrp_search.applicable`: no breaks, ride
   limits, committed orders or per-request vehicle restrictions), its iterated local search
   runs first and its routes warm-start OR-Tools.
2. OR-Tools guided local search on the full model (the only engine for NRW days).
3. If vehicles carry a fixed cost, a vehicle-reduction phase empties the smallest route and
   asks OR-Tools to re-insert its requests with one vehicle fewer, as long as that succeeds.

The better result by the problem's own objective is kept at every step.
"""

from __future__ import annotations

import itertools
import logging
import time

from planner import pyvrp_search
from planner.params import SolveParams
from planner.problem import RoutingProblem, RoutingSolution
from planner.routing import search as ortools_search

log = logging.getLogger(__name__)

PYVRP_SHARE = 0.6  # of the time, when PyVRP applies
MIN_SLICE_S = 0.5


def objective(problem: RoutingProblem, routes: tuple[tuple[int, ...], ...]) -> int:
    """Penalties of left-out pairs + fixed costs of used vehicles + arc costs.

    Span costs are not counted: they only matter where neither PyVRP nor vehicle reduction is
    used, so results compared here never differ in them.
    """
    served = {node for route in routes for node in route}
    total = sum(p.penalty or 0 for p in problem.pairs if p.pickup not in served)
    where = problem.node_location
    for vehicle, route in zip(problem.vehicles, routes, strict=True):
        if not route:
            continue
        path = [vehicle.start_node, *route, vehicle.end_node]
        total += vehicle.fixed_cost + int(
            sum(problem.cost[where[a], where[b]] for a, b in itertools.pairwise(path))
        )
    return total


def solve_routing(
    problem: RoutingProblem, params: SolveParams, time_limit_s: float | None = None
) -> RoutingSolution:
    """The best routes found within the limit by the portfolio (see the module docstring).

    `status` names the engines behind the kept routes, e.g. "pyvrp", "pyvrp>ortools" (OR-Tools
    improved PyVRP's routes) or "ortools>fewer-vehicles".
    """
    began = time.perf_counter()
    limit = params.time_limit_s if time_limit_s is None else time_limit_s
    deadline = began + limit
    warm = problem.initial_routes
    best: RoutingSolution | None = None
    if params.portfolio and pyvrp_search.applicable(problem):
        routes = pyvrp_search.solve(problem, PYVRP_SHARE * limit, params.seed)
        if routes is not None:
            best = RoutingSolution(routes, objective(problem, routes), "pyvrp", time.perf_counter() - began)
            warm = routes
    reduce = params.portfolio and any(v.fixed_cost for v in problem.vehicles)
    left = deadline - time.perf_counter()
    share = left / 2 if reduce else left
    found = ortools_search(problem, params, max(MIN_SLICE_S, share), initial=warm)
    engine = "pyvrp>ortools" if best is not None else "ortools"
    found = RoutingSolution(found.routes, found.objective, engine, found.seconds)
    best = _better(problem, best, found)
    if reduce and best is not None:
        best = _fewer_vehicles(problem, params, best, deadline)
    assert best is not None
    return RoutingSolution(best.routes, best.objective, best.status, time.perf_counter() - began)


def _better(problem: RoutingProblem, a: RoutingSolution | None, b: RoutingSolution) -> RoutingSolution:
    if a is None or not any(b.routes):
        return a or b
    return b if objective(problem, b.routes) < objective(problem, a.routes) else a


def _fewer_vehicles(
    problem: RoutingProblem, params: SolveParams, best: RoutingSolution, deadline: float
) -> RoutingSolution:
    """Empty the smallest route and re-insert its requests with one vehicle fewer, repeatedly."""
    served = {node for route in best.routes for node in route}
    while deadline - time.perf_counter() > MIN_SLICE_S:
        used = [v for v, route in enumerate(best.routes) if route]
        if len(used) <= 1:
            break
        smallest = min(used, key=lambda v: (len(best.routes[v]), v))
        start = tuple(() if v == smallest else route for v, route in enumerate(best.routes))
        slice_s = max(MIN_SLICE_S, (deadline - time.perf_counter()) / 2)
        attempt = ortools_search(problem, params, slice_s, initial=start, max_vehicles=len(used) - 1)
        again = {node for route in attempt.routes for node in route}
        if not again >= served or sum(1 for r in attempt.routes if r) >= len(used):
            log.info("vehicle reduction stops at %d vehicles", len(used))
            break
        status = best.status if best.status.endswith(">fewer-vehicles") else f"{best.status}>fewer-vehicles"
        best = RoutingSolution(attempt.routes, objective(problem, attempt.routes), status, attempt.seconds)
    return best
