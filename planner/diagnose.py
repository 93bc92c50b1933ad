"""Why a request stays unassigned: a reason code of spec rule 1 and a German detail.

`infeasible_alone` (and the more specific `time_window`, `no_wheelchair_vehicle`,
`no_qualified_escort`) are given only when the request could not be served even as the only
request of the day, which is checked by scheduling it alone with every vehicle and every
crew the ZAB's staff on duty could form. Otherwise the fleet was busy: `no_capacity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.clock import Clock
from planner.model import Escort, Request, StopType, Unassigned, UnassignedReason, Vehicle
from planner.schedule import MAX_TOUR_S, RideLimit, Visit, schedule
from planner.travel import TravelMatrix

R = UnassignedReason


@dataclass(frozen=True, slots=True)
class Fleet:
    """Vehicles and escorts on duty that may serve a request (its ZAB, or all in the second pass)."""

    vehicles: tuple[Vehicle, ...]
    escorts: tuple[Escort, ...]


def visits_of(request: Request) -> tuple[list[Visit], list[RideLimit]]:
    """The pickup and dropoff of a request served alone."""
    visits = [
        Visit(
            StopType.PICKUP,
            request.id,
            request.pickup.location,
            request.pickup.earliest,
            request.pickup.latest,
            request.pickup.service_min * 60,
        ),
        Visit(
            StopType.DROPOFF,
            request.id,
            request.dropoff.location,
            request.dropoff.earliest,
            request.dropoff.latest,
            request.dropoff.service_min * 60,
        ),
    ]
    rides = [] if request.max_ride_min is None else [RideLimit(0, 1, request.max_ride_min * 60)]
    return visits, rides


def crew_size(request: Request, pool: Sequence[Escort]) -> int | None:
    """The smallest crew from `pool` that can take the request, or None if none can:
    enough escorts, a woman and a medic where needed (two people unless one is both)."""
    roles = 0
    if request.requires_female_escort and request.requires_medical_escort:
        if not any(e.is_female for e in pool) or not any(e.is_medical for e in pool):
            return None
        roles = 1 if any(e.is_female and e.is_medical for e in pool) else 2
    elif request.requires_female_escort:
        roles = 1 if any(e.is_female for e in pool) else -1
    elif request.requires_medical_escort:
        roles = 1 if any(e.is_medical for e in pool) else -1
    size = max(1, request.escorts_required, roles)
    return size if roles >= 0 and len(pool) >= size else None


def crew_windows(request: Request, escorts: Sequence[Escort]) -> list[tuple[str, tuple[int, int], int]]:
    """(ZAB, window, crew size) of every crew able to take the request that the staff on
    duty could form.

    A crew's window is the intersection of its members' shifts: [latest start, earliest end]
    over the members. Every such window is some escort's start with some escort's end, so those
    pairs are the candidates; only windows not contained in another feasible one are returned.
    """
    out = []
    for zab in sorted({e.zab for e in escorts}):
        staff = [e for e in escorts if e.zab == zab]
        feasible: dict[tuple[int, int], int] = {}
        for start in sorted({e.shift_start for e in staff}):
            for end in sorted({e.shift_end for e in staff}):
                if end > start:
                    size = crew_size(
                        request, [e for e in staff if e.shift_start <= start and e.shift_end >= end]
                    )
                    if size is not None:
                        feasible[(start, end)] = size
        for window, size in feasible.items():
            if not any(o != window and o[0] <= window[0] and o[1] >= window[1] for o in feasible):
                out.append((zab, window, size))
    return out


def feasible_alone(request: Request, fleet: Fleet, matrix: TravelMatrix) -> bool:
    return alone_option(request, fleet, matrix) is not None


def alone_option(
    request: Request, fleet: Fleet, matrix: TravelMatrix
) -> tuple[Vehicle, tuple[int, int]] | None:
    """A vehicle and a crew window (shift) with which the request could be served alone."""
    visits, rides = visits_of(request)
    # Vehicles of a ZAB mostly share depot and hours: each (depot, window) is timed once.
    tried: set[tuple[str, tuple[int, int]]] = set()
    for zab, (start, end), size in crew_windows(request, fleet.escorts):
        for vehicle in fleet.vehicles:
            if vehicle.zab != zab or (request.wheelchair and not vehicle.wheelchair):
                continue
            if vehicle.seats < request.persons + size:
                continue
            window = (max(start, vehicle.available_from), min(end, vehicle.available_until))
            if window[0] >= window[1] or (vehicle.depot, window) in tried:
                continue
            tried.add((vehicle.depot, window))
            timed = schedule(matrix, vehicle.depot, visits, rides, window, onboard=[request.persons, 0])
            if timed is not None:
                return vehicle, (start, end)
    return None


def explain(request: Request, fleet: Fleet, matrix: TravelMatrix, clock: Clock) -> Unassigned:
    """The reason the request is not on any tour, with a detail a dispatcher understands."""
    say = _Words(clock)
    direct = matrix.time(request.pickup.location, request.dropoff.location)
    if request.pickup.earliest + request.pickup.service_min * 60 + direct > request.dropoff.latest:
        return Unassigned(
            request.id,
            R.TIME_WINDOW,
            (
                f"Abholung frühestens {say.at(request.pickup.earliest)} "
                f"(Dauer {request.pickup.service_min} min), "
                f"Fahrzeit {say.span(direct)}, Übergabe spätestens {say.at(request.dropoff.latest)} — "
                "allein nicht erreichbar."
            ),
        )
    if request.max_ride_min is not None and direct > request.max_ride_min * 60:
        return Unassigned(
            request.id,
            R.TIME_WINDOW,
            (
                f"Fahrzeit {say.span(direct)} ist länger als die höchste Fahrtzeit "
                f"von {request.max_ride_min} min."
            ),
        )
    zabs = ", ".join(sorted({v.zab for v in fleet.vehicles})) or "keine ZAB"
    if request.wheelchair and not any(v.wheelchair for v in fleet.vehicles):
        return Unassigned(request.id, R.NO_WHEELCHAIR_VEHICLE, f"Kein rollstuhlgerechtes Fahrzeug ({zabs}).")
    windows = crew_windows(request, fleet.escorts)
    if not windows:
        return Unassigned(request.id, R.NO_QUALIFIED_ESCORT, _missing_staff(request, fleet, zabs))
    smallest = min(size for _, _, size in windows)
    fitting = [
        v
        for v in fleet.vehicles
        if v.seats >= request.persons + smallest and (v.wheelchair or not request.wheelchair)
    ]
    if not fitting:
        largest = max((v.seats for v in fleet.vehicles if v.wheelchair or not request.wheelchair), default=0)
        return Unassigned(
            request.id,
            R.INFEASIBLE_ALONE,
            (
                f"{request.persons} Personen und {smallest} Begleitkräfte brauchen "
                f"{request.persons + smallest} Plätze; das größte passende Fahrzeug hat {largest}."
            ),
        )
    if alone_option(request, fleet, matrix) is None:
        return Unassigned(request.id, R.INFEASIBLE_ALONE, _why_not_alone(request, fleet, matrix, say))
    return Unassigned(
        request.id,
        R.NO_CAPACITY,
        (
            "Allein fahrbar, aber alle passenden Fahrzeuge und Teams sind zu dieser Zeit verplant."
            + (" Benötigt: " + ", ".join(_needs(request)) + "." if _needs(request) else "")
        ),
    )


def locked_conflict(request: Request, vehicle: str) -> Unassigned:
    return Unassigned(
        request.id,
        R.LOCKED_CONFLICT,
        (
            f"Die feste Tour auf {vehicle} ist mit dieser Besatzung so nicht mehr fahrbar; "
            "bitte neu disponieren."
        ),
    )


def failed(request: Request, why: str) -> Unassigned:
    return Unassigned(request.id, R.OTHER, f"Planung fehlgeschlagen ({why}); bitte erneut planen.")


def _needs(request: Request) -> list[str]:
    needs = []
    if request.requires_female_escort:
        needs.append("Begleiterin")
    if request.requires_medical_escort:
        needs.append("medizinische Begleitung")
    if request.wheelchair:
        needs.append("Rollstuhlfahrzeug")
    if request.escorts_required >= 3:
        needs.append(f"{request.escorts_required} Begleitkräfte")
    return needs


def _missing_staff(request: Request, fleet: Fleet, zabs: str) -> str:
    staff = fleet.escorts
    if request.requires_female_escort and not any(e.is_female for e in staff):
        return f"Keine Begleiterin im Dienst ({zabs})."
    if request.requires_medical_escort and not any(e.is_medical for e in staff):
        return f"Keine medizinisch qualifizierte Begleitkraft im Dienst ({zabs})."
    return (
        f"Keine Schicht mit {max(1, request.escorts_required)} passenden Begleitkräften "
        f"({', '.join(_needs(request)) or 'Begleitkräfte'}) im Dienst ({zabs})."
    )


def _why_not_alone(request: Request, fleet: Fleet, matrix: TravelMatrix, say: _Words) -> str:
    """What stops the request in each shift that could otherwise take it (at most three)."""
    reasons = []
    for zab, (start, end), _ in crew_windows(request, fleet.escorts):
        vehicle = next((v for v in fleet.vehicles if v.zab == zab), None)
        if vehicle is None:
            continue
        lo, hi = max(start, vehicle.available_from), min(end, vehicle.available_until)
        shift = f"Schicht {say.at(start)}–{say.at(end)}"
        approach = matrix.time(vehicle.depot, request.pickup.location)
        direct = matrix.time(request.pickup.location, request.dropoff.location)
        back = matrix.time(request.dropoff.location, vehicle.depot)
        if lo + approach > request.pickup.latest:
            reasons.append(
                f"{shift}: Abholung bis {say.at(request.pickup.latest)} nicht erreichbar "
                f"(ab {say.at(lo)}, Anfahrt {say.span(approach)})"
            )
            continue
        pickup = max(request.pickup.earliest, lo + approach)
        drop = max(request.dropoff.earliest, pickup + request.pickup.service_min * 60 + direct)
        home = drop + request.dropoff.service_min * 60 + back
        if home > hi:
            reasons.append(f"{shift}: zurück frühestens {say.at(home)}, Dienstende {say.at(hi)}")
            continue
        shortest = (
            approach + request.pickup.service_min * 60 + direct + request.dropoff.service_min * 60 + back
        )
        if shortest + 30 * 60 > MAX_TOUR_S:
            reasons.append(
                f"{shift}: Tour mit Pause mindestens {say.span(shortest + 30 * 60)} (höchstens 10 h)"
            )
        else:
            reasons.append(f"{shift}: Zeitfenster und Fahrzeiten passen nicht zusammen")
    if not reasons:
        return "Kein Fahrzeug und keine Schicht passen zu den Zeitfenstern."
    return "Allein nicht machbar. " + "; ".join(reasons[:3]) + "."


class _Words:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def at(self, seconds: int) -> str:
        return self.clock.instant(seconds).strftime("%H:%M")

    @staticmethod
    def span(seconds: int) -> str:
        minutes = -(-seconds // 60)
        return f"{minutes // 60} h {minutes % 60:02d} min"
