"""Regression tests for the outside probe's findings (issue 16): each failed on main before its fix.

Cross-tenant writes, medical details for admin, person overwrites across ZABs, duplicate
persons and 500s with personal data in the log on racing submissions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
from collections.abc import Callable

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from ltrako.core.cells import FORMULA_START, cells
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import (
    AuditEvent,
    Flight,
    FlightKind,
    MedicalReception,
    Person,
    PlanVersion,
    TransportRequest,
)
from tests.conftest import TEST_SECRET
from tests.factories import request_body
from tests.workflow.conftest import DAY

Auth = Callable[..., dict[str, str]]
URL = "/api/v1/transport-requests"


def _state_facility(case_ref: str, facility: str = "FAC-ZUE-DN") -> dict[str, object]:
    """A hand-over at the Belgian border for a person in a state facility (ZUE Düren: ZAB Köln)."""
    return request_body(
        origin="state_facility",
        persons=[{"case_ref": case_ref, "nationality": "GIN", "gender": "m", "wheelchair": False}],
        pickup={
            "location": facility,
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


def _persons(runtime: Runtime, case_ref: str) -> list[Person]:
    with transaction(runtime.sessions) as session:
        return list(session.exec(select(Person).where(Person.case_ref == case_ref)).all())


def test_a_zab_cannot_move_another_zabs_request_with_a_dublin_transfer(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.2: ZAB Essen registers a transfer for a Köln request with an Essen facility: 403, and
    the request stays with Köln; Köln itself may not hand it to Essen either; operations may."""
    koeln = client.post(URL, json=request_body(), headers=auth("abh", abh="ABH-05315"))  # ABH Köln
    assert koeln.status_code == 201, koeln.text
    rid = koeln.json()["id"]
    body = {
        "request_id": rid,
        "facility_id": "FAC-EAE-E",
        "application_registered": "2026-10-01",
        "accepted_on": "2026-10-20",
    }
    assert (
        client.post("/api/v1/dublin-transfers", json=body, headers=auth("zab", zab="ZAB-E")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/dublin-transfers", json=body, headers=auth("zab", zab="ZAB-K")).status_code
        == 403
    )
    with transaction(runtime.sessions) as session:
        row = session.get(TransportRequest, rid)
        assert row is not None and row.zab_id == "ZAB-K" and row.origin.value == "municipal"
    moved = client.post("/api/v1/dublin-transfers", json=body, headers=auth("admin"))
    assert moved.status_code == 201, moved.text
    assert client.get(f"{URL}/{rid}", headers=auth("zab", zab="ZAB-K")).status_code == 404  # no longer theirs


def test_a_zab_submission_with_another_zabs_case_ref_leaves_that_person_alone(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.4: persons of state facilities belong to their ZAB: ZAB Essen's submission with ZAB
    Köln's case reference makes an Essen person and does not rewrite Köln's."""
    assert (
        client.post(URL, json=_state_facility("ZUE-4711"), headers=auth("zab", zab="ZAB-K")).status_code
        == 201
    )
    other = _state_facility("ZUE-4711", facility="FAC-EAE-E")
    other["persons"] = [{"case_ref": "ZUE-4711", "nationality": "SYR", "gender": "f", "wheelchair": True}]
    assert client.post(URL, json=other, headers=auth("zab", zab="ZAB-E")).status_code == 201
    persons = {p.owner_id: p for p in _persons(runtime, "ZUE-4711")}
    assert set(persons) == {"ZAB-K", "ZAB-E"}
    assert (persons["ZAB-K"].nationality, persons["ZAB-K"].gender.value, persons["ZAB-K"].wheelchair) == (
        "GIN",
        "m",
        False,
    )


def test_an_abh_cannot_register_a_state_facility_case(client: TestClient, auth: Auth) -> None:
    """16.4: /removal-cases refuses what /transport-requests refuses: an ABH filing for a state facility."""
    body = {
        "persons": [{"case_ref": "ZUE-4711", "nationality": "GIN", "gender": "m"}],
        "origin": "state_facility",
        "pickup_location": "FAC-ZUE-DN",
        "destination_country": "GIN",
        "documents_ready": True,
        "priority": 3,
    }
    refused = client.post("/api/v1/removal-cases", json=body, headers=auth("abh", abh="ABH-05113"))
    assert refused.status_code == 403, refused.text


@pytest.mark.postgres
def test_racing_submissions_of_a_new_person_make_one_person_and_no_500(
    client: TestClient, auth: Auth, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """16.4/16.6: four submissions at once with the same new case ref and no Idempotency-Key:
    four requests, one person, no 500, and the case ref appears in no log line."""
    case_ref = "RACE-2026-0042"
    body = request_body(persons=[{"case_ref": case_ref, "nationality": "ALB", "gender": "m"}])
    headers = auth("abh", abh="ABH-05113")
    statuses: list[int] = []
    start = threading.Barrier(4)

    def submit() -> None:
        start.wait()
        statuses.append(client.post(URL, json=body, headers=headers).status_code)

    with caplog.at_level(logging.DEBUG):
        threads = [threading.Thread(target=submit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [201] * 4
    assert len(_persons(runtime, case_ref)) == 1
    assert case_ref not in caplog.text


def test_admin_decides_a_medical_reception_without_seeing_its_details_and_reads_are_audited(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.3/16.7: the ZRK queue, request and decision answer admin without medical details; the
    queue read is audited for admin and ZRK alike."""
    submitted = client.post(
        URL,
        json=request_body(
            persons=[
                {
                    "case_ref": "E-MED-1",
                    "nationality": "ALB",
                    "gender": "m",
                    "requires_medical_reception": True,
                }
            ]
        ),
        headers=auth("abh", abh="ABH-05113"),
    )
    assert submitted.status_code == 201
    rid = submitted.json()["id"]
    with transaction(runtime.sessions) as session:
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country="ALB")
        session.add(flight)
        session.flush()
        request = session.get(TransportRequest, rid)
        assert request is not None
        request.flight_id = flight.id
        session.add(request)
    queue = client.get("/api/v1/zrk/cases", headers=auth("zrk"))
    assert queue.status_code == 200 and len(queue.json()) == 1
    case_id = queue.json()[0]["id"]
    with transaction(runtime.sessions) as session:
        case = session.get(MedicalReception, case_id)
        assert case is not None
        case.medical_details = "Dialyse dreimal wöchentlich"
        session.add(case)
    for step, body in (("request", None), ("decision", {"confirmed": True})):
        answer = client.post(f"/api/v1/zrk/cases/{case_id}/{step}", json=body, headers=auth("admin"))
        assert answer.status_code == 200, answer.text
        assert "Dialyse" not in answer.text and answer.json()["medical_details_visible"] is False
    with transaction(runtime.sessions) as session:
        reads = session.exec(
            select(func.count()).where(
                AuditEvent.entity == "medical_reception",
                AuditEvent.entity_id == str(case_id),
                AuditEvent.action == "read",
            )
        ).one()
    assert reads >= 3  # the ZRK's queue, admin's request and decision


def test_an_unexpected_error_is_a_german_500_and_its_message_reaches_no_log(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """16.6: the exception's text (here a case reference) is neither answered nor logged, and no
    traceback leaves the service (the test client would re-raise it)."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Fall E-2026-GEHEIM: Verbindung verloren")

    monkeypatch.setattr("api.routes.requests.service.list_requests", broken)
    with caplog.at_level(logging.DEBUG):
        answer = client.get(URL, headers=auth("abh", abh="ABH-05113"))
    assert answer.status_code == 500 and answer.json()["detail"].startswith("Interner Fehler")
    assert "GEHEIM" not in caplog.text and "GEHEIM" not in answer.text
    assert "RuntimeError" in caplog.text


def test_a_unique_key_race_is_a_409_without_its_parameters(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """16.6: an IntegrityError (a racing writer got the key first) answers 409, parameters unlogged."""

    def racing(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError(
            "INSERT INTO person ...", {"case_ref": "E-2026-GEHEIM"}, Exception("duplicate key")
        )

    monkeypatch.setattr("api.routes.requests.service.submit_request", racing)
    with caplog.at_level(logging.DEBUG):
        answer = client.post(URL, json=request_body(), headers=auth("abh", abh="ABH-05113"))
    assert answer.status_code == 409 and "Gleichzeitige Änderung" in answer.json()["detail"]
    assert "GEHEIM" not in caplog.text and "GEHEIM" not in answer.text


def _denials(runtime: Runtime, entity: str, entity_id: str) -> list[AuditEvent]:
    with transaction(runtime.sessions) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.entity == entity,
                    AuditEvent.entity_id == entity_id,
                    AuditEvent.outcome == "denied",
                )
            ).all()
        )


def test_refusals_of_gates_services_and_pages_are_audited_and_exported(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.7: a service's refusal (ZAB Köln closes an Essen request), a gate's (the ministry reads
    it) and a page's (a case worker on the Tagesplan) are recorded; the DPO export of the case
    lists the refusals that concern it."""
    submitted = client.post(URL, json=request_body(), headers=auth("abh", abh="ABH-05113"))
    rid = submitted.json()["id"]
    closed = client.post(
        f"{URL}/{rid}/close", json={"outcome": "cancelled"}, headers=auth("zab", zab="ZAB-K", subject="zab-k")
    )
    assert closed.status_code == 403
    assert client.get(f"{URL}/{rid}", headers=auth("ministry", subject="min-1")).status_code == 403
    denied = _denials(runtime, "transport_request", rid)
    assert {(e.actor, e.context) for e in denied} >= {
        ("zab-k", "POST /transport-requests/{request_id}/close"),
        ("min-1", "GET /transport-requests/{request_id}"),
    }
    trail = client.get(f"/api/v1/privacy/cases/{rid}/audit", headers=auth("dpo")).json()
    exported = {(e["actor"], e["outcome"]) for e in trail}
    assert {("zab-k", "denied"), ("min-1", "denied")} <= exported
    login = client.post("/web/login", data={"role": "abh", "abh": "ABH-05113"}, follow_redirects=False)
    page = client.get("/web/zab/tag", cookies=login.cookies)
    assert page.status_code == 403
    with transaction(runtime.sessions) as session:
        pages = session.exec(
            select(func.count()).where(
                AuditEvent.context.like("GET %zab/tag"), AuditEvent.outcome == "denied"
            )
        ).one()
    assert pages == 1


def test_plan_versions_and_dublin_transfers_read_are_audited(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.7: GET /plans?day= and GET /dublin-transfers write a read event per record shown."""
    submitted = client.post(URL, json=_state_facility("ZUE-4712"), headers=auth("zab", zab="ZAB-K"))
    rid = submitted.json()["id"]
    body = {
        "request_id": rid,
        "facility_id": "FAC-ZUE-DN",
        "application_registered": "2026-10-01",
        "accepted_on": "2026-10-20",
    }
    assert (
        client.post("/api/v1/dublin-transfers", json=body, headers=auth("zab", zab="ZAB-K")).status_code
        == 201
    )
    listed = client.get("/api/v1/dublin-transfers", headers=auth("zab", zab="ZAB-K", subject="k-1"))
    assert [t["request_id"] for t in listed.json()] == [rid]
    with transaction(runtime.sessions) as session:
        reads = session.exec(
            select(AuditEvent).where(AuditEvent.entity == "dublin_transfer", AuditEvent.actor == "k-1")
        ).all()
    assert [(e.action.value, e.entity_id) for e in reads] == [("read", rid)]
    with transaction(runtime.sessions) as session:
        session.add(
            PlanVersion(
                day=DAY,
                zab_id="ZAB-K",
                number=1,
                created_by="t",
                plan=_empty_plan(),
                served=0,
                unassigned=0,
                km=0,
            )
        )
    versions = client.get(
        "/api/v1/plans", params={"day": str(DAY)}, headers=auth("zab", zab="ZAB-K", subject="k-2")
    )
    assert len(versions.json()) == 1
    with transaction(runtime.sessions) as session:
        read = session.exec(
            select(func.count()).where(AuditEvent.entity == "plan_version", AuditEvent.actor == "k-2")
        ).one()
    assert read == 1


def _empty_plan() -> dict[str, object]:
    return {
        "format": "ltrako-plan/1",
        "scenario_date": str(DAY),
        "tours": [],
        "unassigned": [],
        "stats": {"served": 0, "unassigned": 0, "km": 0.0, "solve_seconds": 0.0},
    }


def test_exports_show_formula_like_text_as_text(client: TestClient, auth: Auth) -> None:
    """16.8: a subject like `=cmd|' /C calc'!A0` lands in the DPO's CSV as text, not a formula."""
    subject = "=cmd|' /C calc'!A0"
    rid = client.post(URL, json=request_body(), headers=auth("abh", abh="ABH-05113", subject=subject)).json()[
        "id"
    ]
    csv_text = client.get(
        f"/api/v1/privacy/cases/{rid}/audit", params={"format": "csv"}, headers=auth("dpo")
    ).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows and all(not r["actor"].startswith(FORMULA_START) for r in rows)
    assert "'" + subject in {r["actor"] for r in rows}
    assert cells(["-1 Person", 5, "@SUM(A1)", "Essen"]) == ["'-1 Person", 5, "'@SUM(A1)", "Essen"]


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"sub": "x" * 81}, "Subjekt"),
        ({"sub": "ok", "zab": {"id": "ZAB-E"}}, "zab"),
        ({"sub": "line\nbreak"}, "Subjekt"),
    ],
)
def test_odd_token_claims_are_refused_with_401(
    client: TestClient, settings: Settings, clock: FixedClock, claims: dict[str, object], why: str
) -> None:
    """16.9: an overlong subject or a dict-valued claim was a 500 on every audited call: now 401."""
    now = clock.now()
    payload = {
        "iss": settings.local_issuer,
        "role": "zab",
        "zab": "ZAB-E",
        "exp": now + dt.timedelta(hours=1),
    }
    payload.update(claims)
    token = jwt.encode(payload, TEST_SECRET, algorithm="HS256")
    answer = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and why in answer.json()["detail"]


def test_a_choice_error_is_german_throughout_and_an_unknown_abh_is_a_422(
    client: TestClient, auth: Auth
) -> None:
    """16.10: 'Zulässige Werte: 'csv', 'xlsx' oder 'html'' (not 'or'); /removal-cases with an
    unknown ABH names the field (422), as /transport-requests does."""
    answer = client.get(
        "/api/v1/aps/statistics/export", params={"period": "2026", "format": "pdf"}, headers=auth("ministry")
    )
    assert answer.status_code == 422
    message = answer.json()["detail"][0]["msg"]
    assert " oder " in message and " or " not in message
    body = {
        "persons": [{"case_ref": "E-2026-0099", "nationality": "ALB", "gender": "m"}],
        "pickup_location": "ABH-05113",
        "destination_country": "ALB",
        "abh_id": "ABH-99999",
    }
    unknown = client.post("/api/v1/removal-cases", json=body, headers=auth("zab", zab="ZAB-E"))
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "abh_id"


def test_another_tenants_request_is_not_there_and_the_attempt_is_audited(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """16.10: 404 for another ABH's request as for an unknown id (no probing which ids exist);
    the attempt is recorded as denied."""
    rid = client.post(URL, json=request_body(), headers=auth("abh", abh="ABH-05113")).json()["id"]
    other = client.get(f"{URL}/{rid}", headers=auth("abh", abh="ABH-05315", subject="sb-koeln"))
    unknown = client.get(f"{URL}/TR-261125-FFFFFF", headers=auth("abh", abh="ABH-05315", subject="sb-koeln"))
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"].replace(rid, "X") == unknown.json()["detail"].replace(
        "TR-261125-FFFFFF", "X"
    )
    assert [e.actor for e in _denials(runtime, "transport_request", rid)] == ["sb-koeln"]
