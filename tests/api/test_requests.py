"""Submitting requests through the API: accepted input, and 422 naming the field for bad input."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import AuditEvent, Gender, Person, TransportRequest
from ltrako.requests.submission import PersonDraft, RequestDraft, StopDraft
from tests.factories import request_body

URL = "/api/v1/transport-requests"
ESSEN = {"abh": "ABH-05113"}


def draft(**overrides: Any) -> RequestDraft:
    """The service-level twin of `request_body` (ABH Essen → DUS, 25.11.2026)."""
    tz = dt.timezone(dt.timedelta(hours=1))
    fields: dict[str, Any] = dict(
        persons=(PersonDraft("E-2026-0001", "ALB", Gender.MALE),),
        pickup=StopDraft(
            "ABH-05113", dt.datetime(2026, 11, 25, 6, tzinfo=tz), dt.datetime(2026, 11, 25, 7, tzinfo=tz), 20
        ),
        dropoff=StopDraft(
            "AP-DUS", dt.datetime(2026, 11, 25, 7, tzinfo=tz), dt.datetime(2026, 11, 25, 9, tzinfo=tz), 30
        ),
        priority=5,
        abh_id="ABH-05113",
    )
    fields.update(overrides)
    return RequestDraft(**fields)


def _counts(runtime: Runtime) -> tuple[int, int]:
    with transaction(runtime.sessions) as session:
        return (
            session.exec(select(func.count()).select_from(TransportRequest)).one(),
            session.exec(select(func.count()).select_from(Person)).one(),
        )


def test_abh_submits_a_request_that_goes_to_its_zab(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    """ABH Essen's request is stored as submitted for ZAB Essen, with its person, and audited."""
    response = client.post(URL, json=request_body(), headers=auth("abh", **ESSEN))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted" and body["status_label"] == "eingereicht"
    assert body["zab_id"] == "ZAB-E" and body["abh_id"] == "ABH-05113"
    assert body["purpose"] == "flight" and body["escorts_required"] == 2
    assert body["pickup"]["earliest"] == "2026-11-25T06:00:00+01:00"
    assert body["persons"][0]["case_ref"] == "E-2026-0001"
    with transaction(runtime.sessions) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == body["id"])).all()
    assert [(e.action, e.outcome) for e in events] == [("create", "ok")]


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    node: Any = changed
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return changed


BAD_INPUTS = [
    ("pickup.latest", "2026-11-25T05:00:00+01:00", "pickup.latest", "vor seinem Beginn"),
    ("dropoff.location", "AP-XXX", "dropoff.location", "Unbekannter Ort"),
    ("pickup.earliest", "2026-11-25T06:00:00", "pickup.earliest", "UTC-Versatz"),
    ("priority", 7, "priority", "höchstens 5"),
    ("persons.0.nationality", "QQQ", "persons.0.nationality", "Ländercode"),
    ("persons.0.case_ref", "Max Mustermann", "persons.0.case_ref", "keine Namen"),
    ("persons.0.gender", "x", "persons.0.gender", "Zulässige Werte"),
    (
        "dropoff",
        {
            "location": "AP-DUS",
            "earliest": "2026-11-25T06:00:00+01:00",
            "latest": "2026-11-25T06:10:00+01:00",
        },
        "dropoff.latest",
        "nicht erreichbar",
    ),
    ("escorts_required", 9, "escorts_required", "höchstens 8"),
    ("colour", "blue", "colour", "Unbekanntes Feld"),
]


@pytest.mark.parametrize(("path", "value", "field", "text"), BAD_INPUTS)
def test_bad_input_gets_422_naming_the_field_and_stores_nothing(
    client: TestClient,
    auth: Callable[..., dict[str, str]],
    runtime: Runtime,
    path: str,
    value: Any,
    field: str,
    text: str,
) -> None:
    """Each kind of bad input is refused with a German message at the offending field."""
    client.post(URL, json=request_body(), headers=auth("abh", **ESSEN))  # something already stored
    before = _counts(runtime)
    response = client.post(URL, json=_set(request_body(), path, value), headers=auth("abh", **ESSEN))
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert field in {p["field"] for p in problems}
    assert any(text in p["msg"] for p in problems if p["field"] == field), problems
    assert _counts(runtime) == before


@pytest.mark.parametrize(("persons", "escorts"), [(8, None), (2, 8), (7, 3)])
def test_more_persons_than_any_vehicle_seats_is_refused(
    client: TestClient, auth: Callable[..., dict[str, str]], persons: int, escorts: int | None
) -> None:
    """Persons plus escorts beyond the largest vehicle (9 seats) are refused at `persons`."""
    people = [{"case_ref": f"E-2026-01{i}", "nationality": "SRB", "gender": "f"} for i in range(persons)]
    response = client.post(
        URL, json=request_body(persons=people, escorts_required=escorts), headers=auth("abh", **ESSEN)
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "persons"
    assert "passen in kein Fahrzeug" in response.json()["detail"][0]["msg"]


def test_nine_seats_are_enough_for_one_person_and_eight_escorts(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """The capacity check is not off by one: 1 + 8 fits a 9-seat vehicle."""
    response = client.post(URL, json=request_body(escorts_required=8), headers=auth("abh", **ESSEN))
    assert response.status_code == 201


def test_a_second_request_for_the_same_person_reuses_the_person_record(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    """The case reference identifies the person within the ABH: no duplicate person rows."""
    for _ in range(2):
        assert client.post(URL, json=request_body(), headers=auth("abh", **ESSEN)).status_code == 201
    assert _counts(runtime) == (2, 1)


def test_zab_submits_a_dublin_transfer_from_a_state_facility(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """ZAB Köln files a hand-over at the Belgian border for a person in ZUE Düren."""
    body = request_body(
        origin="state_facility",
        persons=[{"case_ref": "ZUE-DN-4711", "nationality": "GIN", "gender": "m"}],
        pickup={
            "location": "FAC-ZUE-DN",
            "earliest": "2026-11-25T07:00:00+01:00",
            "latest": "2026-11-25T09:00:00+01:00",
            "service_min": 20,
        },
        dropoff={
            "location": "BRD-BE-AACHEN",
            "earliest": "2026-11-25T08:00:00+01:00",
            "latest": "2026-11-25T13:30:00+01:00",
            "service_min": 30,
        },
    )
    response = client.post(URL, json=body, headers=auth("zab", zab="ZAB-K"))
    assert response.status_code == 201, response.text
    assert response.json()["purpose"] == "dublin_handover" and response.json()["abh_id"] is None
    refused = client.post(URL, json=body, headers=auth("zab", zab="ZAB-E"))
    assert refused.status_code == 403
