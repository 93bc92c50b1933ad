"""An independent checker of the eleven validity rules of ../shared/spec/scenario-format.md.

Written from the spec text, not from the solver: it shares no code with the planner's search
(not even the travel model, which it computes itself from the spec's formula) and reports
every violation it finds instead of stopping at the first.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from planner.model import (
    HaversineTravel,
    Plan,
    Request,
    Scenario,
    Stop,
    StopType,
    Tour,
    UnassignedReason,
)

TOLERANCE_S = 60  # spec rule 2
MAX_TOUR_S = 10 * 3600  # spec rule 5
BREAK_MIN_BLOCK_S = 15 * 60


@dataclass(frozen=True, slots=True)
class Violation:
    rule: int
    message: str
    tour: int | None = None  # index into plan.tours
    request: str | None = None

    def __str__(self) -> str:
        where = f" (Tour {self.tour})" if self.tour is not None else ""
        return f"Regel {self.rule}{where}: {self.message}"


def validate(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every violation of the plan against the scenario; an empty list means the plan is valid."""
    ctx = _Context(scenario, plan)
    return [
        *_rule_1_every_request_once(ctx),
        *_rule_2_timing(ctx),
        *_rule_3_vehicle_window(ctx),
        *_rule_4_crew(ctx),
        *_rule_5_working_time(ctx),
        *_rule_6_seats(ctx),
        *_rule_7_escort_ratio(ctx),
        *_rule_8_qualifications(ctx),
        *_rule_9_zab(ctx),
        *_rule_10_locked_tours(ctx),
        *_rule_11_ride_time(ctx),
    ]


def _hhmm(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


class _Context:
    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.scenario = scenario
        self.plan = plan
        self.requests = {r.id: r for r in scenario.requests}
        self.vehicles = {v.id: v for v in scenario.vehicles}
        self.escorts = {e.id: e for e in scenario.escorts}
        self.locations = {loc.id: loc for loc in scenario.locations}
        self._travel = scenario.travel

    def travel_s(self, origin: str, destination: str) -> int | None:
        """Seconds between two locations by the spec's travel rule; None if unknown."""
        if origin not in self.locations or destination not in self.locations:
            return None
        if isinstance(self._travel, HaversineTravel):
            a, b = self.locations[origin], self.locations[destination]
            meters = _haversine_m(a.lat, a.lon, b.lat, b.lon) * self._travel.circuity
            speed = Fraction(repr(float(self._travel.speed_kmh))) / Fraction(36, 10)
            return math.ceil(Fraction(round(meters)) / speed)
        ids = self._travel.ids
        if origin not in ids or destination not in ids:
            return None
        return self._travel.seconds[ids.index(origin)][ids.index(destination)]

    def tours(self) -> Iterator[tuple[int, Tour]]:
        return iter(enumerate(self.plan.tours))

    def onboard_profile(self, tour: Tour) -> list[tuple[Stop, list[Request]]]:
        """The requests on board after each stop (picked up, not yet dropped off)."""
        aboard: list[Request] = []
        out = []
        for stop in tour.stops:
            request = self.requests.get(stop.request or "")
            if request is not None and stop.type is StopType.PICKUP:
                aboard.append(request)
            elif request is not None and stop.type is StopType.DROPOFF and request in aboard:
                aboard.remove(request)
            out.append((stop, list(aboard)))
        return out


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


# ------------------------------------------------------------------------------ rules


def _rule_1_every_request_once(ctx: _Context) -> Iterator[Violation]:
    """Each request once: one pickup and a later dropoff in the same tour, or unassigned."""
    seen: dict[str, list[tuple[int, int, StopType]]] = defaultdict(list)
    for t, tour in ctx.tours():
        for position, stop in enumerate(tour.stops):
            if stop.type is StopType.BREAK:
                continue
            if stop.request not in ctx.requests:
                yield Violation(1, f"unbekannter Auftrag {stop.request!r}", t, stop.request)
                continue
            seen[stop.request].append((t, position, stop.type))
    unassigned: dict[str, int] = defaultdict(int)
    for entry in ctx.plan.unassigned:
        unassigned[entry.request] += 1
        if entry.request not in ctx.requests:
            yield Violation(1, f"unbekannter Auftrag {entry.request!r} in unassigned", request=entry.request)
        if entry.reason not in set(UnassignedReason):
            yield Violation(1, f"unbekannter Grund {entry.reason!r}", request=entry.request)
    for request_id in ctx.requests:
        stops = seen.get(request_id, [])
        listed = unassigned.get(request_id, 0)
        if stops and listed:
            yield Violation(1, "gefahren und zugleich als nicht zugewiesen geführt", request=request_id)
        elif not stops and listed != 1:
            yield Violation(1, f"{listed}-mal statt genau einmal geführt", request=request_id)
        elif stops:
            kinds = sorted((kind.value, t, pos) for t, pos, kind in stops)
            if [k[0] for k in kinds] != ["dropoff", "pickup"]:
                yield Violation(1, "nicht genau eine Abholung und eine Übergabe", request=request_id)
            elif kinds[0][1] != kinds[1][1]:
                yield Violation(1, "Abholung und Übergabe in verschiedenen Touren", request=request_id)
            elif kinds[0][2] < kinds[1][2]:
                yield Violation(1, "Übergabe vor der Abholung", kinds[0][1], request_id)


def _rule_2_timing(ctx: _Context) -> Iterator[Violation]:
    """Travel, waiting, windows and service times along each tour (tolerance 60 s)."""
    for t, tour in ctx.tours():
        vehicle = ctx.vehicles.get(tour.vehicle)
        if vehicle is None:
            yield Violation(2, f"unbekanntes Fahrzeug {tour.vehicle!r}", t)
            continue
        where, ready = vehicle.depot, tour.start
        for stop in tour.stops:
            travel = ctx.travel_s(where, stop.location)
            if travel is None:
                yield Violation(2, f"unbekannter Ort {stop.location!r}", t, stop.request)
                break
            if stop.arrival + TOLERANCE_S < ready + travel:
                yield Violation(
                    2, f"Ankunft {_hhmm(stop.arrival)} in {stop.location} vor {_hhmm(ready + travel)}", t
                )
            if stop.start + TOLERANCE_S < stop.arrival:
                yield Violation(2, f"Beginn {_hhmm(stop.start)} vor der Ankunft in {stop.location}", t)
            yield from _stop_window(ctx, t, stop)
            where, ready = stop.location, stop.departure
        back = ctx.travel_s(where, vehicle.depot)
        if back is not None and tour.end + TOLERANCE_S < ready + back:
            yield Violation(2, f"Rückkehr {_hhmm(tour.end)} vor {_hhmm(ready + back)}", t)


def _stop_window(ctx: _Context, t: int, stop: Stop) -> Iterator[Violation]:
    if stop.type is StopType.BREAK:
        if stop.departure + TOLERANCE_S < stop.start:
            yield Violation(2, "Pause endet vor ihrem Beginn", t)
        return
    request = ctx.requests.get(stop.request or "")
    if request is None:
        return
    window = request.pickup if stop.type is StopType.PICKUP else request.dropoff
    if stop.location != window.location:
        yield Violation(2, f"{stop.type.value} in {stop.location} statt {window.location}", t, request.id)
    if not window.earliest - TOLERANCE_S <= stop.start <= window.latest + TOLERANCE_S:
        yield Violation(
            2,
            f"{stop.type.value} beginnt {_hhmm(stop.start)} außerhalb [{_hhmm(window.earliest)}, "
            f"{_hhmm(window.latest)}]",
            t,
            request.id,
        )
    if stop.departure + TOLERANCE_S < stop.start + window.service_min * 60:
        yield Violation(
            2, f"{stop.type.value}: Abfahrt vor Ende der Dienstzeit ({window.service_min} min)", t, request.id
        )


def _rule_3_vehicle_window(ctx: _Context) -> Iterator[Violation]:
    """Tours lie in the vehicle's availability; a vehicle cannot run two tours at once."""
    by_vehicle: dict[str, list[tuple[int, Tour]]] = defaultdict(list)
    for t, tour in ctx.tours():
        vehicle = ctx.vehicles.get(tour.vehicle)
        if vehicle is None:
            continue
        by_vehicle[tour.vehicle].append((t, tour))
        if tour.start < vehicle.available_from or tour.end > vehicle.available_until:
            yield Violation(
                3,
                f"{tour.vehicle} fährt {_hhmm(tour.start)}–{_hhmm(tour.end)}, verfügbar "
                f"{_hhmm(vehicle.available_from)}–{_hhmm(vehicle.available_until)}",
                t,
            )
        if tour.end < tour.start:
            yield Violation(3, "Tourende vor Tourbeginn", t)
    for tours in by_vehicle.values():
        tours.sort(key=lambda x: x[1].start)
        for (_, a), (t, b) in itertools.pairwise(tours):
            if b.start < a.end:
                yield Violation(3, f"{b.vehicle} ist zur selben Zeit in zwei Touren", t)


def _rule_4_crew(ctx: _Context) -> Iterator[Violation]:
    """Own-ZAB escorts, at most one tour each, tour within every member's shift, ≥ 1 escort."""
    tours_of: dict[str, list[int]] = defaultdict(list)
    for t, tour in ctx.tours():
        if not tour.escorts:
            yield Violation(4, "Tour ohne Begleitkraft", t)
        vehicle = ctx.vehicles.get(tour.vehicle)
        for escort_id in tour.escorts:
            escort = ctx.escorts.get(escort_id)
            if escort is None:
                yield Violation(4, f"unbekannte Begleitkraft {escort_id!r}", t)
                continue
            tours_of[escort_id].append(t)
            if vehicle is not None and escort.zab != vehicle.zab:
                yield Violation(4, f"{escort_id} ({escort.zab}) in Fahrzeug der {vehicle.zab}", t)
            if tour.start < escort.shift_start or tour.end > escort.shift_end:
                yield Violation(
                    4,
                    f"{escort_id}: Tour {_hhmm(tour.start)}–{_hhmm(tour.end)} außerhalb der Schicht "
                    f"{_hhmm(escort.shift_start)}–{_hhmm(escort.shift_end)}",
                    t,
                )
        if len(set(tour.escorts)) != len(tour.escorts):
            yield Violation(4, "Begleitkraft doppelt in der Besatzung", t)
    for escort_id, tours in tours_of.items():
        if len(tours) > 1:
            yield Violation(4, f"{escort_id} in {len(tours)} Touren", tours[1])


def _rule_5_working_time(ctx: _Context) -> Iterator[Violation]:
    """Arbeitszeitgesetz: ≤ 10 h; breaks (blocks ≥ 15 min) ≥ 30 min over 6 h, ≥ 45 min over 9 h."""
    for t, tour in ctx.tours():
        duration = tour.end - tour.start
        if duration > MAX_TOUR_S:
            yield Violation(5, f"Tour dauert {_hhmm(duration)} h (höchstens 10 h)", t)
        breaks = sum(
            s.departure - s.start
            for s in tour.stops
            if s.type is StopType.BREAK and s.departure - s.start >= BREAK_MIN_BLOCK_S
        )
        needed = 45 * 60 if duration > 9 * 3600 else 30 * 60 if duration > 6 * 3600 else 0
        if breaks < needed:
            yield Violation(
                5, f"Tour {_hhmm(duration)} h mit {breaks // 60} min Pause (nötig {needed // 60})", t
            )


def _rule_6_seats(ctx: _Context) -> Iterator[Violation]:
    """Persons on board plus crew never exceed the seats."""
    for t, tour in ctx.tours():
        vehicle = ctx.vehicles.get(tour.vehicle)
        if vehicle is None:
            continue
        for stop, aboard in ctx.onboard_profile(tour):
            persons = sum(r.persons for r in aboard)
            if persons + len(tour.escorts) > vehicle.seats:
                yield Violation(
                    6,
                    f"{persons} Personen + {len(tour.escorts)} Begleitkräfte > {vehicle.seats} Plätze",
                    t,
                    stop.request,
                )
                break


def _rule_7_escort_ratio(ctx: _Context) -> Iterator[Violation]:
    """Escorts required by the requests on board never exceed the crew."""
    for t, tour in ctx.tours():
        for stop, aboard in ctx.onboard_profile(tour):
            required = sum(r.escorts_required for r in aboard)
            if required > len(tour.escorts):
                yield Violation(
                    7, f"{required} Begleitkräfte nötig, {len(tour.escorts)} an Bord", t, stop.request
                )
                break


def _rule_8_qualifications(ctx: _Context) -> Iterator[Violation]:
    """Female and medical escorts where requested; wheelchair vehicles for wheelchair users."""
    for t, tour in ctx.tours():
        crew = [ctx.escorts[e] for e in tour.escorts if e in ctx.escorts]
        vehicle = ctx.vehicles.get(tour.vehicle)
        for stop in tour.stops:
            request = ctx.requests.get(stop.request or "")
            if request is None or stop.type is not StopType.PICKUP:
                continue
            if request.requires_female_escort and not any(e.gender == "f" for e in crew):
                yield Violation(8, "Begleiterin fehlt", t, request.id)
            if request.requires_medical_escort and not any("medical" in e.qualifications for e in crew):
                yield Violation(8, "medizinische Begleitung fehlt", t, request.id)
            if request.wheelchair and vehicle is not None and not vehicle.wheelchair:
                yield Violation(8, "Fahrzeug nicht rollstuhlgerecht", t, request.id)


def _rule_9_zab(ctx: _Context) -> Iterator[Violation]:
    """First pass: a request rides only in a vehicle of its own ZAB."""
    if ctx.scenario.cross_zab:
        return
    for t, tour in ctx.tours():
        vehicle = ctx.vehicles.get(tour.vehicle)
        for stop in tour.stops:
            request = ctx.requests.get(stop.request or "")
            if (
                request is not None
                and vehicle is not None
                and stop.type is StopType.PICKUP
                and request.zab != vehicle.zab
            ):
                yield Violation(9, f"Auftrag der {request.zab} im Fahrzeug der {vehicle.zab}", t, request.id)


def _rule_10_locked_tours(ctx: _Context) -> Iterator[Violation]:
    """Committed tours keep vehicle, crew and the order of their stops (insertions allowed)."""
    released = {u.request for u in ctx.plan.unassigned if u.reason is UnassignedReason.LOCKED_CONFLICT}
    for locked in ctx.scenario.locked:
        wanted = [(s.request, s.type) for s in locked.stops if s.request not in released]
        if not wanted:
            continue
        holders = [
            (t, tour) for t, tour in ctx.tours() if any((s.request, s.type) == wanted[0] for s in tour.stops)
        ]
        if not holders:
            yield Violation(10, f"feste Tour von {locked.vehicle} fehlt", request=wanted[0][0])
            continue
        t, tour = holders[0]
        if tour.vehicle != locked.vehicle:
            yield Violation(10, f"feste Tour auf {tour.vehicle} statt {locked.vehicle}", t)
        if set(tour.escorts) != set(locked.escorts):
            yield Violation(10, "Besatzung der festen Tour geändert", t)
        order = [(s.request, s.type) for s in tour.stops if (s.request, s.type) in set(wanted)]
        if order != wanted:
            yield Violation(10, "Reihenfolge der festen Stopps geändert oder Stopp fehlt", t)


def _rule_11_ride_time(ctx: _Context) -> Iterator[Violation]:
    """Dropoff start − pickup departure ≤ max_ride_min."""
    for t, tour in ctx.tours():
        left: dict[str, int] = {}
        for stop in tour.stops:
            request = ctx.requests.get(stop.request or "")
            if request is None:
                continue
            if stop.type is StopType.PICKUP:
                left[request.id] = stop.departure
            elif request.max_ride_min is not None and request.id in left:
                ride = stop.start - left[request.id]
                if ride > request.max_ride_min * 60 + TOLERANCE_S:
                    yield Violation(
                        11, f"Fahrtzeit {ride // 60} min > {request.max_ride_min} min", t, request.id
                    )
