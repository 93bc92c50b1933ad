"""Committed (locked) tours: timed together per vehicle, so that all of them survive every pass.

A vehicle may carry several committed tours (two crews one after the other). Timing each on
its own may place them so that they overlap (each takes its shortest schedule wherever its
crew's shift allows), after which one of them cannot be kept. So the committed tours of one
vehicle are timed in sequence: in the order of their own earliest timing, each starts no
earlier than the previous one ends (a forward pass); if that loses a tour, a backward pass
(each ends no later than the next one starts) is tried and the pass keeping more tours wins.
Each timed tour then owns the part of the vehicle's day between the middles of the gaps to
its neighbours, so stops inserted later never make two of them overlap. A committed tour that
cannot be driven at all (unknown vehicle or escort, crew too small, no timing) is reported as
`locked_conflict` — never silently dropped.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.model import Escort, LockedStop, LockedTour, Plan, Request, StopType, Tour, Vehicle
from planner.schedule import Timing

StopKey = tuple[str, StopType]
TimingFn = Callable[[Vehicle, Sequence[StopKey], tuple[int, int]], Timing | None]
FAR = 10**9


@dataclass(frozen=True, slots=True)
class Committed:
    """Per committed tour (in scenario order): its timing on its own, None if it cannot be
    kept, and the part of its vehicle's day it may use (None: the whole day)."""

    tours: tuple[Tour | None, ...]
    limits: tuple[tuple[int, int] | None, ...]

    def conflicts(self, locked: Sequence[LockedTour]) -> dict[str, str]:
        """Request id -> vehicle for the stops of committed tours that cannot be kept."""
        return {
            s.request: tour.vehicle
            for tour, timed in zip(locked, self.tours, strict=True)
            if timed is None
            for s in tour.stops
        }


def time_committed(
    locked: Sequence[LockedTour],
    vehicles: dict[str, Vehicle],
    escorts: dict[str, Escort],
    requests: dict[str, Request],
    timing: TimingFn,
) -> Committed:
    tours: list[Tour | None] = [None] * len(locked)
    limits: list[tuple[int, int] | None] = [None] * len(locked)
    base: dict[int, tuple[int, int]] = {}
    for i, tour in enumerate(locked):
        window = _window(tour, vehicles, escorts, requests)
        if window is not None:
            base[i] = window
    by_vehicle: dict[str, list[int]] = defaultdict(list)
    for i in base:
        by_vehicle[locked[i].vehicle].append(i)
    for vehicle_id, indices in by_vehicle.items():
        vehicle = vehicles[vehicle_id]

        def timed(i: int, lo: int = -FAR, hi: int = FAR, vehicle: Vehicle = vehicle) -> Tour | None:
            window = (max(base[i][0], lo), min(base[i][1], hi))
            if window[0] >= window[1]:
                return None
            stops = [(s.request, s.type) for s in locked[i].stops]
            t = timing(vehicle, stops, window)
            if t is None:
                return None
            return Tour(vehicle.id, tuple(sorted(locked[i].escorts)), t.start, t.end, t.stops)

        alone = {i: timed(i) for i in indices}
        order = sorted((i for i in indices if alone[i] is not None), key=lambda i: (alone[i].start, i))  # type: ignore[union-attr]
        forward: dict[int, Tour] = {}
        end = -FAR
        for i in order:
            t = timed(i, lo=end)
            if t is not None:
                forward[i] = t
                end = t.end
        chosen = forward
        if len(forward) < len(order):
            backward: dict[int, Tour] = {}
            start = FAR
            for i in reversed(order):
                t = timed(i, hi=start)
                if t is not None:
                    backward[i] = t
                    start = t.start
            if len(backward) > len(forward):
                chosen = backward
        for i, t in chosen.items():
            tours[i] = t
        kept = sorted(chosen, key=lambda i: chosen[i].start)
        if len(kept) > 1:
            cuts = [(chosen[a].end + chosen[b].start) // 2 for a, b in itertools.pairwise(kept)]
            for k, i in enumerate(kept):
                limits[i] = (cuts[k - 1] if k else -FAR, cuts[k] if k < len(cuts) else FAR)
    return Committed(tuple(tours), tuple(limits))


def _window(
    tour: LockedTour, vehicles: dict[str, Vehicle], escorts: dict[str, Escort], requests: dict[str, Request]
) -> tuple[int, int] | None:
    """The vehicle's hours within every member's shift, if vehicle, crew and stops can stand."""
    if tour.vehicle not in vehicles or not tour.escorts or any(e not in escorts for e in tour.escorts):
        return None
    if any(s.request not in requests for s in tour.stops):
        return None
    vehicle = vehicles[tour.vehicle]
    members = [escorts[e] for e in tour.escorts]
    stops = [(s.request, s.type) for s in tour.stops]
    if not crew_fits(stops, requests, vehicle, members):
        return None
    return (
        max([vehicle.available_from] + [e.shift_start for e in members]),
        min([vehicle.available_until] + [e.shift_end for e in members]),
    )


def crew_fits(
    stops: Sequence[StopKey], requests: dict[str, Request], vehicle: Vehicle, members: Sequence[Escort]
) -> bool:
    """Seats, escort ratio, a woman and a medic where asked, a wheelchair vehicle where needed."""
    size = len(members)
    persons = peak = load = 0
    for rid, kind in stops:
        r = requests[rid]
        sign = 1 if kind is StopType.PICKUP else -1
        persons += sign * r.persons
        load += sign * r.escorts_required
        peak = max(peak, load)
        if persons + size > vehicle.seats:
            return False
    needs_female = any(requests[rid].requires_female_escort for rid, _ in stops)
    needs_medical = any(requests[rid].requires_medical_escort for rid, _ in stops)
    return (
        peak <= size
        and (not needs_female or any(e.is_female for e in members))
        and (not needs_medical or any(e.is_medical for e in members))
        and not any(requests[rid].wheelchair and not vehicle.wheelchair for rid, _ in stops)
    )


def commit_all(plan: Plan) -> tuple[LockedTour, ...]:
    """Every tour of the plan as a committed tour: same vehicle, crew and stop order."""
    return tuple(
        LockedTour(t.vehicle, t.escorts, tuple(LockedStop(s.request, s.type) for s in t.stops if s.request))
        for t in plan.tours
    )


def kept(locked: Sequence[LockedTour], plan: Plan) -> int:
    """How many of the committed tours the plan drives as committed: one tour with the same
    vehicle and crew carrying all their requests in their order."""
    count = 0
    for c in locked:
        ids = [s.request for s in c.stops]
        holders = [t for t in plan.tours if any(s.request == ids[0] for s in t.stops)]
        if len(holders) != 1:
            continue
        tour = holders[0]
        order = [(s.request, s.type) for s in tour.stops if s.request]
        wanted = [(s.request, s.type) for s in c.stops]
        same_crew = (tour.vehicle, set(tour.escorts)) == (c.vehicle, set(c.escorts))
        count += same_crew and [k for k in order if k in wanted] == wanted
    return count
