"""A second family of NRW days for the benchmark: heavier crews, mixed shifts (issue 17).

The routes and windows are the demo generator's (real NRW places, flights, hearings,
hand-overs); what differs is drawn again from a `Mix`: requests of 1–5 persons needing 2–4
escorts, about a third needing a female escort, some a medical one, and escorts whose shifts
start at ten different hours. The fleet is sized from what the day needs if every request
were driven alone, times a factor (1.5 ample, 0.6 tight), so neither family's staffing is the
yardstick of the other. What "needs" counts is `Mix.sizing`:

- `hours`: escort hours and vehicle hours, divided by 7 h per escort and 12 h per vehicle.
  Every escort rides one tour a day (spec rule 4), so these days have fewer escorts than
  Σ escorts_required (0.8–0.9× in most ZABs at factor 1.5): the planner must join requests
  into tours to serve them all, and whether any plan serves them all is not known.
- `alone`: the escorts and vehicles that serving every request on its own tour takes — Σ
  escorts_required escorts, and as many vehicles as such tours overlap at their earliest
  times. At factor 1.5 that is "≥ 1.5× what the day needs" in the sense of issue 17.

Every share is a parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from fixtures.demo_day import generate_day
from planner.model import Escort, HaversineTravel, Request, Scenario, Vehicle
from planner.travel import HaversineProvider

H = 3600


@dataclass(frozen=True)
class Mix:
    persons: tuple[float, ...] = (0.35, 0.25, 0.2, 0.12, 0.08)  # weights of 1..5 persons
    extra_escorts: tuple[float, ...] = (0.45, 0.35, 0.2)  # 2, 3 or 4 escorts (at least persons-based)
    female_share: float = 1 / 3  # requests needing a female escort
    medical_share: float = 0.12  # requests needing a medical escort
    wheelchair_share: float = 0.04
    escort_female_share: float = 0.4
    escort_medical_share: float = 0.2
    shift_starts: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10, 11, 12, 14)  # ten different hours
    shift_hours: tuple[int, ...] = (8, 9, 10)
    seats: tuple[int, ...] = (7, 9, 9)
    wheelchair_vehicle_share: float = 0.2
    vehicle_hours: tuple[int, int] = (4, 23)
    shift_hours_per_escort: float = 7.0  # escort hours the sizing counts per person on duty
    vehicle_hours_per_vehicle: float = 12.0
    sizing: str = "hours"  # "hours" or "alone": what the fleet factor multiplies (module doc)


def mixed_day(day: dt.date, size: int, factor: float, seed: int, mix: Mix | None = None) -> Scenario:
    """A day of `size` requests with the mix drawn anew and a fleet of `factor` × its need."""
    mix = mix or Mix()
    base = generate_day(day, requests=size, fleet_scale=1.0, seed=seed).scenario
    rng = random.Random(seed * 7919 + size)
    requests = tuple(_redraw(r, rng, mix) for r in base.requests)
    travel = base.travel
    assert isinstance(travel, HaversineTravel)
    matrix = HaversineProvider(travel.circuity, travel.speed_kmh).matrix(base.locations)
    time_of = {
        (a, b): matrix.seconds[i][j] for i, a in enumerate(matrix.ids) for j, b in enumerate(matrix.ids)
    }
    need = _need_alone(requests, time_of) if mix.sizing == "alone" else _need_in_hours(requests, time_of, mix)
    vehicles: list[Vehicle] = []
    escorts: list[Escort] = []
    for zab in sorted({v.zab for v in base.vehicles}):
        escorts_needed, vehicles_needed = need.get(zab, (0.0, 0.0))
        n_escorts = max(2, math.ceil(factor * escorts_needed))
        n_vehicles = max(1, math.ceil(factor * vehicles_needed))
        for i in range(n_vehicles):
            vehicles.append(
                Vehicle(
                    f"{zab}-MV{i + 1:03d}",
                    zab,
                    zab,
                    rng.choice(mix.seats),
                    i == 0 or rng.random() < mix.wheelchair_vehicle_share,
                    mix.vehicle_hours[0] * H,
                    mix.vehicle_hours[1] * H,
                )
            )
        for i in range(n_escorts):
            start = mix.shift_starts[i % len(mix.shift_starts)] * H
            escorts.append(
                Escort(
                    f"{zab}-ME{i + 1:04d}",
                    zab,
                    "f" if rng.random() < mix.escort_female_share else "m",
                    ("medical",) if rng.random() < mix.escort_medical_share else (),
                    start,
                    start + rng.choice(mix.shift_hours) * H,
                )
            )
    return dataclasses.replace(base, requests=requests, vehicles=tuple(vehicles), escorts=tuple(escorts))


Need = dict[str, tuple[float, float]]  # ZAB → (escorts, vehicles) the day needs


def _alone_tour(r: Request, time_of: dict[tuple[str, str], int]) -> tuple[int, int]:
    """Leaving the ZAB, the request's pickup at its earliest, the direct ride, back: (start, end)."""
    start = r.pickup.earliest - time_of[(r.zab, r.pickup.location)]
    length = (
        time_of[(r.zab, r.pickup.location)]
        + r.pickup.service_min * 60
        + time_of[(r.pickup.location, r.dropoff.location)]
        + r.dropoff.service_min * 60
        + time_of[(r.dropoff.location, r.zab)]
    )
    return start, start + length


def _need_in_hours(requests: tuple[Request, ...], time_of: dict[tuple[str, str], int], mix: Mix) -> Need:
    escort_s: dict[str, float] = defaultdict(float)
    vehicle_s: dict[str, float] = defaultdict(float)
    for r in requests:
        start, end = _alone_tour(r, time_of)
        escort_s[r.zab] += (end - start) * r.escorts_required
        vehicle_s[r.zab] += end - start
    per_escort, per_vehicle = mix.shift_hours_per_escort * H, mix.vehicle_hours_per_vehicle * H
    return {zab: (escort_s[zab] / per_escort, vehicle_s[zab] / per_vehicle) for zab in escort_s}


def _need_alone(requests: tuple[Request, ...], time_of: dict[tuple[str, str], int]) -> Need:
    escorts: dict[str, float] = defaultdict(float)
    events: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in requests:
        escorts[r.zab] += r.escorts_required
        start, end = _alone_tour(r, time_of)
        events[r.zab] += [(start, 1), (end, -1)]  # an end before a start at the same second
    need = {}
    for zab, marks in events.items():
        load = peak = 0
        for _, step in sorted(marks):
            load += step
            peak = max(peak, load)
        need[zab] = (escorts[zab], float(peak))
    return need


def _redraw(r: Request, rng: random.Random, mix: Mix) -> Request:
    persons = rng.choices(range(1, len(mix.persons) + 1), weights=mix.persons)[0]
    escorts = min(4, max(2, math.ceil(persons / 2) + 1, rng.choices((2, 3, 4), weights=mix.extra_escorts)[0]))
    return dataclasses.replace(
        r,
        persons=persons,
        escorts_required=escorts,
        requires_female_escort=rng.random() < mix.female_share,
        requires_medical_escort=rng.random() < mix.medical_share,
        wheelchair=rng.random() < mix.wheelchair_share,
    )
