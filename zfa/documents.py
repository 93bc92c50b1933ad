"""The transit request (Durchbeförderungsersuchen) as a PDF for the federal police airport office.

What the office needs from ltrako (Directive 2003/110/EC, FACTS 1.8): the legal basis, the
requesting and requested state, the transit airport, escorted or not and by whom, every leg of
the flight with its times in each airport's local time, the persons' case references
(pseudonyms: names and travel documents come from the case file), and whom to call at the ZFA.
Gated (ZFA) and audited: the request exported, each transport read.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fixtures.reference import airport_timezone, is_known_airport
from ltrako.core import audit
from ltrako.core.clock import clock_of
from ltrako.core.security import Principal
from ltrako.documents.pdf import Sheet, local_time
from ltrako.documents.tours import transports_of
from ltrako.models import (
    AuditAction,
    TourEscort,
    TourStop,
    TransitStatus,
    TransportRequest,
)
from ltrako.planning.names import read_names
from zfa.workflow import STATUS_LABELS_DE, transit_with_flight

BASIS_DE = {
    "directive_2003_110": "Richtlinie 2003/110/EG (Unterstützung bei der Durchbeförderung auf dem Luftweg)",
    "bilateral": "bilaterale Vereinbarung",
}


def airport_time(instant: dt.datetime, airport: str) -> str:
    zone = ZoneInfo(airport_timezone(airport)) if is_known_airport(airport) else dt.UTC
    return local_time(instant, zone)


def transit_pdf(
    session: Session, principal: Principal, *, transit_id: int, contact: str, timezone: str
) -> bytes:
    row, flight, legs = transit_with_flight(session, principal, transit_id)
    request_ids = set(
        session.exec(select(TransportRequest.id).where(TransportRequest.flight_id == row.flight_id)).all()
    )
    transports = transports_of(session, request_ids)
    crews = set(
        session.exec(
            select(TourEscort.escort_id)
            .join(TourStop, col(TourStop.tour_id) == col(TourEscort.tour_id))
            .where(col(TourStop.request_id).in_(sorted(request_ids)))
        ).all()
    )
    names = read_names(session, escorts=crews)
    audit.record(
        session, principal, action=AuditAction.EXPORT, entity="transit_request", entity_id=str(transit_id)
    )
    for request_id in sorted(transports):
        audit.record(
            session,
            principal,
            action=AuditAction.READ,
            entity="transport_request",
            entity_id=request_id,
            context="durchbefoerderung",
        )
    made = local_time(clock_of(session).now(), ZoneInfo(timezone))
    sheet = Sheet(
        f"Ersuchen um Durchbeförderung auf dem Luftweg über {row.airport} ({row.country})",
        f"Durchbeförderung {transit_id}, erstellt {made} – vertraulich, nur für den Dienstgebrauch",
    )
    status = STATUS_LABELS_DE[TransitStatus(row.status)]
    sheet.facts(
        [
            ("Vorgang", f"Durchbeförderung {transit_id}, Flug {row.flight_id}, Status {status}"),
            ("Rechtsgrundlage", BASIS_DE.get(row.basis, row.basis)),
            ("Ersuchender Staat", "DE (Deutschland)"),
            ("Ersuchter Staat", row.country),
            ("Durchbeförderungsflughafen", row.airport),
            ("Ankunft", airport_time(row.arrival, row.airport)),
            ("Weiterflug", airport_time(row.departure, row.airport)),
            ("Aufenthalt", f"{int((row.departure - row.arrival).total_seconds() // 60)} Minuten"),
            ("Zielstaat", flight.destination_country),
            (
                "Antrag fällig",
                airport_time(row.request_due, row.airport) + (" – verspätet" if row.late else ""),
            ),
            ("Begleitung", "begleitet" if row.escorted else "unbegleitet"),
            ("Kontakt ZFA", contact),
        ]
    )
    sheet.heading("Flugabschnitte (Ortszeit des jeweiligen Flughafens)")
    sheet.rows(
        ["Nr.", "Flug", "Von", "Abflug", "Nach", "Ankunft"],
        [
            [
                str(leg.seq),
                leg.flight_number,
                leg.origin_iata,
                airport_time(leg.departure, leg.origin_iata),
                leg.destination_iata,
                airport_time(leg.arrival, leg.destination_iata),
            ]
            for leg in legs
        ],
        (10, 24, 16, 50, 16, 50),
    )
    sheet.heading("Personen (Aktenzeichen der abgebenden Behörden)")
    persons = [
        [request_id, p.case_ref, p.nationality]
        for request_id in sorted(transports)
        for p in transports[request_id].persons
    ]
    if persons:
        sheet.rows(["Transportauftrag", "Aktenzeichen", "Staatsangehörigkeit"], persons, (60, 70, 50))
    else:
        sheet.paragraph("Noch kein Transportauftrag mit diesem Flug erfasst.")
    sheet.heading("Begleitkräfte")
    crew = names.crew(crews)
    sheet.paragraph(
        (f"Zubringer zum Flughafen: {crew}. " if crew else "")
        + ("Begleitung im Flug durch die Bundespolizei." if row.escorted else "Unbegleitete Rückführung.")
    )
    sheet.heading("Hinweise")
    sheet.paragraph(
        "Namen, Reisedokumente und Dienstausweise der Begleitkräfte ergänzt die Bundespolizei aus den "
        "Fallakten; ltrako führt Personen nur pseudonym. Die Durchbeförderung ist innerhalb von "
        "24 Stunden abzuschließen (Art. 5 Abs. 1 RL 2003/110/EG)."
    )
    return sheet.render()
