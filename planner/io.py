"""Read and write ltrako-scenario/1 and ltrako-plan/1 JSON (../shared/spec/scenario-format.md).

Readers ignore unknown keys and raise `FormatError` naming the first missing or malformed
key by its path (``requests[3].pickup.latest``). Cross-references (unknown location ids,
windows that end before they start) are checked by `planner.check`, which lists them all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from planner.clock import Clock, ClockError
from planner.model import (
    Escort,
    HaversineTravel,
    Location,
    LocationKind,
    LockedStop,
    LockedTour,
    MatrixTravel,
    Plan,
    PlanStats,
    Request,
    Scenario,
    Stop,
    StopType,
    StopWindow,
    Tour,
    Travel,
    Unassigned,
    UnassignedReason,
    Vehicle,
)

SCENARIO_FORMAT = "ltrako-scenario/1"
PLAN_FORMAT = "ltrako-plan/1"

T = TypeVar("T")


class FormatError(ValueError):
    """A document that does not follow the exchange format; `path` names the key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _Node:
    """A JSON object with the path that leads to it, for error messages."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise FormatError(path or "$", "expected an object")
        self.data = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise FormatError(self._at(key), "missing required key")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value:
            raise FormatError(self._at(key), "expected a non-empty string")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormatError(self._at(key), "expected a whole number")
        return value

    def opt_integer(self, key: str) -> int | None:
        return self.integer(key) if self.has(key) else None

    def number(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormatError(self._at(key), "expected a number")
        return float(value)

    def flag(self, key: str, default: bool | None = None) -> bool:
        if default is not None and key not in self.data:
            return default
        value = self.raw(key)
        if not isinstance(value, bool):
            raise FormatError(self._at(key), "expected true or false")
        return value

    def time(self, key: str, clock: Clock) -> int:
        try:
            return clock.parse(self.text(key))
        except ClockError as exc:
            raise FormatError(self._at(key), str(exc)) from exc

    def enum(self, key: str, kind: Callable[[str], T]) -> T:
        text = self.text(key)
        try:
            return kind(text)
        except ValueError as exc:
            raise FormatError(self._at(key), f"unknown value {text!r}") from exc

    def child(self, key: str) -> _Node:
        return _Node(self.raw(key), self._at(key))

    def items(self, key: str, required: bool = True) -> list[_Node]:
        if not required and key not in self.data:
            return []
        value = self.raw(key)
        if not isinstance(value, list):
            raise FormatError(self._at(key), "expected a list")
        return [_Node(item, f"{self._at(key)}[{i}]") for i, item in enumerate(value)]

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FormatError(self._at(key), "expected a list of strings")
        return tuple(value)

    def int_matrix(self, key: str, size: int) -> tuple[tuple[int, ...], ...]:
        value = self.raw(key)
        ok = (
            isinstance(value, list)
            and len(value) == size
            and all(isinstance(row, list) and len(row) == size for row in value)
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for row in value for x in row)
        )
        if not ok:
            raise FormatError(self._at(key), f"expected a {size}×{size} matrix of whole numbers ≥ 0")
        return tuple(tuple(row) for row in value)

    def format(self, expected: str) -> None:
        if self.raw("format") != expected:
            raise FormatError(self._at("format"), f"expected {expected!r}")

    def date(self, key: str) -> dt.date:
        try:
            return dt.date.fromisoformat(self.text(key))
        except ValueError as exc:
            raise FormatError(self._at(key), "expected a date YYYY-MM-DD") from exc


# ---------------------------------------------------------------------------- scenario


def read_scenario(data: Any) -> Scenario:
    """Parse a decoded ltrako-scenario/1 document."""
    root = _Node(data, "")
    root.format(SCENARIO_FORMAT)
    timezone = root.text("timezone")
    try:
        clock = Clock(root.date("date"), timezone)
    except ClockError as exc:
        raise FormatError("timezone", str(exc)) from exc
    return Scenario(
        date=clock.date,
        timezone=timezone,
        cross_zab=root.flag("cross_zab"),
        travel=read_travel(root.child("travel")),
        locations=tuple(_read_location(n) for n in root.items("locations")),
        vehicles=tuple(_read_vehicle(n, clock) for n in root.items("vehicles")),
        escorts=tuple(_read_escort(n, clock) for n in root.items("escorts")),
        requests=tuple(_read_request(n, clock) for n in root.items("requests")),
        locked=tuple(_read_locked(n) for n in root.items("locked", required=False)),
    )


def read_travel(node: Any) -> Travel:
    """The spec's `travel` object (haversine or matrix)."""
    if not isinstance(node, _Node):
        node = _Node(node, "travel")
    model = node.text("model")
    if model == "haversine":
        travel = HaversineTravel(circuity=node.number("circuity"), speed_kmh=node.number("speed_kmh"))
        if travel.circuity <= 0 or travel.speed_kmh <= 0:
            raise FormatError(node.path, "circuity and speed_kmh must be positive")
        return travel
    if model == "matrix":
        ids = node.strings("ids")
        return MatrixTravel(
            ids=ids,
            seconds=node.int_matrix("seconds", len(ids)),
            meters=node.int_matrix("meters", len(ids)),
        )
    raise FormatError(f"{node.path}.model", f"unknown travel model {model!r}")


def _read_location(node: _Node) -> Location:
    return Location(
        id=node.text("id"),
        name=node.text("name"),
        lat=node.number("lat"),
        lon=node.number("lon"),
        kind=node.enum("kind", LocationKind),
    )


def _read_vehicle(node: _Node, clock: Clock) -> Vehicle:
    return Vehicle(
        id=node.text("id"),
        zab=node.text("zab"),
        depot=node.text("depot"),
        seats=node.integer("seats"),
        wheelchair=node.flag("wheelchair", default=False),
        available_from=node.time("available_from", clock),
        available_until=node.time("available_until", clock),
    )


def _read_escort(node: _Node, clock: Clock) -> Escort:
    return Escort(
        id=node.text("id"),
        zab=node.text("zab"),
        gender=node.text("gender"),
        qualifications=node.strings("qualifications") if "qualifications" in node.data else (),
        shift_start=node.time("shift_start", clock),
        shift_end=node.time("shift_end", clock),
    )


def _read_window(node: _Node, clock: Clock) -> StopWindow:
    return StopWindow(
        location=node.text("location"),
        earliest=node.time("earliest", clock),
        latest=node.time("latest", clock),
        service_min=node.integer("service_min"),
    )


def _read_request(node: _Node, clock: Clock) -> Request:
    return Request(
        id=node.text("id"),
        zab=node.text("zab"),
        abh=node.opt_text("abh"),
        persons=node.integer("persons"),
        escorts_required=node.integer("escorts_required"),
        requires_female_escort=node.flag("requires_female_escort", default=False),
        requires_medical_escort=node.flag("requires_medical_escort", default=False),
        wheelchair=node.flag("wheelchair", default=False),
        priority=node.integer("priority"),
        max_ride_min=node.opt_integer("max_ride_min"),
        pickup=_read_window(node.child("pickup"), clock),
        dropoff=_read_window(node.child("dropoff"), clock),
    )


def _read_locked(node: _Node) -> LockedTour:
    stops = []
    for stop in node.items("stops"):
        kind = stop.enum("type", StopType)
        if kind is StopType.BREAK:
            raise FormatError(f"{stop.path}.type", "locked stops are pickups or dropoffs")
        stops.append(LockedStop(request=stop.text("request"), type=kind))
    return LockedTour(vehicle=node.text("vehicle"), escorts=node.strings("escorts"), stops=tuple(stops))


def write_scenario(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready ltrako-scenario/1 document."""
    clock = Clock(scenario.date, scenario.timezone)
    return {
        "format": SCENARIO_FORMAT,
        "date": scenario.date.isoformat(),
        "timezone": scenario.timezone,
        "cross_zab": scenario.cross_zab,
        "travel": write_travel(scenario.travel),
        "locations": [
            {"id": loc.id, "name": loc.name, "lat": loc.lat, "lon": loc.lon, "kind": loc.kind.value}
            for loc in scenario.locations
        ],
        "vehicles": [
            {
                "id": v.id,
                "zab": v.zab,
                "depot": v.depot,
                "seats": v.seats,
                "wheelchair": v.wheelchair,
                "available_from": clock.format(v.available_from),
                "available_until": clock.format(v.available_until),
            }
            for v in scenario.vehicles
        ],
        "escorts": [
            {
                "id": e.id,
                "zab": e.zab,
                "gender": e.gender,
                "qualifications": list(e.qualifications),
                "shift_start": clock.format(e.shift_start),
                "shift_end": clock.format(e.shift_end),
            }
            for e in scenario.escorts
        ],
        "requests": [_write_request(r, clock) for r in scenario.requests],
        "locked": [
            {
                "vehicle": t.vehicle,
                "escorts": list(t.escorts),
                "stops": [{"request": s.request, "type": s.type.value} for s in t.stops],
            }
            for t in scenario.locked
        ],
    }


def write_travel(travel: Travel) -> dict[str, Any]:
    if isinstance(travel, HaversineTravel):
        return {"model": "haversine", "circuity": travel.circuity, "speed_kmh": travel.speed_kmh}
    return {
        "model": "matrix",
        "ids": list(travel.ids),
        "seconds": [list(row) for row in travel.seconds],
        "meters": [list(row) for row in travel.meters],
    }


def _write_window(window: StopWindow, clock: Clock) -> dict[str, Any]:
    return {
        "location": window.location,
        "earliest": clock.format(window.earliest),
        "latest": clock.format(window.latest),
        "service_min": window.service_min,
    }


def _write_request(request: Request, clock: Clock) -> dict[str, Any]:
    return {
        "id": request.id,
        "zab": request.zab,
        "abh": request.abh,
        "persons": request.persons,
        "escorts_required": request.escorts_required,
        "requires_female_escort": request.requires_female_escort,
        "requires_medical_escort": request.requires_medical_escort,
        "wheelchair": request.wheelchair,
        "priority": request.priority,
        "max_ride_min": request.max_ride_min,
        "pickup": _write_window(request.pickup, clock),
        "dropoff": _write_window(request.dropoff, clock),
    }


# -------------------------------------------------------------------------------- plan


def read_plan(data: Any, *, timezone: str) -> Plan:
    """Parse a decoded ltrako-plan/1 document; times are read against `timezone`."""
    root = _Node(data, "")
    root.format(PLAN_FORMAT)
    clock = Clock(root.date("scenario_date"), timezone)
    stats = root.child("stats")
    return Plan(
        scenario_date=clock.date,
        tours=tuple(_read_tour(n, clock) for n in root.items("tours")),
        unassigned=tuple(
            Unassigned(
                request=n.text("request"),
                reason=n.enum("reason", UnassignedReason),
                detail=n.opt_text("detail") or "",
            )
            for n in root.items("unassigned")
        ),
        stats=PlanStats(
            served=stats.integer("served"),
            unassigned=stats.integer("unassigned"),
            km=stats.number("km"),
            solve_seconds=stats.number("solve_seconds"),
            bound=_bound(stats),
            optimal=stats.flag("optimal") if stats.has("optimal") else None,
        ),
    )


def _bound(stats: _Node) -> tuple[int, ...] | None:
    """`stats.bound`: served requests no plan can exceed, per priority 5..1 (optional)."""
    if not stats.has("bound"):
        return None
    levels = stats.raw("bound")
    if (
        not isinstance(levels, list)
        or len(levels) != 5
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in levels)
    ):
        raise FormatError(stats._at("bound"), "expected five whole numbers (priority 5 to 1)")
    return tuple(levels)


def _read_tour(node: _Node, clock: Clock) -> Tour:
    stops = []
    for stop in node.items("stops"):
        kind = stop.enum("type", StopType)
        stops.append(
            Stop(
                type=kind,
                request=None if kind is StopType.BREAK else stop.text("request"),
                location=stop.text("location"),
                arrival=stop.time("arrival", clock),
                start=stop.time("start", clock),
                departure=stop.time("departure", clock),
            )
        )
    return Tour(
        vehicle=node.text("vehicle"),
        escorts=node.strings("escorts"),
        start=node.time("start", clock),
        end=node.time("end", clock),
        stops=tuple(stops),
    )


def read_tour(data: Any, clock: Clock) -> Tour:
    """One tour object of an ltrako-plan/1 document (as stored with a Restplatzbörse offer)."""
    return _read_tour(_Node(data, ""), clock)


def write_tour(tour: Tour, clock: Clock) -> dict[str, Any]:
    """One tour as the JSON object of an ltrako-plan/1 document."""
    return {
        "vehicle": tour.vehicle,
        "escorts": list(tour.escorts),
        "start": clock.format(tour.start),
        "end": clock.format(tour.end),
        "stops": [_write_stop(s, clock) for s in tour.stops],
    }


def write_plan(plan: Plan, *, timezone: str) -> dict[str, Any]:
    """The plan as a JSON-ready ltrako-plan/1 document, times in `timezone`."""
    clock = Clock(plan.scenario_date, timezone)
    return {
        "format": PLAN_FORMAT,
        "scenario_date": plan.scenario_date.isoformat(),
        "tours": [write_tour(t, clock) for t in plan.tours],
        "unassigned": [
            {"request": u.request, "reason": u.reason.value, "detail": u.detail} for u in plan.unassigned
        ],
        "stats": {
            "served": plan.stats.served,
            "unassigned": plan.stats.unassigned,
            "km": plan.stats.km,
            "solve_seconds": plan.stats.solve_seconds,
            **({} if plan.stats.bound is None else {"bound": list(plan.stats.bound)}),
            **({} if plan.stats.optimal is None else {"optimal": plan.stats.optimal}),
        },
    }


def _write_stop(stop: Stop, clock: Clock) -> dict[str, Any]:
    out: dict[str, Any] = {"type": stop.type.value}
    if stop.request is not None:
        out["request"] = stop.request
    out.update(
        location=stop.location,
        arrival=clock.format(stop.arrival),
        start=clock.format(stop.start),
        departure=clock.format(stop.departure),
    )
    return out


# ------------------------------------------------------------------------------- files


def load_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def dump_json(document: Mapping[str, Any] | Sequence[Any], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def load_scenario(path: str | Path) -> Scenario:
    return read_scenario(load_json(path))
