"""ZRK medical reception blocks commitment until confirmed, hides details; Dublin deadlines via the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import Flight, FlightKind, TransportRequest
from tests.factories import request_body
from tests.jobs import planned
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]


def _flagged_request(client: TestClient, auth: Auth, runtime: Runtime) -> str:
    """ABH Essen: one person needing medical reception, flying to Albania."""
    body = request_body(
        persons=[
            {
                "case_ref": "E-2026-0201",
                "nationality": "ALB",
                "gender": "m",
                "requires_medical_reception": True,
            }
        ]
    )
    response = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH))
    assert response.status_code == 201, response.text
    rid = str(response.json()["id"])
    with transaction(runtime.sessions) as session:
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country="ALB")
        session.add(flight)
        session.flush()
        request = session.get(TransportRequest, rid)
        assert request is not None
        request.flight_id = flight.id
        session.add(request)
    return rid


def test_medical_reception_blocks_commitment_until_confirmed_and_only_zrk_reads_details(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    rid = _flagged_request(client, auth, runtime)
    zrk = auth("zrk")
    (case,) = client.get("/api/v1/zrk/cases", headers=zrk).json()
    assert (
        case["request_id"] == rid
        and case["status"] == "open"
        and case["contact"] == "Deutsche Botschaft Tirana"
    )
    assert case["due"].startswith("2026-11-11")  # 14 days before the pickup on 25.11.
    with transaction(runtime.sessions) as session:
        request = session.get(TransportRequest, rid)
        assert request is not None and request.requires_medical_escort  # the planner now asks for one
    details = client.put(
        f"/api/v1/zrk/cases/{case['id']}/details",
        json={"details": "Insulin"},
        headers=auth("abh", **ESSEN_ABH),
    )
    assert details.status_code == 204
    seen_by_zab = client.get(f"{REQUESTS}/{rid}/medical-reception", headers=auth("zab", **ESSEN)).json()
    assert seen_by_zab[0]["status"] == "open" and seen_by_zab[0]["medical_details"] is None
    seen_by_zrk = client.get(f"{REQUESTS}/{rid}/medical-reception", headers=zrk).json()
    assert seen_by_zrk[0]["medical_details"] == "Insulin"

    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    # Due on 11.11. and not confirmed by 20.11.: held, not planned as served (issue 18, item 4).
    assert version["tours"] == []
    (held,) = version["unassigned_requests"]
    assert held["request"] == rid and held["reason"] == "not_cleared"
    assert held["detail"] == "Nicht freigegeben: medizinische Inempfangnahme nicht fristgerecht bestätigt"
    case_url = f"/api/v1/zrk/cases/{case['id']}"
    assert (
        client.post(f"{case_url}/decision", json={"confirmed": True}, headers=zrk).status_code == 409
    )  # not asked yet
    assert client.post(f"{case_url}/request", headers=auth("zab", **ESSEN)).status_code == 403
    assert client.post(f"{case_url}/request", headers=zrk).json()["status"] == "requested"
    assert (
        client.post(f"{case_url}/decision", json={"confirmed": True}, headers=zrk).json()["status_label"]
        == "bestätigt"
    )
    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    assert len(version["tours"]) == 1  # Essen's crew has a medical escort (E-E01)
    accept = f"{PLANS}/{version['id']}/tours/0/accept"
    assert client.post(accept, headers=auth("zab", **ESSEN)).status_code == 200


def test_a_dublin_transfer_goes_to_the_facility_zab_gains_priority_and_blocks_when_expired(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    body = request_body(
        priority=2, persons=[{"case_ref": "D-2026-0001", "nationality": "AFG", "gender": "m"}]
    )
    rid = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH)).json()["id"]
    url = "/api/v1/dublin-transfers"
    transfer = {
        "request_id": rid,
        "facility_id": "FAC-EAE-E",  # Essen, Regierungsbezirk Düsseldorf
        "application_registered": "2026-04-01",
        "accepted_on": "2026-06-01",
    }
    bad = client.post(url, json={**transfer, "facility_id": "AP-DUS"}, headers=auth("zab", **ESSEN))
    assert bad.status_code == 422 and "facility_id" in bad.text
    assert client.post(url, json=transfer, headers=auth("zab", zab="ZAB-K")).status_code == 403
    created = client.post(url, json=transfer, headers=auth("zab", **ESSEN)).json()
    assert (
        created["basis"] == "dublin_iii"
        and created["deadline"] == "2026-12-01"
        and created["zab_id"] == "ZAB-E"
    )
    assert created["days_left"] == 6 and created["priority"] == 5 and not created["expired"]
    assert client.get(f"{REQUESTS}/{rid}", headers=auth("abh", **ESSEN_ABH)).json()["priority"] == 5

    late = {**transfer, "accepted_on": "2026-05-24"}  # deadline 24.11., the transport is on 25.11.
    expired = client.post(url, json=late, headers=auth("zab", **ESSEN)).json()
    assert expired["deadline"] == "2026-11-24" and expired["expired"] and expired["priority"] is None
    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    assert version["tours"] == []  # held: not planned as served, the reason in German
    (held,) = version["unassigned_requests"]
    assert held["reason"] == "not_cleared" and held["reason_label"] == "nicht freigegeben"
    assert held["detail"] == "Nicht freigegeben: Überstellungsfrist am 24.11.2026 abgelaufen"
    rejected = client.post(f"{PLANS}/{version['id']}/reject-unassigned", headers=auth("zab", **ESSEN))
    assert rejected.json() == {"rejected": []}  # no ZAB may drive it: not for the Restplatzbörse

    restarted = client.post(
        url, json={**late, "court_decision_on": "2026-07-01"}, headers=auth("zab", **ESSEN)
    ).json()
    assert restarted["deadline"] == "2027-01-01" and not restarted["expired"]
