"""Fahrauftrag: the PDF a crew takes on a committed tour (German, local times with offset)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from fixtures.reference import airport_timezone, is_known_airport
from ltrako.core import policy
from ltrako.core.clock import clock_of
from ltrako.core.security import Principal
from ltrako.documents.pdf import Sheet, local_time
from ltrako.documents.tours import PURPOSE_LABELS, STOP_LABELS, Transport, read_tour
from ltrako.models import FlightLeg
from ltrako.planning.names import Names


def flight_line(leg: FlightLeg) -> str:
    """`EW 9612 DUS 25.11.2026 10:30 (UTC+01:00) → TIA …`: each time in its airport's zone."""

    def at(instant: dt.datetime, airport: str) -> str:
        zone = ZoneInfo(airport_timezone(airport)) if is_known_airport(airport) else dt.UTC
        return local_time(instant, zone)

    return (
        f"{leg.flight_number} {leg.origin_iata} {at(leg.departure, leg.origin_iata)} → "
        f"{leg.destination_iata} {at(leg.arrival, leg.destination_iata)}"
    )


def fahrauftrag_pdf(session: Session, principal: Principal, *, tour_id: int, timezone: str) -> bytes:
    """The Fahrauftrag of committed tour `tour_id` (gated and audited by `read_tour`)."""
    file = read_tour(session, principal, tour_id, "fahrauftrag")
    zone = ZoneInfo(timezone)
    names = file.names
    tour = file.tour
    made = local_time(clock_of(session).now(), zone)
    sheet = Sheet(
        f"Fahrauftrag – {names.vehicle(file.vehicle.id)}, {tour.day:%d.%m.%Y}",
        f"Fahrauftrag Tour {tour.id} (Rev. {tour.revision}), erstellt {made} – "
        "vertraulich, nur für die Besatzung",
    )
    sheet.facts(
        [
            ("Tour", f"{tour.id} (Revision {tour.revision}), festgelegt"),
            ("Disposition", names.zab(file.vehicle.zab_id)),
            ("Fahrzeug", f"{names.vehicle(file.vehicle.id)} ({file.vehicle.seats} Plätze)"),
            ("Besatzung", names.crew(file.escorts) or "–"),
            (
                "Abfahrt Standort",
                f"{local_time(tour.start, zone)} – {names.place(file.vehicle.depot_location_id)}",
            ),
            ("Rückkehr", local_time(tour.end, zone)),
        ]
    )
    sheet.heading("Halte")
    body = []
    for number, stop in enumerate(file.stops, start=1):
        transport = file.transports.get(stop.request_id or "")
        what = STOP_LABELS.get(str(stop.type), str(stop.type))
        if transport is not None:
            what += f" {transport.request.id}"
        address = names.address(stop.location_id)
        place = names.place_name(stop.location_id) + (f"\n{address}" if address else "")
        arrives, leaves = (
            local_time(stop.arrival, zone, date=False),
            local_time(stop.departure, zone, date=False),
        )
        when = f"an {arrives}\nab {leaves}"
        body.append([str(number), when, what, place])
    sheet.rows(["Nr.", "Zeit", "Halt", "Ort und Anschrift"], body, (8, 40, 42, 90))
    sheet.heading("Transporte")
    health = policy.sees_medical(principal)
    for request_id in sorted(file.transports):
        _transport(sheet, file.transports[request_id], names, zone, health)
    sheet.heading("Hinweise")
    sheet.paragraph(
        "Personen sind nur mit ihrem Aktenzeichen (pseudonym) aufgeführt; Namen und Papiere führt die "
        "abgebende Behörde. Zeiten sind Ortszeit mit UTC-Versatz. Änderungen der Tour gibt die "
        f"Disposition {names.zab(file.vehicle.zab_id)} durch; dieser Fahrauftrag gilt für "
        f"Revision {tour.revision}."
    )
    return sheet.render()


GENDER = {"f": "w", "m": "m", "d": "d"}


def _transport(sheet: Sheet, transport: Transport, names: Names, zone: ZoneInfo, health: bool) -> None:
    r = transport.request
    refs = ", ".join(
        f"{p.case_ref} ({p.nationality}, {GENDER.get(str(p.gender), '')})" for p in transport.persons
    )
    needs = transport.needs() if health else ["(nur für berechtigte Rollen)"]
    pairs = [
        ("Auftrag", f"{r.id} – {PURPOSE_LABELS.get(str(r.purpose), str(r.purpose))}, Priorität {r.priority}"),
        ("Personen", f"{r.persons}: {refs}" if refs else str(r.persons)),
        ("Begleitkräfte", str(r.escorts_required)),
        ("Besonderheiten", ", ".join(needs) or "keine"),
        (
            "Abholung",
            f"{names.place(r.pickup_location_id)}, {local_time(r.pickup_earliest, zone)} bis "
            f"{local_time(r.pickup_latest, zone, date=False)}",
        ),
        (
            "Übergabe",
            f"{names.place(r.dropoff_location_id)}, spätestens {local_time(r.dropoff_latest, zone)}",
        ),
        ("Kontakt", f"{names.abh(r.abh_id)}" if r.abh_id else f"{names.zab(r.zab_id)} (Landeseinrichtung)"),
    ]
    if transport.legs:
        pairs.append(("Flug", "\n".join(flight_line(leg) for leg in transport.legs)))
    sheet.heading(f"Auftrag {r.id}")
    sheet.facts(pairs)
