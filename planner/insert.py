"""Insertion of open requests into the routed tours, adding idle escorts where the crew is short.

After routing, requests that could be served alone may still be open while escorts sit idle
(crews are formed before routing). Each open request, highest priority first, is tried at
every pair of positions of every tour of a fitting vehicle; if the tour's crew is too small
or lacks a woman or a medic, idle escorts of the vehicle's ZAB join it (never on a committed
tour, whose crew is fixed). The tour is timed exactly again (`schedule`) in the part of the day
its vehicle is free, within the shifts of the whole crew; the cheapest insertion — fewest
added escorts, then the least added tour time — is kept. Every tour stays valid by
construction: seats, escort ratio, qualifications, vehicle and crew windows, ride limits and
breaks are all checked here or by the timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.crew import pick
from planner.model import Escort, Request, StopType, Tour, Vehicle
from planner.schedule import Timing

StopKey = tuple[str, StopType]
TimingFn = Callable[[Vehicle, Sequence[StopKey], tuple[int, int]], Timing | None]
NEAR_S = 3 * 3600  # a request more than this before or after a tour is not tried on it


@dataclass(frozen=True, slots=True)
class _Option:
    rank: tuple[int, int]
    index: int
    tour: Tour


def insert_open(
    tours: list[Tour],
    pending: Sequence[Request],
    *,
    requests: dict[str, Request],
    vehicles: dict[str, Vehicle],
    staff: dict[str, Escort],
    locked: set[int],
    cross_zab: bool,
    timing: TimingFn,
    deadline: float,
) -> list[Tour]:
    """The tours with as many of `pending` inserted as fit (tours at indices `locked` keep their crew)."""
    tours = list(tours)
    busy = {e for t in tours for e in t.escorts}
    idle = sorted(
        (e for e in staff.values() if e.id not in busy), key=lambda e: (e.shift_end - e.shift_start, e.id)
    )
    for request in sorted(pending, key=lambda r: (-r.priority, r.id)):
        if time.perf_counter() > deadline:
            break
        best: _Option | None = None
        for i, tour in enumerate(tours):
            vehicle = vehicles[tour.vehicle]
            if (not cross_zab and vehicle.zab != request.zab) or (
                request.wheelchair and not vehicle.wheelchair
            ):
                continue
            if request.pickup.earliest > tour.end + NEAR_S or request.dropoff.latest < tour.start - NEAR_S:
                continue
            option = _best_in(tour, i, request, tours, vehicle, requests, idle, staff, i in locked, timing)
            if option is not None and (best is None or option.rank < best.rank):
                best = option
        if best is not None:
            tours[best.index] = best.tour
            joined = set(best.tour.escorts)
            idle = [e for e in idle if e.id not in joined]
    return tours


def _best_in(
    tour: Tour,
    index: int,
    request: Request,
    tours: list[Tour],
    vehicle: Vehicle,
    requests: dict[str, Request],
    idle: list[Escort],
    staff: dict[str, Escort],
    locked: bool,
    timing: TimingFn,
) -> _Option | None:
    others = [t for j, t in enumerate(tours) if j != index and t.vehicle == tour.vehicle]
    lo = max([vehicle.available_from] + [t.end for t in others if t.end <= tour.start])
    hi = min([vehicle.available_until] + [t.start for t in others if t.start >= tour.end])
    seq: list[StopKey] = [
        (s.request, s.type) for s in tour.stops if s.request and s.type is not StopType.BREAK
    ]
    crew_ids = set(tour.escorts)
    current = [staff[e] for e in tour.escorts]
    best: _Option | None = None
    pickup, dropoff = (request.id, StopType.PICKUP), (request.id, StopType.DROPOFF)
    for a in range(len(seq) + 1):
        for b in range(a, len(seq) + 1):
            stops = [*seq[:a], pickup, *seq[a:b], dropoff, *seq[b:]]
            need = _needs(stops, requests, vehicle)
            if need is None:
                continue
            peak, persons_peak, female, medical = need
            crew = _crew(tour, current, idle, peak, female, medical, locked, vehicle, persons_peak)
            if crew is None:
                continue
            window = (max(lo, max(e.shift_start for e in crew)), min(hi, min(e.shift_end for e in crew)))
            if window[0] >= window[1]:
                continue
            timed = timing(vehicle, stops, window)
            if timed is None:
                continue
            added = len(crew) - len(crew_ids)
            rank = (added, timed.duration - (tour.end - tour.start))
            if best is None or rank < best.rank:
                ids = tuple(sorted(e.id for e in crew))
                best = _Option(rank, index, Tour(tour.vehicle, ids, timed.start, timed.end, timed.stops))
    return best


def _needs(
    stops: Sequence[StopKey], requests: dict[str, Request], vehicle: Vehicle
) -> tuple[int, int, bool, bool] | None:
    """Peak escorts and persons on board, whether a woman / a medic is needed; None if the
    order is impossible (a dropoff before its pickup cannot occur here)."""
    load = persons = peak = persons_peak = 0
    female = medical = False
    for rid, kind in stops:
        r = requests[rid]
        sign = 1 if kind is StopType.PICKUP else -1
        load += sign * r.escorts_required
        persons += sign * r.persons
        peak, persons_peak = max(peak, load), max(persons_peak, persons)
        female |= r.requires_female_escort
        medical |= r.requires_medical_escort
        if persons > vehicle.seats - 1:
            return None
    return max(1, peak), persons_peak, female, medical


def _crew(
    tour: Tour,
    current: list[Escort],
    idle: list[Escort],
    peak: int,
    female: bool,
    medical: bool,
    locked: bool,
    vehicle: Vehicle,
    persons_peak: int,
) -> list[Escort] | None:
    """The tour's crew, completed from idle escorts of the vehicle's ZAB if it falls short.

    Only escorts whose shift covers the tour as it stands are asked (the timing then keeps the
    whole tour within every member's shift)."""
    has_f = any(e.is_female for e in current)
    has_m = any(e.is_medical for e in current)
    missing = max(0, peak - len(current))
    if not missing and (has_f or not female) and (has_m or not medical):
        return current if persons_peak + len(current) <= vehicle.seats else None
    if locked:
        return None
    pool = [
        e for e in idle if e.zab == vehicle.zab and e.shift_start <= tour.start and e.shift_end >= tour.end
    ]
    extra = pick(pool, missing, female and not has_f, medical and not has_m)
    if extra is None:
        return None
    crew = current + extra
    return crew if persons_peak + len(crew) <= vehicle.seats else None
