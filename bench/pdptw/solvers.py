"""The solvers compared on the same instance: ltrako's routing search, VROOM, PyVRP, and
ltrako's OR-Tools model alone (portfolio off) as the plain OR-Tools baseline.

All three get the same integer data: travel times and costs scaled by `SCALE` (Li & Lim's
float distances ×10 000; travel times rounded up so that a schedule feasible in integers is
feasible in full precision), and a fixed cost per vehicle larger than any total distance, so
fewer vehicles always win, as in the benchmark's objective. Solutions are returned as routes
of instance node ids and checked independently (`bench.pdptw.check`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.pdptw.instances import Instance
from planner.params import SolveParams
from planner.problem import RoutingPair, RoutingProblem, RoutingVehicle
from planner.search import solve_routing

SCALE = {"lilim": 10_000, "sartori": 1}


@dataclass(frozen=True)
class Run:
    routes: tuple[tuple[int, ...], ...]
    seconds: float
    engine: str = ""  # for ltrako: which engines produced the kept routes


@dataclass(frozen=True)
class IntegerData:
    """The instance in the integers every solver sees."""

    travel: np.ndarray  # time, rounded up
    cost: np.ndarray  # cost, rounded
    early: list[int]
    late: list[int]
    service: list[int]
    fleet: int
    vehicle_cost: int


def integer_data(instance: Instance) -> IntegerData:
    scale = SCALE[instance.family]
    raw = np.asarray(instance.travel, dtype=np.float64) * scale
    travel = np.ceil(raw - 1e-9).astype(np.int64)
    cost = np.rint(raw).astype(np.int64)
    fleet = instance.fleet or len(instance.pairs)
    # More than any solution's distance: every vehicle driving the longest arc n times.
    vehicle_cost = int(cost.max()) * instance.size * 2 + 1
    return IntegerData(
        travel=travel,
        cost=cost,
        early=[e * scale for e in instance.early],
        late=[x * scale for x in instance.late],
        service=[s * scale for s in instance.service],
        fleet=fleet,
        vehicle_cost=vehicle_cost,
    )


def to_problem(instance: Instance, data: IntegerData) -> RoutingProblem:
    """The instance as the generic problem ltrako's planner solves for NRW days too."""
    must = data.vehicle_cost * (data.fleet + 1)  # leaving a pair out costs more than any fleet
    return RoutingProblem(
        node_location=tuple(range(instance.size)),
        travel=data.travel,
        cost=data.cost,
        windows=tuple(zip(data.early, data.late, strict=True)),
        service=tuple(data.service),
        loads=(tuple(instance.demand),),
        vehicles=tuple(
            RoutingVehicle(
                start_node=0,
                end_node=0,
                window=(data.early[0], data.late[0]),
                capacities=(instance.capacity,),
                fixed_cost=data.vehicle_cost,
            )
            for _ in range(data.fleet)
        ),
        pairs=tuple(RoutingPair(pickup=p, delivery=d, penalty=must) for p, d in instance.pairs),
        horizon=data.late[0],
        load_names=("load",),
    )


def solve_ltrako(instance: Instance, seconds: float, seed: int = 0, portfolio: bool = True) -> Run:
    data = integer_data(instance)
    params = SolveParams(time_limit_s=seconds, seed=seed, portfolio=portfolio)
    began = time.perf_counter()
    solution = solve_routing(to_problem(instance, data), params, seconds)
    return Run(tuple(r for r in solution.routes if r), time.perf_counter() - began, solution.status)


def solve_ortools(instance: Instance, seconds: float, seed: int = 0) -> Run:
    """The plain OR-Tools baseline: ltrako's routing model, first solution + guided local search."""
    return solve_ltrako(instance, seconds, seed, portfolio=False)


def solve_vroom(instance: Instance, seconds: float, seed: int = 0) -> Run:
    import vroom  # bench dependency

    data = integer_data(instance)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=data.travel.tolist())
    problem.set_costs_matrix(profile="car", matrix_input=data.cost.tolist())
    for v in range(data.fleet):
        problem.add_vehicle(
            vroom.Vehicle(
                id=v,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=vroom.TimeWindow(data.early[0], data.late[0]),
                costs=vroom.VehicleCosts(fixed=data.vehicle_cost),
            )
        )
    for p, d in instance.pairs:
        problem.add_shipment(
            pickup=vroom.ShipmentStep(
                id=p,
                location=p,
                default_service=data.service[p],
                time_windows=[vroom.TimeWindow(data.early[p], data.late[p])],
            ),
            delivery=vroom.ShipmentStep(
                id=d,
                location=d,
                default_service=data.service[d],
                time_windows=[vroom.TimeWindow(data.early[d], data.late[d])],
            ),
            amount=vroom.Amount([instance.demand[p]]),
        )
    began = time.perf_counter()
    solution = problem.solve(exploration_level=5, nb_threads=2)
    elapsed = time.perf_counter() - began
    frame = solution.routes
    routes = []
    for _, group in frame.groupby("vehicle_id", sort=True):
        steps = group[group["type"].isin(["pickup", "delivery"])]
        routes.append(tuple(int(x) for x in steps["location_index"]))
    return Run(tuple(r for r in routes if r), elapsed)


def solve_pyvrp(instance: Instance, seconds: float, seed: int = 0) -> Run:
    import pyvrp  # bench dependency
    from pyvrp.stop import MaxRuntime

    data = integer_data(instance)
    model = pyvrp.Model()
    locations = [model.add_location(float(i), 0.0) for i in range(instance.size)]
    depot = model.add_depot(locations[0], tw_early=data.early[0], tw_late=data.late[0])
    shipments = []
    for p, d in instance.pairs:
        model.add_shipment(
            locations[p],
            locations[d],
            pickup_tw_early=data.early[p],
            pickup_tw_late=data.late[p],
            pickup_service_duration=data.service[p],
            delivery_tw_early=data.early[d],
            delivery_tw_late=data.late[d],
            delivery_service_duration=data.service[d],
            amount=[instance.demand[p]],
        )
        shipments.append((p, d))
    model.add_vehicle_type(
        num_available=data.fleet,
        capacity=[instance.capacity],
        start_depot=depot,
        end_depot=depot,
        fixed_cost=data.vehicle_cost,
        tw_early=data.early[0],
        tw_late=data.late[0],
    )
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            model.add_edge(a, b, distance=int(data.cost[i][j]), duration=int(data.travel[i][j]))
    began = time.perf_counter()
    result = model.solve(MaxRuntime(seconds), seed=seed, display=False)
    elapsed = time.perf_counter() - began
    routes = []
    for route in result.best.routes():
        nodes = []
        for activity in route.schedule():
            if activity.type == pyvrp.ActivityType.PICKUP:
                nodes.append(shipments[activity.idx][0])
            elif activity.type == pyvrp.ActivityType.DELIVERY:
                nodes.append(shipments[activity.idx][1])
        routes.append(tuple(nodes))
    return Run(tuple(r for r in routes if r), elapsed)


SOLVERS: dict[str, Callable[[Instance, float, int], Run]] = {
    "ltrako": solve_ltrako,
    "vroom": solve_vroom,
    "pyvrp": solve_pyvrp,
    "ortools": solve_ortools,
}


def gap_pct(distance: float, best: float) -> float:
    return 100.0 * (distance - best) / best if best else math.nan
