"""Pages of the ZFA, the ZRK and the ZAB without a browser: flights, receptions, Dublin, charters."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import DublinTransfer, Flight, FlightLeg, MedicalReception, ReceptionStatus
from ltrako.planning.tours import committed_tours
from tests.aps.test_charter import _roster
from tests.factories import request_body
from tests.jobs import drain

Auth = Callable[..., dict[str, str]]
DAY = dt.date(2026, 11, 27)


def _as(client: TestClient, auth: Auth, role: str, **claims: str) -> None:
    client.cookies.set("ltrako_session", auth(role, **claims)["Authorization"].removeprefix("Bearer "))


def _pdf_text(content: bytes) -> str:
    return " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_zfa_books_a_flight_with_a_stopover_and_sees_the_transit(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    _as(client, auth, "zfa")
    form = {
        "legs_count": "1",
        "kind": "scheduled",
        "escorted": "on",
        "flight_number_0": "a3 711",
        "from_0": "DUS",
        "to_0": "ATH",
        "departure_0": f"{DAY}T11:30",
        "arrival_0": f"{DAY}T15:40",
        "action": "add",
    }
    more = client.post("/web/zfa/fluege", data=form)
    assert more.status_code == 200 and 'id="flight_number_1"' in more.text and 'value="ATH"' in more.text
    form |= {
        "legs_count": "2",
        "flight_number_1": "A3 974",
        "from_1": "ATH",
        "to_1": "TIA",
        "departure_1": f"{DAY}T15:00",  # before the arrival: refused at that field
        "arrival_1": f"{DAY}T15:30",
        "action": "book",
    }
    wrong = client.post("/web/zfa/fluege", data=form)
    assert wrong.status_code == 422 and 'id="departure_1-fehler"' in wrong.text
    form["departure_1"], form["arrival_1"] = f"{DAY}T17:30", f"{DAY}T18:00"
    booked = client.post("/web/zfa/fluege", data=form)
    assert "gebucht. Durchbeförderung nötig über ATH" in booked.text
    assert "A3 711 DUS 27.11. 11:30 (+01:00) → ATH 27.11. 15:40 (+02:00)" in booked.text
    with transaction(runtime.sessions) as session:
        legs = session.exec(select(FlightLeg)).all()
    assert [leg.flight_number for leg in legs] == ["A3 711", "A3 974"]
    queue = client.get("/web/zfa")
    assert "ATH (GR)" in queue.text and "27.11. 15:40 (+02:00)" in queue.text  # Athens time
    transit_id = queue.text.split('data-transit="')[1].split('"')[0]
    client.post(f"/web/zfa/transits/{transit_id}/submit")
    client.post(f"/web/zfa/transits/{transit_id}/approve")
    history = client.get("/web/zfa").text.split('id="verlauf-h"')[1]
    assert "bewilligt" in history
    pdf = client.get(f"/web/zfa/transits/{transit_id}/antrag.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "ATH (GR)" in _pdf_text(pdf.content)


def test_zrk_requests_confirms_and_enters_details(client: TestClient, auth: Auth, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        flight = Flight(kind="scheduled", destination_country="ALB")  # type: ignore[arg-type]
        session.add(flight)
        session.flush()
        at = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
        session.add(
            FlightLeg(
                flight_id=flight.id or 0,
                seq=1,
                flight_number="W6 4321",
                origin_iata="DUS",
                destination_iata="TIA",
                departure=at,
                arrival=at + dt.timedelta(hours=2),
            )
        )
        flight_id = flight.id
    person = {
        "case_ref": "E-2026-0300",
        "nationality": "ALB",
        "gender": "m",
        "requires_medical_reception": True,
    }
    made = client.post(
        "/api/v1/transport-requests",
        json=request_body(persons=[person], flight_id=flight_id),
        headers=auth("abh", abh="ABH-05113"),
    )
    assert made.status_code == 201, made.text
    _as(client, auth, "zrk")
    page = client.get("/web/zrk")
    assert "E-2026-0300" in page.text and "Deutsche Botschaft Tirana" in page.text
    case_id = page.text.split('data-case="')[1].split('"')[0]
    assert "angefragt" in client.post(f"/web/zrk/cases/{case_id}/request").text
    saved = client.post(
        f"/web/zrk/cases/{case_id}/details", data={"details": "Insulin, Begleitung bis Klinik"}
    )
    assert "medizinische Angaben gespeichert" in saved.text and "Insulin, Begleitung bis Klinik" in saved.text
    assert "bestätigt" in client.post(f"/web/zrk/cases/{case_id}/confirm").text
    with transaction(runtime.sessions) as session:
        case = session.get(MedicalReception, int(case_id))
        assert case is not None and case.status is ReceptionStatus.CONFIRMED
        assert case.medical_details == "Insulin, Begleitung bis Klinik"
    _as(client, auth, "zab", zab="ZAB-E")
    assert client.post(f"/web/zrk/cases/{case_id}/decline").status_code == 403


def test_zab_registers_a_dublin_transfer_and_lists_its_deadline(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    body = request_body(
        origin="state_facility",
        pickup={
            "location": "FAC-EAE-UN",
            "earliest": "2026-11-25T06:00:00+01:00",
            "latest": "2026-11-25T07:00:00+01:00",
        },
        dropoff={
            "location": "BRD-NL-VENLO",
            "earliest": "2026-11-25T07:00:00+01:00",
            "latest": "2026-11-25T11:00:00+01:00",
        },
    )
    made = client.post("/api/v1/transport-requests", json=body, headers=auth("admin"))
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    zab = made.json()["zab_id"]
    _as(client, auth, "zab", zab=zab)
    page = client.get("/web/zab/dublin")
    assert page.status_code == 200 and request_id in page.text
    form = {
        "request_id": request_id,
        "facility_id": "FAC-EAE-UN",
        "application_registered": "2026-05-02",
        "accepted_on": "2026-04-01",  # before the application: refused at that field
        "court_decision_on": "",
        "extension": "none",
    }
    wrong = client.post("/web/zab/dublin", data=form)
    assert wrong.status_code == 422 and 'id="accepted_on-fehler"' in wrong.text
    form["accepted_on"] = "2026-06-01"
    done = client.post("/web/zab/dublin", data=form)
    assert "Frist bis 01.12.2026" in done.text  # six months from the acceptance (Dublin III)
    assert "Erstaufnahmeeinrichtung (EAE) Unna-Massen" in done.text and "Dublin III" in done.text
    with transaction(runtime.sessions) as session:
        assert session.exec(select(DublinTransfer)).one().request_id == request_id


def test_zfa_creates_chooses_plans_a_charter_and_prints_the_manifest(
    client: TestClient, auth: Auth, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.web.pages.common.PLAN_SECONDS", 2.0)
    flight_day = dt.date(2026, 12, 2)
    _roster(runtime, flight_day)
    case = {
        "persons": [{"case_ref": "E-2026-0400", "nationality": "ALB", "gender": "m"}],
        "destination_country": "ALB",
        "documents_ready": True,
        "pickup_location": "ABH-05113",
        "priority": 5,
    }
    assert (
        client.post("/api/v1/removal-cases", json=case, headers=auth("abh", abh="ABH-05113")).status_code
        == 201
    )
    _as(client, auth, "zfa")
    form = {"airport": "DUS", "destination_country": "ALB", "seats": "5", "escort_seats": "5", "check_in": ""}
    assert client.post("/web/zfa/charter", data=form).status_code == 422
    form["check_in"] = "2026-12-02T11:00"
    created = client.post("/web/zfa/charter", data=form)
    assert "angelegt" in created.text and "Noch nicht geplant" in created.text
    charter_id = created.url.path.rsplit("/", 1)[-1]
    listing = client.get("/web/zfa/charter").text
    assert f'href="/web/zfa/charter/{charter_id}"' in listing and "Flughafen Dusseldorf" in listing
    following = client.post(f"/web/zfa/charter/{charter_id}/plan")  # queued: the page follows the job
    job_id = following.url.params["job"]
    assert following.status_code == 200 and "Noch nicht geplant" in following.text
    assert drain(client) == 1
    state = client.get(f"/web/jobs/{job_id}").json()
    assert state["status"] == "done" and "1 Fälle an Bord" in state["message"], state
    planned = client.get(state["target"])
    assert "Ausländerbehörde Stadt Essen" in planned.text and 'id="buchen"' in planned.text
    manifest = client.get(f"/web/zfa/charter/{charter_id}/passagierliste.pdf")
    assert manifest.headers["content-type"] == "application/pdf"
    text = _pdf_text(manifest.content)
    assert f"Passagierliste Sammelcharter {charter_id} – 02.12.2026" in text and "E-2026-0400 (ALB)" in text
    booked = client.post(f"/web/zfa/charter/{charter_id}/buchen")  # the feeders become committed tours
    assert booked.status_code == 200 and "gebucht" in booked.text and 'id="buchen"' not in booked.text
    with transaction(runtime.sessions) as session:
        assert any(t.requests for t in committed_tours(session, flight_day).values())
    again = client.post(f"/web/zfa/charter/{charter_id}/buchen")
    assert "nicht (mehr) geplant" in again.text  # booked once only
    _as(client, auth, "zab", zab="ZAB-E")
    assert client.get(f"/web/zfa/charter/{charter_id}").status_code == 200  # the report, for the feeders
    assert client.get(f"/web/zfa/charter/{charter_id}/passagierliste.pdf").status_code == 403
    assert client.post(f"/web/zfa/charter/{charter_id}/plan").status_code == 403
