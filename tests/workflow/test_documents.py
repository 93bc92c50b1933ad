"""Printable documents: rendered, read back (pypdf), gated by the policy and audited."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from icalendar import Calendar
from pypdf import PdfReader
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import AuditAction, AuditEvent
from tests.factories import request_body
from tests.jobs import planned
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, KOELN, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]
BERLIN = ZoneInfo("Europe/Berlin")


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # wrapped and justified lines come back with extra spaces


def _book_via_athens(client: TestClient, auth: Auth) -> dict[str, Any]:
    """DUS 11:30 (+01:00) → ATH 15:40 (+02:00), on 17:30 → TIA 18:00 (+01:00) on the day."""
    day = DAY.isoformat()
    legs = [
        {
            "flight_number": "A3 711",
            "from": "DUS",
            "to": "ATH",
            "departure": f"{day}T11:30",
            "arrival": f"{day}T15:40",
        },
        {
            "flight_number": "A3 974",
            "from": "ATH",
            "to": "TIA",
            "departure": f"{day}T17:30",
            "arrival": f"{day}T18:00",
        },
    ]
    booked = client.post(
        "/api/v1/flights",
        json={"kind": "scheduled", "legs": legs, "escorted": True, "booked_at": "2026-11-20T12:00:00+01:00"},
        headers=auth("zfa"),
    )
    assert booked.status_code == 201, booked.text
    return dict(booked.json())


def _submit_with_flight(client: TestClient, auth: Auth, flight_id: int) -> str:
    persons = [
        {"case_ref": "E-2026-0100", "nationality": "ALB", "gender": "f", "requires_female_escort": True},
        {"case_ref": "E-2026-0101", "nationality": "ALB", "gender": "m", "requires_medical_escort": True},
    ]
    body = request_body(persons=persons, flight_id=flight_id)
    # Handed over three hours before the 11:30 departure at the latest.
    body["dropoff"]["latest"] = body["dropoff"]["latest"].replace("T09:00", "T08:30")
    answer = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_fahrauftrag_lists_stops_times_needs_flight_and_contacts(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    flight = _book_via_athens(client, auth)
    request_id = _submit_with_flight(client, auth, flight["id"])
    for transit in flight["transits"]:  # cleared, so the tour may be committed
        client.post(f"/api/v1/zfa/transits/{transit['id']}/submit", headers=auth("zfa"))
        client.post(
            f"/api/v1/zfa/transits/{transit['id']}/decision", json={"approved": True}, headers=auth("zfa")
        )
    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 3}, headers=auth("zab", **ESSEN))
    )
    accepted = client.post(f"{PLANS}/{version['id']}/tours/0/accept", headers=auth("zab", **ESSEN))
    assert accepted.status_code == 200, accepted.text
    tour_id = accepted.json()["tour_id"]

    answer = client.get(f"/api/v1/tours/{tour_id}/fahrauftrag", headers=auth("zab", **ESSEN))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = text_of(answer.content)
    for expected in (
        "Fahrauftrag – Transporter 9 Sitze (Nr. 1), 25.11.2026",
        "Disposition: ZAB Essen",
        "Ausländerbehörde Stadt Essen",  # pickup place and the ABH to call
        "Flughafen Dusseldorf International Airport (DUS)",
        "E-2026-0100 (ALB, w)",
        "medizinische Begleitung",
        "weibliche Begleitkraft",
        "A3 711 DUS 25.11.2026 11:30 (UTC+01:00) → ATH 25.11.2026 15:40 (UTC+02:00)",
        request_id,
    ):
        assert expected in text, expected
    assert "(UTC+01:00)" in text.split("Halte")[1]  # stop times are local with their offset
    refused = client.get(f"/api/v1/tours/{tour_id}/fahrauftrag", headers=auth("zab", **KOELN))
    assert refused.status_code == 403
    with transaction(runtime.sessions) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.context == "fahrauftrag")).all()
    assert {(e.action, e.entity) for e in events} >= {
        (AuditAction.EXPORT, "tour"),
        (AuditAction.READ, "transport_request"),
    }

    # The crew's calendar: the tour with its committed times, places, no case references.
    feed = client.get(
        "/api/v1/calendars/vehicles/E-V1.ics", params={"day": str(DAY)}, headers=auth("zab", **ESSEN)
    )
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events_ = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert len(events_) == 1 and "E-2026-0100" not in feed.text
    assert "Ausländerbehörde Stadt Essen" in str(events_[0]["description"])
    assert "(MEZ)" in str(events_[0]["description"]) and "UTC" not in str(events_[0]["description"])
    crew = client.get(
        "/api/v1/calendars/escorts/E-E01.ics", params={"day": str(DAY)}, headers=auth("zab", **ESSEN)
    )
    assert crew.status_code == 200 and b"BEGIN:VEVENT" in crew.content
    other = client.get("/api/v1/calendars/vehicles/E-V1.ics", headers=auth("zab", **KOELN))
    assert other.status_code == 403
    # a number is no day (it was read as a Unix timestamp: 1970-01-01)
    number = client.get(
        "/api/v1/calendars/vehicles/E-V1.ics", params={"day": 0}, headers=auth("zab", **ESSEN)
    )
    assert number.status_code == 422 and number.json()["detail"][0]["field"] == "day"


def test_transit_request_pdf_has_legs_in_each_airports_time_persons_and_contact(
    client: TestClient, auth: Auth, day: dt.date
) -> None:
    flight = _book_via_athens(client, auth)
    _submit_with_flight(client, auth, flight["id"])
    (transit,) = flight["transits"]
    answer = client.get(
        f"/api/v1/zfa/transits/{transit['id']}/document", params={"format": "pdf"}, headers=auth("zfa")
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = text_of(answer.content)
    for expected in (
        "Ersuchen um Durchbeförderung auf dem Luftweg über ATH (GR)",
        "Richtlinie 2003/110/EG",
        "25.11.2026 15:40 (UTC+02:00)",  # arrival in Athens, Athens time
        "25.11.2026 11:30 (UTC+01:00)",  # departure in Düsseldorf, German time
        "E-2026-0100",
        "E-2026-0101",
        "Kontakt ZFA: Zentralstelle für Flugabschiebungen (ZFA) NRW",
        "begleitet",
    ):
        assert expected in text, expected
    json_document = client.get(f"/api/v1/zfa/transits/{transit['id']}/document", headers=auth("zfa"))
    assert json_document.json()["transit_airport"] == "ATH"  # the JSON answer is unchanged
    assert (
        client.get(
            f"/api/v1/zfa/transits/{transit['id']}/document",
            params={"format": "pdf"},
            headers=auth("zab", **ESSEN),
        ).status_code
        == 403
    )
