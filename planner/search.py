"""The routing search used everywhere (NRW days and public benchmarks): a small portfolio.

Where PyVRP can express the problem exactly (`pyvrp_search.applicable`: no breaks, ride
limits, committed orders or per-request vehicle restrictions — the public PDPTW benchmarks):

1. PyVRP's iterated local search (half the time);
2. if vehicles carry a fixed cost, vehicle reduction: empty the smallest route and ask
   OR-Tools to re-insert its requests with one vehicle fewer, as long as that succeeds (up to
   three quarters of the time);
3. if that saved a vehicle, PyVRP again on the smaller fleet, to shorten its routes;
4. OR-Tools guided local search from the best routes for whatever time is left.

Everywhere else (every NRW day) OR-Tools guided local search on the full model, followed by
vehicle reduction where vehicles carry a fixed cost. The better result by the problem's own
objective is kept at every step.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time

from planner import pyvrp_search
from planner.params import SolveParams
from planner.problem import RoutingProblem, RoutingSolution
from planner.routing import search as ortools_search

log = logging.getLogger(__name__)

PYVRP_SHARE = 0.8  # of the time, when PyVRP applies
REDUCTION_UNTIL = 0.95  # vehicle reduction ends at this share of the time
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
    reduce = params.portfolio and any(v.fixed_cost for v in problem.vehicles)
    if params.portfolio and pyvrp_search.applicable(problem):
        routes = pyvrp_search.solve(problem, PYVRP_SHARE * limit, params.seed)
        if routes is not None:
            best = RoutingSolution(routes, objective(problem, routes), "pyvrp", time.perf_counter() - began)
            if reduce:
                best = _fewer_vehicles(problem, params, best, began + REDUCTION_UNTIL * limit)
                if best.status.endswith(">fewer-vehicles"):
                    best = _pyvrp_on_used(problem, params, best, deadline)
            best = _polish(problem, params, best, deadline)
            return RoutingSolution(best.routes, best.objective, best.status, time.perf_counter() - began)
    left = deadline - time.perf_counter()
    found = ortools_search(problem, params, max(MIN_SLICE_S, left / 2 if reduce else left))
    best = RoutingSolution(found.routes, found.objective, "ortools", found.seconds)
    if reduce:
        best = _fewer_vehicles(problem, params, best, deadline)
    return RoutingSolution(best.routes, best.objective, best.status, time.perf_counter() - began)


def _pyvrp_on_used(
    problem: RoutingProblem, params: SolveParams, best: RoutingSolution, deadline: float
) -> RoutingSolution:
    """PyVRP on only the vehicles the reduced solution uses: shorter routes for that fleet."""
    used = [v for v, route in enumerate(best.routes) if route]
    seconds = (deadline - time.perf_counter()) * 0.8
    if seconds < MIN_SLICE_S:
        return best
    fleet = dataclasses.replace(problem, vehicles=tuple(problem.vehicles[v] for v in used))
    routes = pyvrp_search.solve(fleet, seconds, params.seed)
    if routes is None:
        return best
    placed = dict(zip(used, routes, strict=True))
    full = tuple(placed.get(v, ()) for v in range(len(problem.vehicles)))
    found = RoutingSolution(full, objective(problem, full), f"{best.status}>pyvrp", seconds)
    return _better(problem, best, found)


def _polish(
    problem: RoutingProblem, params: SolveParams, best: RoutingSolution, deadline: float
) -> RoutingSolution:
    """OR-Tools from the best routes, with no more vehicles than they use, for the time left."""
    left = deadline - time.perf_counter()
    if left < MIN_SLICE_S:
        return best
    used = sum(1 for route in best.routes if route)
    found = ortools_search(problem, params, left, initial=best.routes, max_vehicles=used)
    return _better(
        problem, best, RoutingSolution(found.routes, found.objective, f"{best.status}>ortools", left)
    )


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
