"""The day as pictures: a Gantt chart per vehicle and a schematic map, both as inline SVG.

Plain functions of the day's tours (`DayTour`) and the places' coordinates; no map
tiles, nothing fetched: the pages work offline. Colours keep a contrast of at least 4.5:1
against white for text (WCAG AA); tours differ by a pattern of labels, not by colour alone.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ltrako.planning.board import BoardTour
from ltrako.planning.names import Names, natural_key
from ltrako.planning.tour import DayTour

DAY_FROM_H, DAY_UNTIL_H = 4, 23
ROW_H, LABEL_W, WIDTH = 34, 190, 1140
COMMITTED, PROPOSED, BREAK = "#1d4f91", "#5b6b7f", "#b8c2cc"
BLOCKED_EDGE = ' stroke="#a40e26" stroke-width="3"'  # a proposal carrying a request not cleared yet


@dataclass(frozen=True, slots=True)
class Bar:
    vehicle: str  # the vehicle's id (rows are sorted by it, naturally)
    vehicle_name: str
    tour_index: int  # the tour's number on the page (T1, T2, … = position + 1)
    start: dt.datetime
    end: dt.datetime
    committed: bool
    crew: str  # display names
    stops: tuple[tuple[str, dt.datetime, str], ...]  # (type, time, request)
    blocked: bool = False


def bars(tours: Sequence[BoardTour], names: Names) -> list[Bar]:
    """A bar per timed tour of the board (numbered by position); committed in their own colour."""
    out = []
    for position, row in enumerate(tours):
        tour = row.tour
        if tour.start is None or tour.end is None:
            continue
        stops = tuple(
            (s.type.value, at, s.request or "")
            for s in tour.stops
            if (at := s.start or s.arrival) is not None
        )
        out.append(
            Bar(
                tour.vehicle,
                names.vehicle(tour.vehicle),
                position,
                tour.start,
                tour.end,
                tour.committed,
                names.crew(tour.escorts),
                stops,
                bool(row.blocked),
            )
        )
    return out


def gantt_svg(day_bars: Sequence[Bar], zone: Any) -> str:
    """One row per vehicle, a bar per tour from start to end, ticks for pickups and drop-offs."""
    vehicles = sorted({b.vehicle for b in day_bars}, key=natural_key)
    labels = {b.vehicle: b.vehicle_name for b in day_bars}
    height = 30 + ROW_H * max(len(vehicles), 1)
    span = (DAY_UNTIL_H - DAY_FROM_H) * 3600
    scale = (WIDTH - LABEL_W - 10) / span

    def x(instant: dt.datetime) -> float:
        local = instant.astimezone(zone)
        seconds = (local.hour - DAY_FROM_H) * 3600 + local.minute * 60 + local.second
        return LABEL_W + max(0, min(span, seconds)) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="gantt-title"><title id="gantt-title">Touren je Fahrzeug</title>'
    ]
    for hour in range(DAY_FROM_H, DAY_UNTIL_H + 1, 2):
        px = LABEL_W + (hour - DAY_FROM_H) * 3600 * scale
        parts.append(f'<line x1="{px:.1f}" y1="18" x2="{px:.1f}" y2="{height}" stroke="#d0d7de"/>')
        parts.append(
            f'<text x="{px:.1f}" y="13" font-size="11" text-anchor="middle" fill="#24292f">{hour}:00</text>'
        )
    for row, vehicle in enumerate(vehicles):
        y = 24 + row * ROW_H
        label = labels[vehicle] if len(labels[vehicle]) <= 30 else labels[vehicle][:29] + "…"
        parts.append(
            f'<text x="4" y="{y + 18}" font-size="11" fill="#24292f">{html.escape(label)}'
            f"<title>{html.escape(labels[vehicle])}</title></text>"
        )
        for bar in (b for b in day_bars if b.vehicle == vehicle):
            x0, x1 = x(bar.start), x(bar.end)
            colour = COMMITTED if bar.committed else PROPOSED
            state = "festgelegt" if bar.committed else "Vorschlag"
            if bar.blocked:
                state += ", nicht freigegeben"
            when = f"{bar.start.astimezone(zone):%H:%M}–{bar.end.astimezone(zone):%H:%M}"
            title = f"Tour {bar.tour_index + 1} ({state}) {when}, Besatzung {bar.crew}"
            parts.append(
                f'<g data-tour="{bar.tour_index}"><title>{html.escape(title)}</title>'
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 2):.1f}" height="{ROW_H - 8}" '
                f'rx="3" fill="{colour}"' + (BLOCKED_EDGE if bar.blocked else "") + "/>"
            )
            for kind, at, _request in bar.stops:
                px = x(at)
                tick = BREAK if kind == "break" else "#ffffff"
                parts.append(
                    f'<rect x="{px - 1:.1f}" y="{y + 3}" width="3" height="{ROW_H - 14}" fill="{tick}"/>'
                )
            parts.append(
                f'<text x="{x0 + 4:.1f}" y="{y + 17}" font-size="11" fill="#ffffff">'
                f"T{bar.tour_index + 1}</text></g>"
            )
    parts.append("</svg>")
    return "".join(parts)


def map_svg(
    tours: Sequence[DayTour], places: Mapping[str, tuple[float, float]], names: Names | None = None
) -> str:
    """A schematic map: each tour's stops joined in order, from the places' coordinates; each
    point labelled with its place's name (places at the same point share one label)."""
    points = [places[p] for p in places]
    if not points:
        return ""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    width, height, pad = 420.0, 420.0, 20.0

    def xy(place: str) -> tuple[float, float]:
        lat, lon = places[place]
        px = pad + (lon - west) / max(east - west, 1e-6) * (width - 2 * pad)
        py = pad + (north - lat) / max(north - south, 1e-6) * (height - 2 * pad)
        return px, py

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
        'width="420" aria-labelledby="map-title"><title id="map-title">Schematische Karte der Touren</title>'
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#f6f8fa"/>'
    ]
    for index, tour in enumerate(tours):
        route = [s.location for s in tour.stops if s.location in places]
        if len(route) >= 2:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in map(xy, route))
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{COMMITTED}" stroke-width="2" opacity="0.7">'
                f"<title>Tour {index + 1}</title></polyline>"
            )
    at_point: dict[tuple[float, float], list[str]] = {}
    for place in places:
        at_point.setdefault(places[place], []).append(names.place_name(place) if names else place)
    for point, labels in at_point.items():
        px, py = xy(next(p for p in places if places[p] == point))
        text = " / ".join(sorted(set(labels)))
        short = text if len(text) <= 30 else text[:29] + "…"
        anchor = "end" if px > width * 0.6 else "start"
        dx = -6 if anchor == "end" else 6
        parts.append(
            f'<g class="place"><circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="#24292f">'
            f"<title>{html.escape(text)}</title></circle>"
            f'<text x="{px + dx:.1f}" y="{py - 5:.1f}" font-size="10" text-anchor="{anchor}" '
            f'fill="#24292f">{html.escape(short)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
