"""A pickup-and-delivery routing problem in integers: what the routing search solves.

Generic on purpose: NRW days (`planner.build`) and the public PDPTW benchmarks (issue 4) are
both expressed in it, so both run the same search code. Nodes are integers; each node sits at
a location index of the travel and cost matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RoutingVehicle:
    start_node: int
    end_node: int
    window: tuple[int, int]  # leave the start no earlier, be back no later
    capacities: tuple[int, ...]  # one per load dimension
    span_max: int | None = None
    span_cost: int = 0  # objective cost per second of route duration
    fixed_cost: int = 0
    breaks: bool = False  # Arbeitszeitgesetz: 30 min after 6 h, 45 min after 9 h


@dataclass(frozen=True, slots=True)
class RoutingPair:
    pickup: int
    delivery: int
    penalty: int | None  # cost of leaving the pair out; None = must be served
    max_ride: int | None = None  # delivery start − pickup departure
    vehicles: tuple[int, ...] | None = None  # allowed vehicles; None = any


@dataclass(frozen=True)
class RoutingProblem:
    node_location: tuple[int, ...]
    travel: IntMatrix  # seconds between locations
    cost: IntMatrix  # arc cost between locations (objective units)
    windows: tuple[tuple[int, int], ...]  # per node: service may start in [earliest, latest]
    service: tuple[int, ...]  # per node, seconds
    loads: tuple[tuple[int, ...], ...]  # per load dimension, per node: change of load
    vehicles: tuple[RoutingVehicle, ...]
    pairs: tuple[RoutingPair, ...]
    horizon: int
    sequences: tuple[tuple[int, ...], ...] = ()  # nodes to visit in this order on one vehicle
    initial_routes: tuple[tuple[int, ...], ...] | None = None  # warm start, one per vehicle
    load_names: tuple[str, ...] = field(default=())

    @property
    def nodes(self) -> int:
        return len(self.node_location)


@dataclass(frozen=True, slots=True)
class RoutingSolution:
    routes: tuple[tuple[int, ...], ...]  # visited nodes per vehicle, depots excluded
    objective: int | None
    status: str
    seconds: float
