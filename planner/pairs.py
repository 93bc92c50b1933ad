"""Tours of two requests as columns of the master (planner.floor): one after the other, or both
aboard at once.

Routed tours are found by a search in bounded time and with crews formed before routing, so
on days where escorts of many shift classes meet requests needing 3–4 escorts, a woman or a
medic, the routed tours often hold a vehicle for hours with a crew that covers only them. The
master can only choose among the tours it is given; single tours alone need a vehicle per
request. Pairs fill the middle: two requests whose windows fit one tour (the return of an
outbound trip, two transfers to the same airport), timed exactly by `schedule` for every
crew window the part's staff could form for both (intersected with the vehicle's hours). The
master then decides which pairs, singles and routed tours to drive and with which vehicle type
and crew class, so a pair is never worse than its two singles.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from planner.diagnose import crew_windows, visits_of
from planner.model import Escort, Request, Tour, Vehicle
from planner.schedule import MAX_TOUR_S, RideLimit, Visit, schedule, shortest_duration
from planner.travel import TravelMatrix

NEAR_S = 2 * 3600  # the second request's pickup at most this long after the first's dropoff


def pair_tours(
    requests: Sequence[Request],
    vehicles: Sequence[Vehicle],
    escorts: Sequence[Escort],
    matrix: TravelMatrix,
    *,
    cross_zab: bool,
    deadline: float,
) -> list[Tour]:
    """Timed tours of two requests each (no crew yet: the master chooses it), for every pair
    of `requests` of one ZAB whose windows may meet on one tour, until `deadline`."""
    out: list[Tour] = []
    ordered = sorted(requests, key=lambda r: (r.pickup.earliest, r.id))
    for zab in sorted({v.zab for v in vehicles}):
        fleet = [v for v in vehicles if v.zab == zab]
        staff = [e for e in escorts if e.zab == zab]
        own = [r for r in ordered if cross_zab or r.zab == zab]
        # one representative vehicle per depot and hours: the master picks the type anew
        shapes: dict[tuple[str, int, int], Vehicle] = {}
        for v in sorted(fleet, key=lambda v: (-v.seats, v.id)):
            shapes.setdefault((v.depot, v.available_from, v.available_until), v)
        windows: dict[tuple[object, ...], list[tuple[int, int]]] = {}
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                if time.perf_counter() > deadline:
                    return out
                if b.pickup.earliest > max(a.dropoff.latest, a.pickup.latest) + NEAR_S:
                    break
                for first, second in ((a, b), (b, a)):
                    for seq, pooled in _orders(first, second):
                        stand_in = _joint(first, second, pooled)
                        key = (
                            stand_in.escorts_required,
                            stand_in.requires_female_escort,
                            stand_in.requires_medical_escort,
                        )
                        if key not in windows:
                            windows[key] = [w for _, w, _ in crew_windows(stand_in, staff)]
                        for vehicle in shapes.values():
                            wheel = first.wheelchair or second.wheelchair
                            if wheel and not any(v.wheelchair and v.depot == vehicle.depot for v in fleet):
                                continue
                            tour = time_order(matrix, vehicle, seq, windows[key])
                            if tour is not None:
                                out.append(tour)
    return out


Order = list[tuple[Request, bool]]  # (request, pickup?) in visiting order


def _orders(a: Request, b: Request) -> list[tuple[Order, bool]]:
    """Stop orders worth timing with `a` picked up first, and whether both are aboard at once:
    b after a's dropoff; both aboard (either dropped off first)."""
    out: list[tuple[Order, bool]] = []
    if b.pickup.latest >= a.dropoff.earliest and b.pickup.earliest <= a.dropoff.latest + NEAR_S:
        out.append(([(a, True), (a, False), (b, True), (b, False)], False))
    if b.pickup.earliest <= a.pickup.latest + 3600 and b.pickup.latest >= a.pickup.earliest:
        out.append(([(a, True), (b, True), (a, False), (b, False)], True))
        out.append(([(a, True), (b, True), (b, False), (a, False)], True))
    return out


def _joint(a: Request, b: Request, pooled: bool) -> Request:
    """A stand-in for the crew the pair needs (both aboard: their escorts together)."""
    together = a.escorts_required + b.escorts_required
    return replace(
        a,
        escorts_required=together if pooled else max(a.escorts_required, b.escorts_required),
        requires_female_escort=a.requires_female_escort or b.requires_female_escort,
        requires_medical_escort=a.requires_medical_escort or b.requires_medical_escort,
    )


def time_order(
    matrix: TravelMatrix, vehicle: Vehicle, seq: list[tuple[Request, bool]], windows: list[tuple[int, int]]
) -> Tour | None:
    visits: list[Visit] = []
    where: dict[tuple[str, bool], int] = {}
    onboard: list[int] = []
    aboard = 0
    for r, up in seq:
        single, _ = visits_of(r)
        visits.append(single[0] if up else single[1])
        where[(r.id, up)] = len(visits) - 1
        aboard += r.persons if up else -r.persons
        onboard.append(aboard)
    rides = [
        RideLimit(where[(r.id, True)], where[(r.id, False)], r.max_ride_min * 60)
        for r, up in seq
        if up and r.max_ride_min is not None
    ]
    spans = [(max(lo, vehicle.available_from), min(hi, vehicle.available_until)) for lo, hi in windows]
    spans = [(lo, hi) for lo, hi in spans if lo < hi]
    if len(spans) > 1:
        # one timing over the hull of the windows first: where it fails, or a window is
        # shorter than the shortest tour within the hull, no window can hold the tour (most
        # orders tried cannot be timed at all, and each window costs a full timing)
        hull = (min(lo for lo, _ in spans), max(hi for _, hi in spans))
        shortest = shortest_duration(matrix, vehicle.depot, visits, rides, hull)
        if shortest is None or shortest > MAX_TOUR_S:
            return None
        spans = [(lo, hi) for lo, hi in spans if hi - lo >= shortest]
    for window in spans:
        timing = schedule(matrix, vehicle.depot, visits, rides, window, onboard=onboard)
        if timing is not None:
            return Tour(vehicle.id, (), timing.start, timing.end, timing.stops)
    return None
