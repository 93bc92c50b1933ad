"""Crew reshaping between routing rounds: crews as a decision, not an input.

After a routing, crews that drive keep their trimmed members and their part of the vehicle;
idle escorts form crews tailored to requests still open that could be served alone (in free
time of a vehicle), then the rest of the idle escorts form crews among themselves. The part is
routed again with these crews and the better result is kept (planner.solve).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence

from planner.crew import Assignment, Crew, bind_crews, form_crews, pick
from planner.diagnose import Fleet, alone_option, crew_windows
from planner.model import Escort, Request, Scenario, Tour, Vehicle
from planner.travel import TravelMatrix


def reshape(
    assignments: Sequence[Assignment],
    tours: dict[int, Tour],
    pending: list[Request],
    *,
    part: Scenario,
    escorts: dict[str, Escort],
    vehicles: dict[str, Vehicle],
    fleet_of: Callable[[Request], Fleet],
    matrix: TravelMatrix,
) -> list[Assignment] | None:
    """New crews on vehicles for the next routing round, or None if nothing would change."""
    kept: list[Assignment] = []
    for v, a in enumerate(assignments):
        if v in tours and not a.locked:
            members = tuple(escorts[e] for e in tours[v].escorts)
            window = (max(e.shift_start for e in members), min(e.shift_end for e in members))
            a = Assignment(Crew(a.crew.zab, members, window), a.vehicle, limit=a.window)
        if v in tours or a.locked:
            kept.append(a)
    busy = {e.id for a in kept for e in a.crew.escorts}
    idle = [e for e in part.escorts if e.id not in busy]
    for request in sorted(pending, key=lambda r: (-r.priority, r.id)):
        tailored = crew_for(request, idle, kept, fleet_of(request), vehicles, matrix)
        if tailored is not None:
            kept.append(tailored)
            chosen = set(tailored.crew.ids)
            idle = [e for e in idle if e.id not in chosen]
    rest: list[Crew] = []
    for zab in sorted({e.zab for e in idle}):
        rest.extend(form_crews([e for e in idle if e.zab == zab], pending))
    reshaped = bind_crews(rest, part.vehicles, part.requests, taken=kept)
    before = {(a.vehicle.id, a.crew.ids) for a in assignments}
    return reshaped if {(a.vehicle.id, a.crew.ids) for a in reshaped} != before else None


def crew_for(
    request: Request,
    idle: list[Escort],
    taken: list[Assignment],
    fleet: Fleet,
    vehicles: dict[str, Vehicle],
    matrix: TravelMatrix,
) -> Assignment | None:
    """Idle escorts on a vehicle's free time with which the request could be served alone."""
    free = tuple(free_parts(fleet.vehicles, taken))
    on_duty = {e.id for e in fleet.escorts}  # ids: comparing whole escorts is slow
    pool = [e for e in idle if e.id in on_duty]
    for zab, (start, end), size in crew_windows(request, pool):
        staff = [e for e in pool if e.zab == zab and e.shift_start <= start and e.shift_end >= end]
        members = pick(staff, size, request.requires_female_escort, request.requires_medical_escort)
        if members is None:
            continue
        window = (max(e.shift_start for e in members), min(e.shift_end for e in members))
        option = alone_option(request, Fleet(free, tuple(members)), matrix)
        if option is not None:
            vehicle = option[0]
            limit = (vehicle.available_from, vehicle.available_until)
            return Assignment(Crew(zab, tuple(members), window), vehicles[vehicle.id], limit=limit)
    return None


def free_parts(vehicles: Iterable[Vehicle], taken: Iterable[Assignment]) -> Iterator[Vehicle]:
    """Each vehicle's free time around the parts already given to crews, as vehicles whose
    availability is that free part."""
    used: dict[str, list[tuple[int, int]]] = {}
    for a in taken:
        used.setdefault(a.vehicle.id, []).append(a.window)
    for vehicle in vehicles:
        if vehicle.id not in used:  # untouched: the vehicle itself, not a copy
            if vehicle.available_from < vehicle.available_until:
                yield vehicle
            continue
        start = vehicle.available_from
        for lo, hi in sorted(used[vehicle.id]):
            if lo > start:
                yield dataclasses.replace(vehicle, available_from=start, available_until=lo)
            start = max(start, hi)
        if start < vehicle.available_until:
            yield dataclasses.replace(vehicle, available_from=start, available_until=vehicle.available_until)
