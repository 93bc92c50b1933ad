"""Flight itineraries: legs between IATA airports with times in each airport's local time.

A time without offset is local at the airport where the event happens (departure at `from`,
arrival at `to`), converted with the airport's IANA zone from `airportsdata`. Validation
names the offending field: unknown airport, legs that do not connect, times that do not
increase.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fixtures.reference import airport_country, airport_timezone, is_known_airport
from ltrako.core.clock import OUT_OF_RANGE, in_service_range
from ltrako.core.errors import FieldProblem, InvalidInput


@dataclass(frozen=True, slots=True)
class Leg:
    origin: str  # IATA
    destination: str
    departure: dt.datetime  # aware
    arrival: dt.datetime

    def local_departure(self) -> dt.datetime:
        return self.departure.astimezone(ZoneInfo(airport_timezone(self.origin)))

    def local_arrival(self) -> dt.datetime:
        return self.arrival.astimezone(ZoneInfo(airport_timezone(self.destination)))


@dataclass(frozen=True, slots=True)
class Itinerary:
    legs: tuple[Leg, ...]

    @property
    def destination_country(self) -> str:
        return airport_country(self.legs[-1].destination)


def _instant(value: Any, airport: str, field: str, problems: list[FieldProblem]) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        instant = value
    elif isinstance(value, str):
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            problems.append(
                FieldProblem(field, "Zeitpunkt im Format JJJJ-MM-TTTHH:MM[+HH:MM] angeben.", "datetime")
            )
            return None
    else:
        problems.append(FieldProblem(field, "Zeitpunkt fehlt.", "missing"))
        return None
    if not in_service_range(instant.date()):
        problems.append(FieldProblem(field, OUT_OF_RANGE, "date_range"))
        return None
    if instant.tzinfo is None:  # local time at that airport
        instant = instant.replace(tzinfo=ZoneInfo(airport_timezone(airport)))
    return instant


def read_itinerary(legs: Any) -> Itinerary:
    """Legs from JSON-like data (`from`, `to`, `departure`, `arrival`); InvalidInput names each problem."""
    problems: list[FieldProblem] = []
    if not isinstance(legs, list) or not legs:
        raise InvalidInput([FieldProblem("legs", "Mindestens ein Flugabschnitt.", "missing")])
    parsed: list[Leg] = []
    for i, raw in enumerate(legs):
        if not isinstance(raw, dict):
            problems.append(FieldProblem(f"legs[{i}]", "Objekt mit from, to, departure, arrival.", "type"))
            continue
        codes = {}
        for key in ("from", "to"):
            code = str(raw.get(key, "")).strip().upper()
            if not is_known_airport(code):
                problems.append(
                    FieldProblem(
                        f"legs[{i}].{key}", f"Unbekannter Flughafen {code or '(leer)'!r} (IATA).", "airport"
                    )
                )
            codes[key] = code
        if len(codes) < 2 or not all(is_known_airport(c) for c in codes.values()):
            continue
        departure = _instant(raw.get("departure"), codes["from"], f"legs[{i}].departure", problems)
        arrival = _instant(raw.get("arrival"), codes["to"], f"legs[{i}].arrival", problems)
        if departure is None or arrival is None:
            continue
        if arrival <= departure:
            problems.append(
                FieldProblem(f"legs[{i}].arrival", "Ankunft muss nach dem Abflug liegen.", "order")
            )
        if parsed and len(parsed) == i:
            before = parsed[-1]
            if before.destination != codes["from"]:
                problems.append(
                    FieldProblem(
                        f"legs[{i}].from",
                        f"Abschnitt beginnt in {codes['from']}, der vorige endet in {before.destination}.",
                        "connect",
                    )
                )
            if departure <= before.arrival:
                problems.append(
                    FieldProblem(
                        f"legs[{i}].departure",
                        "Abflug muss nach der Ankunft des vorigen Abschnitts liegen.",
                        "order",
                    )
                )
        parsed.append(Leg(codes["from"], codes["to"], departure, arrival))
    if problems:
        raise InvalidInput(problems)
    return Itinerary(tuple(parsed))
