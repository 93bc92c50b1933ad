"""PyVRP's iterated local search on a `RoutingProblem` it can express exactly.

PyVRP (MIT) models pickup-and-delivery shipments with time windows, service times,
multi-dimensional capacities, vehicle windows, route durations, fixed vehicle costs and
optional shipments with prizes. It has no breaks, ride-time limits, committed stop orders or
per-request vehicle restrictions, so problems with any of those (every NRW day) are not
handed to it. All PyVRP imports live in this module.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from planner.problem import RoutingProblem

UNBOUNDED = np.iinfo(np.int64).max


def applicable(problem: RoutingProblem) -> bool:
    """Whether PyVRP solves exactly this problem (not a relaxation of it)."""
    everyone = len(problem.vehicles)
    return (
        not any(v.breaks for v in problem.vehicles)
        and not problem.sequences
        and all(p.max_ride is None for p in problem.pairs)
        and all(p.vehicles is None or len(p.vehicles) == everyone for p in problem.pairs)
        and all(v.start_node == v.end_node for v in problem.vehicles)
    )


def solve(problem: RoutingProblem, seconds: float, seed: int = 0) -> tuple[tuple[int, ...], ...] | None:
    """Routes per routing vehicle (nodes, depots excluded), or None if PyVRP found nothing feasible.

    Nodes become PyVRP locations one to one, so node windows and services map directly.
    """
    nodes = problem.nodes
    where = np.asarray(problem.node_location, dtype=np.int64)
    distance = problem.cost[np.ix_(where, where)].astype(np.int64)
    duration = problem.travel[np.ix_(where, where)].astype(np.int64)
    locations = [pyvrp.Location(float(i), 0.0) for i in range(nodes)]
    depot_nodes = sorted({v.start_node for v in problem.vehicles})
    depot_index = {node: i for i, node in enumerate(depot_nodes)}
    depots = [pyvrp.Depot(node) for node in depot_nodes]  # opening hours are the vehicles' windows
    types: dict[tuple[int, tuple[int, int], tuple[int, ...], int, int | None, int], list[int]] = {}
    for v, vehicle in enumerate(problem.vehicles):
        key = (
            vehicle.start_node,
            vehicle.window,
            vehicle.capacities,
            vehicle.fixed_cost,
            vehicle.span_max,
            vehicle.span_cost,
        )
        types.setdefault(key, []).append(v)
    vehicle_types = []
    type_members: list[list[int]] = []
    for (start, window, capacities, fixed, span_max, span_cost), members in types.items():
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=list(capacities),
                start_depot=depot_index[start],
                end_depot=depot_index[start],
                fixed_cost=fixed,
                tw_early=window[0],
                tw_late=window[1],
                shift_duration=span_max if span_max is not None else UNBOUNDED,
                unit_duration_cost=span_cost,
            )
        )
        type_members.append(members)
    shipments = []
    for pair in problem.pairs:
        amount = [problem.loads[d][pair.pickup] for d in range(len(problem.loads))]
        p_window, d_window = problem.windows[pair.pickup], problem.windows[pair.delivery]
        shipments.append(
            pyvrp.Shipment(
                pair.pickup,
                pair.delivery,
                pickup_tw_early=p_window[0],
                pickup_tw_late=p_window[1],
                pickup_service_duration=problem.service[pair.pickup],
                delivery_tw_early=d_window[0],
                delivery_tw_late=d_window[1],
                delivery_service_duration=problem.service[pair.delivery],
                amount=amount,
                prize=pair.penalty or 0,
                required=pair.penalty is None,
            )
        )
    data = pyvrp.ProblemData(
        locations=locations,
        clients=[],
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[cast(Any, distance)],
        duration_matrices=[cast(Any, duration)],
        shipments=shipments,
    )
    result = pyvrp.solve(data, MaxRuntime(max(0.1, seconds)), seed=seed, collect_stats=False)
    if not result.best.is_feasible():
        return None
    routes: list[tuple[int, ...]] = [() for _ in problem.vehicles]
    free = [list(members) for members in type_members]
    for route in result.best.routes():
        visited = []
        for activity in route.schedule():
            if activity.type == pyvrp.ActivityType.PICKUP:
                visited.append(problem.pairs[activity.idx].pickup)
            elif activity.type == pyvrp.ActivityType.DELIVERY:
                visited.append(problem.pairs[activity.idx].delivery)
        if visited:
            routes[free[route.vehicle_type()].pop(0)] = tuple(visited)
    return tuple(routes)
