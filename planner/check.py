"""Consistency of a scenario beyond its JSON shape: ids, references, windows, ranges.

Every problem is listed with the path of the offending key, so a caller can show all of them
at once. A plan is only meaningful for a scenario without problems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from planner.model import LockedStop, MatrixTravel, Scenario, StopType


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ScenarioError(ValueError):
    """A scenario with problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Every consistency problem of the scenario (empty when it can be planned)."""
    return [
        *_duplicates("locations", (x.id for x in scenario.locations)),
        *_duplicates("vehicles", (x.id for x in scenario.vehicles)),
        *_duplicates("escorts", (x.id for x in scenario.escorts)),
        *_duplicates("requests", (x.id for x in scenario.requests)),
        *_locations(scenario),
        *_vehicles(scenario),
        *_escorts(scenario),
        *_requests(scenario),
        *_locked(scenario),
        *_travel(scenario),
    ]


def ensure_valid(scenario: Scenario) -> Scenario:
    """The scenario itself, or `ScenarioError` listing its problems."""
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _duplicates(section: str, ids: Iterable[str]) -> Iterator[Problem]:
    for item_id, count in Counter(ids).items():
        if count > 1:
            yield Problem(section, f"id {item_id!r} occurs {count} times")


def _locations(scenario: Scenario) -> Iterator[Problem]:
    for i, loc in enumerate(scenario.locations):
        if not (-90.0 <= loc.lat <= 90.0 and -180.0 <= loc.lon <= 180.0):
            yield Problem(f"locations[{i}]", f"coordinates out of range ({loc.lat}, {loc.lon})")


def _vehicles(scenario: Scenario) -> Iterator[Problem]:
    known = {loc.id for loc in scenario.locations}
    for i, v in enumerate(scenario.vehicles):
        if v.depot not in known:
            yield Problem(f"vehicles[{i}].depot", f"unknown location {v.depot!r}")
        if v.seats < 1:
            yield Problem(f"vehicles[{i}].seats", "must be at least 1")
        if v.available_until < v.available_from:
            yield Problem(f"vehicles[{i}].available_until", "before available_from")


def _escorts(scenario: Scenario) -> Iterator[Problem]:
    for i, e in enumerate(scenario.escorts):
        if e.shift_end < e.shift_start:
            yield Problem(f"escorts[{i}].shift_end", "before shift_start")


def _requests(scenario: Scenario) -> Iterator[Problem]:
    known = {loc.id for loc in scenario.locations}
    for i, r in enumerate(scenario.requests):
        at = f"requests[{i}]"
        if r.persons < 1:
            yield Problem(f"{at}.persons", "must be at least 1")
        if r.escorts_required < 0:
            yield Problem(f"{at}.escorts_required", "must not be negative")
        if not 1 <= r.priority <= 5:
            yield Problem(f"{at}.priority", "must lie between 1 and 5")
        if r.max_ride_min is not None and r.max_ride_min <= 0:
            yield Problem(f"{at}.max_ride_min", "must be positive")
        for name, window in (("pickup", r.pickup), ("dropoff", r.dropoff)):
            if window.location not in known:
                yield Problem(f"{at}.{name}.location", f"unknown location {window.location!r}")
            if window.latest < window.earliest:
                yield Problem(f"{at}.{name}.latest", "before earliest")
            if window.service_min < 0:
                yield Problem(f"{at}.{name}.service_min", "must not be negative")
        if r.dropoff.latest < r.pickup.earliest:
            yield Problem(f"{at}.dropoff.latest", "before the earliest pickup")


def _locked(scenario: Scenario) -> Iterator[Problem]:
    vehicles = {v.id for v in scenario.vehicles}
    escorts = {e.id for e in scenario.escorts}
    requests = {r.id for r in scenario.requests}
    seen_escorts: set[str] = set()
    seen_requests: set[str] = set()
    for i, tour in enumerate(scenario.locked):
        at = f"locked[{i}]"
        if tour.vehicle not in vehicles:
            yield Problem(f"{at}.vehicle", f"unknown vehicle {tour.vehicle!r}")
        if not tour.escorts:
            yield Problem(f"{at}.escorts", "a tour needs at least one escort")
        for escort in tour.escorts:
            if escort not in escorts:
                yield Problem(f"{at}.escorts", f"unknown escort {escort!r}")
            if escort in seen_escorts:
                yield Problem(f"{at}.escorts", f"escort {escort!r} is in two locked tours")
            seen_escorts.add(escort)
        yield from _locked_stops(at, tour.stops, requests, seen_requests)


def _locked_stops(
    at: str, stops: Iterable[LockedStop], requests: set[str], seen: set[str]
) -> Iterator[Problem]:
    picked: set[str] = set()
    dropped: set[str] = set()
    for j, stop in enumerate(stops):
        request, kind = stop.request, stop.type
        where = f"{at}.stops[{j}]"
        if request not in requests:
            yield Problem(f"{where}.request", f"unknown request {request!r}")
            continue
        if kind is StopType.PICKUP:
            if request in picked or request in seen:
                yield Problem(f"{where}.request", f"request {request!r} is picked up twice")
            picked.add(request)
        elif request not in picked or request in dropped:
            yield Problem(f"{where}.request", f"dropoff of {request!r} without an earlier pickup")
        else:
            dropped.add(request)
    for request in sorted(picked - dropped):
        yield Problem(f"{at}.stops", f"request {request!r} is picked up but never dropped off")
    seen |= picked


def _travel(scenario: Scenario) -> Iterator[Problem]:
    if not isinstance(scenario.travel, MatrixTravel):
        return
    covered = set(scenario.travel.ids)
    for i, loc in enumerate(scenario.locations):
        if loc.id not in covered:
            yield Problem(f"locations[{i}]", f"location {loc.id!r} missing from travel.ids")
