"""From a scenario (or one ZAB's part of it) and its crews to a `RoutingProblem`, and back.

`Index` is the one place where routing nodes and vehicles are mapped to request ids and
crew assignments. The objective is lexicographic by priority (serving one request of a higher
priority outweighs every lower-priority request together with all kilometres and crew
hours), then kilometres, then crew hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.crew import Assignment
from planner.model import Request, StopType
from planner.problem import RoutingPair, RoutingProblem, RoutingVehicle
from planner.travel import TravelMatrix

MAX_TOUR_S = 10 * 3600
INT64_SAFE = 2**62
PERSONS, ESCORTS = 0, 1


@dataclass(frozen=True, slots=True)
class Index:
    """Routing nodes ↔ (request, stop type); routing vehicles ↔ crew assignments."""

    depots: dict[str, int]
    stops: dict[int, tuple[str, StopType]]
    nodes: dict[tuple[str, StopType], int]
    assignments: tuple[Assignment, ...]


def allowed(request: Request, a: Assignment, cross_zab: bool) -> bool:
    """Can this crew on this vehicle take the request, ignoring time and other requests?"""
    crew, vehicle = a.crew, a.vehicle
    if not cross_zab and vehicle.zab != request.zab:
        return False
    if request.wheelchair and not vehicle.wheelchair:
        return False
    if request.requires_female_escort and not crew.female:
        return False
    if request.requires_medical_escort and not crew.medical:
        return False
    if crew.size < request.escorts_required or vehicle.seats - crew.size < request.persons:
        return False
    lo, hi = a.window
    return lo < request.dropoff.latest and request.pickup.earliest < hi


def allowed_vehicles(
    requests: Sequence[Request], assignments: Sequence[Assignment], cross_zab: bool
) -> list[tuple[int, ...]]:
    """Per request, the indices of the assignments that `allowed` accepts for it.

    The same answer as calling `allowed` for every pair, computed as vector comparisons over
    the assignments: a 1000-request day has hundreds of thousands of pairs per routing.
    """
    if not assignments:
        return [() for _ in requests]
    zab = np.array([a.vehicle.zab for a in assignments])
    wheelchair = np.array([a.vehicle.wheelchair for a in assignments])
    female = np.array([a.crew.female for a in assignments])
    medical = np.array([a.crew.medical for a in assignments])
    size = np.array([a.crew.size for a in assignments], dtype=np.int64)
    free_seats = np.array([a.vehicle.seats for a in assignments], dtype=np.int64) - size
    windows = np.array([a.window for a in assignments], dtype=np.int64)
    out = []
    for r in requests:
        ok = (size >= r.escorts_required) & (free_seats >= r.persons)
        ok &= (windows[:, 0] < r.dropoff.latest) & (windows[:, 1] > r.pickup.earliest)
        if not cross_zab:
            ok &= zab == r.zab
        if r.wheelchair:
            ok &= wheelchair
        if r.requires_female_escort:
            ok &= female
        if r.requires_medical_escort:
            ok &= medical
        out.append(tuple(np.flatnonzero(ok).tolist()))
    return out


def penalties(requests: Sequence[Request], routing_bound: int) -> dict[int, int]:
    """Cost of leaving out one request of each priority, strictly lexicographic.

    P(1) exceeds every possible routing cost; P(p) exceeds P(1..p-1) for all lower-priority
    requests together.
    """
    counts = {p: sum(1 for r in requests if r.priority == p) for p in range(1, 6)}
    out: dict[int, int] = {}
    below = 0
    for p in range(1, 6):
        out[p] = routing_bound + below + 1
        below += counts[p] * out[p]
    return out


def build_problem(
    requests: Sequence[Request],
    assignments: Sequence[Assignment],
    matrix: TravelMatrix,
    *,
    cross_zab: bool,
    locked: dict[str, tuple[int, tuple[tuple[str, StopType], ...]]],
) -> tuple[RoutingProblem, Index]:
    """The routing problem; `locked` maps a vehicle's assignment to its committed stop order."""
    depot_ids = sorted({a.vehicle.depot for a in assignments})
    depots = {loc: i for i, loc in enumerate(depot_ids)}
    nodes: dict[tuple[str, StopType], int] = {}
    stops: dict[int, tuple[str, StopType]] = {}
    location = [matrix.index[loc] for loc in depot_ids]
    windows: list[tuple[int, int]] = [(0, 0)] * len(depot_ids)
    service = [0] * len(depot_ids)
    persons = [0] * len(depot_ids)
    escorts = [0] * len(depot_ids)
    for r in requests:
        for kind, window, sign in ((StopType.PICKUP, r.pickup, 1), (StopType.DROPOFF, r.dropoff, -1)):
            node = len(location)
            nodes[(r.id, kind)] = node
            stops[node] = (r.id, kind)
            location.append(matrix.index[window.location])
            windows.append((window.earliest, window.latest))
            service.append(window.service_min * 60)
            persons.append(sign * r.persons)
            escorts.append(sign * r.escorts_required)
    locked_owner = {rid: owner for owner, (_, seq) in locked.items() for rid, _ in seq}
    unit = _cost_unit(requests, assignments, matrix)
    bound = _routing_bound(assignments, _fastest(matrix), unit)
    price = penalties(requests, bound)
    pairs = []
    options = allowed_vehicles(requests, assignments, cross_zab)
    for r, allowed_for_r in zip(requests, options, strict=True):
        if r.id in locked_owner:
            vehicles: tuple[int, ...] | None = (locked[locked_owner[r.id]][0],)
            penalty: int | None = None
        else:
            vehicles = allowed_for_r
            penalty = price[r.priority]
        pairs.append(
            RoutingPair(
                pickup=nodes[(r.id, StopType.PICKUP)],
                delivery=nodes[(r.id, StopType.DROPOFF)],
                penalty=penalty,
                max_ride=None if r.max_ride_min is None else r.max_ride_min * 60,
                vehicles=vehicles,
            )
        )
    fleet = tuple(
        RoutingVehicle(
            start_node=depots[a.vehicle.depot],
            end_node=depots[a.vehicle.depot],
            window=a.window,
            capacities=(a.vehicle.seats - a.crew.size, a.crew.size),
            span_max=MAX_TOUR_S,
            span_cost=a.crew.size,  # one point per crew-second: crew hours after kilometres
            breaks=True,
        )
        for a in assignments
    )
    sequences = tuple(tuple(nodes[s] for s in seq) for _, seq in locked.values() if len(seq) > 1)
    horizon = max([hi for _, hi in windows] + [a.window[1] for a in assignments] + [0]) + 24 * 3600
    travel = np.asarray(matrix.seconds, dtype=np.int64)
    cost = np.asarray(matrix.meters, dtype=np.int64) * 10 // unit
    problem = RoutingProblem(
        node_location=tuple(location),
        travel=travel,
        cost=cost,
        windows=tuple(windows),
        service=tuple(service),
        loads=(tuple(persons), tuple(escorts)),
        vehicles=fleet,
        pairs=tuple(pairs),
        horizon=horizon,
        sequences=sequences,
        load_names=("persons", "escorts"),
    )
    return problem, Index(depots, stops, nodes, tuple(assignments))


def _fastest(matrix: TravelMatrix) -> float:
    """The highest speed of the matrix, metres per second."""
    meters = np.asarray(matrix.meters, dtype=np.float64)
    seconds = np.asarray(matrix.seconds, dtype=np.float64)
    moving = seconds > 0
    return float((meters[moving] / seconds[moving]).max()) if moving.any() else 0.0


def _routing_bound(assignments: Sequence[Assignment], fastest: float, unit: int) -> int:
    """More than any routing cost: every vehicle driving its whole 10 h at the fastest pace."""
    return sum(int(fastest * MAX_TOUR_S * 10 / unit) + 1 + a.crew.size * MAX_TOUR_S for a in assignments) + 1


def _cost_unit(requests: Sequence[Request], assignments: Sequence[Assignment], matrix: TravelMatrix) -> int:
    """Divisor of the arc cost (decimetres) so that all penalties fit into 64-bit integers."""
    fastest = _fastest(matrix)
    unit = 1
    while unit < 10**6:
        bound = _routing_bound(assignments, fastest, unit)
        price = penalties(requests, bound)  # once per unit, not once per request
        if sum(price[r.priority] for r in requests) + bound < INT64_SAFE:
            return unit
        unit *= 10
    return unit
