"""iCalendar feeds (RFC 5545) of the committed tours of one vehicle or one escort.

Events carry times, places and transport numbers only: a calendar app keeps its copy
outside ltrako, so no case reference or need goes into it. Gated like the Fahrauftrag.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlmodel import Session

from ltrako.core import policy
from ltrako.core.clock import clock_of, local_label
from ltrako.core.errors import NotFound
from ltrako.core.security import Principal
from ltrako.documents.tours import STOP_LABELS, TourFile, tours_of_day
from ltrako.models import Escort, Vehicle

DAYS = 7  # the feed covers the day asked for and the six after it


def vehicle_calendar(session: Session, principal: Principal, *, vehicle_id: str, day: dt.date) -> bytes:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound("Fahrzeug", vehicle_id)
    policy.require(policy.reads_tour(principal, vehicle.zab_id), "Kalender erhält die ZAB des Fahrzeugs.")
    tours = tours_of_day(session, principal, day=day, days=DAYS, vehicle_id=vehicle_id, escort_id=None)
    return _calendar(f"Touren {vehicle.label or vehicle.id}", tours, clock_of(session).zone)


def escort_calendar(session: Session, principal: Principal, *, escort_id: str, day: dt.date) -> bytes:
    escort = session.get(Escort, escort_id)
    if escort is None:
        raise NotFound("Begleitkraft", escort_id)
    policy.require(policy.reads_tour(principal, escort.zab_id), "Kalender erhält die ZAB der Begleitkraft.")
    tours = tours_of_day(session, principal, day=day, days=DAYS, vehicle_id=None, escort_id=escort_id)
    return _calendar(f"Touren {escort.display_name or escort.id}", tours, clock_of(session).zone)


def _calendar(name: str, tours: list[TourFile], zone: ZoneInfo) -> bytes:
    """Events in UTC (calendar apps convert); the description's stop times local, zone named."""
    calendar = Calendar()
    calendar.add("prodid", "-//ltrako//LTraKo digital//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for file in tours:
        tour, names = file.tour, file.names
        if tour.start is None or tour.end is None:
            continue
        event = Event()
        event.add("uid", f"tour-{tour.id}-rev-{tour.revision}@ltrako")
        event.add("dtstamp", tour.start)
        event.add("dtstart", tour.start)
        event.add("dtend", tour.end)
        event.add("summary", f"Tour {tour.id}: {names.vehicle(file.vehicle.id)}")
        first = next((s for s in file.stops if s.request_id), None)
        if first is not None:
            event.add("location", names.place(first.location_id))
        lines = [f"Besatzung: {names.crew(file.escorts)}"]
        for stop in file.stops:
            at = stop.start or stop.arrival
            when = local_label(at, zone) if at else ""
            what = STOP_LABELS.get(str(stop.type), str(stop.type))
            lines.append(f"{when} {what} {names.place(stop.location_id)} {stop.request_id or ''}".strip())
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return bytes(calendar.to_ical())
