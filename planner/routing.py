"""The routing search: a `RoutingProblem` solved with the OR-Tools routing library.

Python stays out of the solver's inner loop: travel, cost and load data are handed over as
precomputed integer matrices and vectors (`RegisterTransitMatrix`, `RegisterUnaryTransitVector`).
All OR-Tools routing imports live in this module.
"""

from __future__ import annotations

import itertools
import logging
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.params import SolveParams
from planner.problem import RoutingProblem, RoutingSolution

log = logging.getLogger(__name__)

SIX_HOURS, NINE_HOURS = 6 * 3600, 9 * 3600
BREAK_MIN, BREAK_MAX = 30 * 60, 45 * 60


class _Built:
    """The OR-Tools model of one problem, with the handles needed to read a solution back."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        starts = [v.start_node for v in problem.vehicles]
        ends = [v.end_node for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(problem.nodes, len(problem.vehicles), starts, ends)
        self.model = pywrapcp.RoutingModel(self.manager)
        self.solver = self.model.solver()
        locations = np.asarray(problem.node_location, dtype=np.int64)
        service = np.asarray(problem.service, dtype=np.int64)
        cost = problem.cost[np.ix_(locations, locations)]
        travel = problem.travel[np.ix_(locations, locations)] + service[:, None]
        cost_cb = self.model.RegisterTransitMatrix(cost.tolist())
        time_cb = self.model.RegisterTransitMatrix(travel.tolist())
        self.model.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        self.model.AddDimension(time_cb, problem.horizon, problem.horizon, False, "time")
        self.time = self.model.GetDimensionOrDie("time")
        self._loads()
        self._windows()
        self._vehicles()
        self._pairs()
        self._sequences()

    def index(self, node: int) -> int:
        return int(self.manager.NodeToIndex(node))

    def _loads(self) -> None:
        for d, deltas in enumerate(self.problem.loads):
            callback = self.model.RegisterUnaryTransitVector(list(deltas))
            capacities = [v.capacities[d] for v in self.problem.vehicles]
            name = self.problem.load_names[d] if d < len(self.problem.load_names) else f"load{d}"
            self.model.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, name)

    def _windows(self) -> None:
        depots = {v.start_node for v in self.problem.vehicles} | {v.end_node for v in self.problem.vehicles}
        for node, (earliest, latest) in enumerate(self.problem.windows):
            if node not in depots:
                self.time.CumulVar(self.index(node)).SetRange(earliest, latest)

    def _vehicles(self) -> None:
        visit_transits = [self.problem.service[self.manager.IndexToNode(i)] for i in range(self.model.Size())]
        for v, vehicle in enumerate(self.problem.vehicles):
            lo, hi = vehicle.window
            self.time.CumulVar(self.model.Start(v)).SetRange(lo, hi)
            self.time.CumulVar(self.model.End(v)).SetRange(lo, hi)
            if vehicle.span_max is not None:
                self.time.SetSpanUpperBoundForVehicle(vehicle.span_max, v)
            if vehicle.span_cost:
                self.time.SetSpanCostCoefficientForVehicle(vehicle.span_cost, v)
            if vehicle.fixed_cost:
                self.model.SetFixedCostOfVehicle(vehicle.fixed_cost, v)
            if vehicle.breaks:
                pause = self.solver.IntervalVar(lo, hi, BREAK_MIN, BREAK_MAX, lo, hi, True, f"pause-{v}")
                self.time.SetBreakIntervalsOfVehicle([pause], v, visit_transits)
                self.time.SetBreakDistanceDurationOfVehicle(SIX_HOURS, BREAK_MIN, v)
                self.time.SetBreakDistanceDurationOfVehicle(NINE_HOURS, BREAK_MAX, v)
            # Leave as late and return as early as the route allows: compact schedules.
            self.model.AddVariableMaximizedByFinalizer(self.time.CumulVar(self.model.Start(v)))
            self.model.AddVariableMinimizedByFinalizer(self.time.CumulVar(self.model.End(v)))

    def _pairs(self) -> None:
        for pair in self.problem.pairs:
            p, d = self.index(pair.pickup), self.index(pair.delivery)
            self.model.AddPickupAndDelivery(p, d)
            self.solver.Add(self.model.VehicleVar(p) == self.model.VehicleVar(d))
            self.solver.Add(self.time.CumulVar(p) <= self.time.CumulVar(d))
            if pair.penalty is not None:
                self.model.AddDisjunction([p], pair.penalty)
                self.model.AddDisjunction([d], 0)
            if pair.vehicles is not None and len(pair.vehicles) < len(self.problem.vehicles):
                # SetAllowedVehiclesForIndex does not accept Python lists in ortools 9.15's
                # bindings; restricting the vehicle variable is the equivalent.
                values = [*pair.vehicles, -1] if pair.penalty is not None else list(pair.vehicles)
                self.model.VehicleVar(p).SetValues(values)
                self.model.VehicleVar(d).SetValues(values)
            if pair.max_ride is not None:
                ride = self.time.CumulVar(d) - self.time.CumulVar(p)
                self.solver.Add(ride <= pair.max_ride + self.problem.service[pair.pickup])

    def _sequences(self) -> None:
        """Committed stops keep their order: strict precedences on a visit counter, which the
        routing library's own filters understand (unlike generic constraints)."""
        if not self.problem.sequences:
            return
        counter = self.model.RegisterUnaryTransitVector([1] * self.problem.nodes)
        self.model.AddDimension(counter, 0, self.problem.nodes + 1, True, "order")
        order = self.model.GetDimensionOrDie("order")
        for sequence in self.problem.sequences:
            for a, b in itertools.pairwise(sequence):
                order.AddNodePrecedence(self.index(a), self.index(b), 1)

    def parameters(self, params: SolveParams, time_limit_s: float) -> pywrapcp.DefaultRoutingSearchParameters:
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, params.first_solution
        )
        search.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
        )
        search.time_limit.FromMilliseconds(max(100, int(time_limit_s * 1000)))
        if params.solution_limit is not None:
            search.solution_limit = params.solution_limit
        search.log_search = params.log_search
        return search

    def routes(self, assignment: pywrapcp.Assignment) -> tuple[tuple[int, ...], ...]:
        out = []
        for v in range(len(self.problem.vehicles)):
            index = self.model.Start(v)
            nodes = []
            index = assignment.Value(self.model.NextVar(index))
            while not self.model.IsEnd(index):
                nodes.append(int(self.manager.IndexToNode(index)))
                index = assignment.Value(self.model.NextVar(index))
            out.append(tuple(nodes))
        return tuple(out)


STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}


def search(
    problem: RoutingProblem,
    params: SolveParams,
    time_limit_s: float,
    *,
    initial: tuple[tuple[int, ...], ...] | None = None,
    max_vehicles: int | None = None,
) -> RoutingSolution:
    """The best routes OR-Tools finds within the limit, optionally starting from `initial`
    routes and using at most `max_vehicles` vehicles; empty routes if nothing was found."""
    began = time.perf_counter()
    built = _Built(problem)
    if max_vehicles is not None:
        built.model.SetMaximumNumberOfActiveVehicles(max_vehicles)
    parameters = built.parameters(params, time_limit_s)
    assignment = None
    start_routes = initial if initial is not None else problem.initial_routes
    if start_routes is not None:
        routes = [[built.index(node) for node in route] for route in start_routes]  # indices, not nodes
        start = built.model.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            assignment = built.model.SolveFromAssignmentWithParameters(start, parameters)
        else:
            log.info("warm start rejected by the model; solving from scratch")
    if assignment is None:
        assignment = built.model.SolveWithParameters(parameters)
    status = STATUS.get(built.model.status(), str(built.model.status()))
    seconds = time.perf_counter() - began
    if assignment is None:
        return RoutingSolution(tuple(() for _ in problem.vehicles), None, status, seconds)
    return RoutingSolution(built.routes(assignment), int(assignment.ObjectiveValue()), status, seconds)
