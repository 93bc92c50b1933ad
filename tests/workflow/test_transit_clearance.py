"""ZFA transit requests: detected per flight, decided; an uncleared transport stays uncommitted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.aps import statistics
from ltrako.core.clock import FixedClock
from ltrako.core.db import transaction
from ltrako.core.errors import Conflict, Forbidden
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Flight, FlightKind, FlightLeg, Notification, TransitStatus, TransportRequest
from tests.factories import request_body
from tests.jobs import planned
from tests.workflow.conftest import DAY, ESSEN, PLANS, REQUESTS
from zfa import workflow

Auth = Callable[..., dict[str, str]]
ZFA = Principal("zfa-1", Role.ZFA)
UTC = dt.UTC


def _flight_via_paris(runtime: Runtime, request_id: str) -> int:
    """DUS 10:00 → CDG → ALG on the day after the transport, linked to the request."""
    with transaction(runtime.sessions) as session:
        flight = Flight(kind=FlightKind.SCHEDULED, destination_country="DZA")
        session.add(flight)
        session.flush()
        assert flight.id is not None
        session.add(
            FlightLeg(
                flight_id=flight.id,
                seq=1,
                flight_number="AF1107",
                origin_iata="DUS",
                destination_iata="CDG",
                departure=dt.datetime(2026, 11, 25, 9, tzinfo=UTC),
                arrival=dt.datetime(2026, 11, 25, 10, 20, tzinfo=UTC),
            )
        )
        session.add(
            FlightLeg(
                flight_id=flight.id,
                seq=2,
                flight_number="AF1654",
                origin_iata="CDG",
                destination_iata="ALG",
                departure=dt.datetime(2026, 11, 25, 12, 30, tzinfo=UTC),
                arrival=dt.datetime(2026, 11, 25, 14, 40, tzinfo=UTC),
            )
        )
        request = session.get(TransportRequest, request_id)
        assert request is not None
        request.flight_id = flight.id
        session.add(request)
        return flight.id


def _plan(client: TestClient, auth: Auth) -> dict[str, object]:
    response = client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    return planned(client, response)


def test_a_transport_is_committed_only_after_its_transit_is_approved(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    rid = submit("E-2026-0101")
    flight_id = _flight_via_paris(runtime, rid)
    with transaction(runtime.sessions) as session:
        (transit,) = workflow.detect(session, ZFA, flight_id=flight_id)
        assert (transit.airport, transit.country, transit.status) == ("CDG", "FR", TransitStatus.REQUIRED)
        assert transit.request_due == dt.datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
        assert workflow.detect(session, ZFA, flight_id=flight_id) == []  # idempotent
        transit_id = transit.id or 0
    version = _plan(client, auth)
    accept = f"{PLANS}/{version['id']}/tours/0/accept"
    blocked = client.post(accept, headers=auth("zab", **ESSEN))
    assert blocked.status_code == 409 and "CDG" in blocked.json()["detail"]
    with transaction(runtime.sessions) as session:
        assert [t.id for t in workflow.queue(session, ZFA)] == [transit_id]
        workflow.submit(session, ZFA, transit_id=transit_id)
        workflow.decide(session, ZFA, transit_id=transit_id, approved=True)
    assert client.post(accept, headers=auth("zab", **ESSEN)).status_code == 200


def test_a_rejected_transit_holds_the_transport_and_tells_the_abh(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    rid = submit("E-2026-0102")
    flight_id = _flight_via_paris(runtime, rid)
    with transaction(runtime.sessions) as session:
        (transit,) = workflow.detect(session, ZFA, flight_id=flight_id)
        transit_id = transit.id or 0
        with pytest.raises(Conflict):
            workflow.decide(session, ZFA, transit_id=transit_id, approved=False)  # not submitted yet
        workflow.submit(session, ZFA, transit_id=transit_id)
        workflow.decide(session, ZFA, transit_id=transit_id, approved=False, reason="Art. 3(3)(d)")
    with transaction(runtime.sessions) as session:
        flight = session.get(Flight, flight_id)
        assert flight is not None and flight.needs_rebooking
        notes = session.exec(select(Notification).where(Notification.request_id == rid)).all()
        assert [n.abh_id for n in notes] == ["ABH-05113"] and "abgelehnt" in notes[0].text
        assert workflow.queue(session, ZFA) == []
    version = _plan(client, auth)
    assert version["tours"] == []  # held: not planned as served (issue 18, item 4)
    assert version["unassigned_requests"] == [
        {
            "request": rid,
            "reason": "not_cleared",
            "reason_label": "nicht freigegeben",
            "detail": "Nicht freigegeben: Flug muss umgebucht werden (Durchbeförderung abgelehnt)",
        }
    ]


def test_a_transit_still_pending_past_its_deadline_holds_the_transport(
    client: TestClient, auth: Auth, runtime: Runtime, clock: FixedClock, submit: Callable[[str], str]
) -> None:
    rid = submit("E-2026-0106")
    flight_id = _flight_via_paris(runtime, rid)
    with transaction(runtime.sessions) as session:
        (transit,) = workflow.detect(session, ZFA, flight_id=flight_id)  # due 23.11. 10:20 UTC
    first = _plan(client, auth)
    assert len(first["tours"]) == 1  # in time still: planned, blocked at commitment only
    clock.set(dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # past the deadline, never filed
    second = _plan(client, auth)
    assert second["tours"] == []
    (held,) = second["unassigned_requests"]
    assert held["request"] == rid and held["reason"] == "not_cleared"
    assert "Durchbeförderung über CDG nach Fristablauf nicht bewilligt" in held["detail"]
    with transaction(runtime.sessions) as session:
        assert session.get(TransportRequest, rid).status.value == "submitted"  # type: ignore[union-attr]
        submitted = workflow.submit(session, ZFA, transit_id=transit.id or 0)
        assert submitted.late  # filed after its due time: late, and the statistics count it


def test_a_transit_filed_after_its_due_day_is_late(
    runtime: Runtime, clock: FixedClock, submit: Callable[[str], str]
) -> None:
    """Due 30.11., filed 1.12.: late (it was false before, whenever the booking time was not given)."""
    rid = submit("E-2026-0107")
    flight_id = _flight_via_paris(runtime, rid)
    with transaction(runtime.sessions) as session:
        (transit,) = workflow.detect(session, ZFA, flight_id=flight_id)
        transit.request_due = dt.datetime(2026, 11, 30, 10, 20, tzinfo=UTC)
        assert not transit.late
        session.add(transit)
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    with transaction(runtime.sessions) as session:
        assert workflow.submit(session, ZFA, transit_id=transit.id or 0).late
    with transaction(runtime.sessions) as session:
        facts = statistics.collect_facts(session, dt.date(2026, 11, 1), dt.date(2026, 11, 30), None)
        assert "late" in facts[rid].transit


def test_only_the_zfa_works_on_transits(runtime: Runtime, submit: Callable[[str], str]) -> None:
    flight_id = _flight_via_paris(runtime, submit("E-2026-0103"))
    with transaction(runtime.sessions) as session, pytest.raises(Forbidden):
        workflow.detect(session, Principal("d", Role.ZAB, zab_id="ZAB-E"), flight_id=flight_id)


def test_the_zfa_works_the_queue_through_the_api(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    rid = submit("E-2026-0104")
    flight_id = _flight_via_paris(runtime, rid)
    zfa = auth("zfa")
    url = f"/api/v1/zfa/flights/{flight_id}/transits"
    assert client.post(url, json={}, headers=auth("zab", **ESSEN)).status_code == 403
    assert client.post("/api/v1/zfa/flights/999999/transits", json={}, headers=zfa).status_code == 404
    bad = client.post(url, json={"booked_at": "2026-11-24T10:00"}, headers=zfa)
    assert bad.status_code == 422 and "booked_at" in bad.text  # a time without zone is refused
    created = client.post(url, json={"booked_at": "2026-11-24T10:00:00+01:00"}, headers=zfa)
    assert created.status_code == 201, created.text
    (transit,) = created.json()
    assert transit["late"] is True and transit["status_label"] == "erforderlich"
    assert [t["id"] for t in client.get("/api/v1/zfa/transits", headers=zfa).json()] == [transit["id"]]
    base = f"/api/v1/zfa/transits/{transit['id']}"
    assert client.post(f"{base}/submit", headers=zfa).json()["status"] == "submitted"
    document = client.get(f"{base}/document", headers=zfa).json()
    assert document["requested_state"] == "FR" and document["arrival_flight"]["number"] == "AF1107"
    decided = client.post(f"{base}/decision", json={"approved": True}, headers=zfa)
    assert decided.json()["status_label"] == "bewilligt" and decided.json()["decided_by"]
    assert client.post(f"{base}/decision", json={"approved": False}, headers=zfa).status_code == 409
    notes = client.get("/api/v1/notifications", headers=auth("abh", abh="ABH-05113")).json()
    assert [n["request_id"] for n in notes] == [rid] and "bewilligt" in notes[0]["text"]


def test_booking_a_flight_validates_the_itinerary_and_detects_transits(
    client: TestClient, auth: Auth, day: dt.date
) -> None:
    legs = [
        {
            "flight_number": "AF1107",
            "from": "DUS",
            "to": "CDG",
            "departure": "2026-12-01T13:00",
            "arrival": "2026-12-01T14:20",
        },
        {
            "flight_number": "AH1007",
            "from": "CDG",
            "to": "ALG",
            "departure": "2026-12-01T16:30",
            "arrival": "2026-12-01T18:10",
        },
    ]
    assert (
        client.post("/api/v1/flights", json={"legs": legs}, headers=auth("abh", abh="ABH-05113")).status_code
        == 403
    )
    unknown = client.post("/api/v1/flights", json={"legs": [{**legs[0], "to": "QQQ"}]}, headers=auth("zfa"))
    assert unknown.status_code == 422 and "legs[0].to" in unknown.text
    reversed_legs = client.post("/api/v1/flights", json={"legs": [legs[1], legs[0]]}, headers=auth("zfa"))
    assert reversed_legs.status_code == 422 and "legs[1]" in reversed_legs.text
    booked = client.post(
        "/api/v1/flights", json={"legs": legs, "booked_at": "2026-11-21T09:00:00+01:00"}, headers=auth("zfa")
    )
    assert booked.status_code == 201, booked.text
    flight = booked.json()
    assert flight["destination_country"] == "DZA"
    assert [(t["airport"], t["basis"], t["late"]) for t in flight["transits"]] == [
        ("CDG", "directive_2003_110", False)
    ]
    body = request_body(  # hand-over at DUS 07:00–09:00, by 10:00 (three hours before departure)
        dt.date(2026, 12, 1),
        flight_id=flight["id"],
        persons=[{"case_ref": "E-2026-0105", "nationality": "DZA", "gender": "m"}],
    )
    linked = client.post(REQUESTS, json=body, headers=auth("abh", abh="ABH-05113"))
    assert linked.status_code == 201 and linked.json()["flight_id"] == flight["id"]
    missing = client.post(REQUESTS, json={**body, "flight_id": 999999}, headers=auth("abh", abh="ABH-05113"))
    assert missing.status_code == 422 and "flight_id" in missing.text


def test_configured_refusing_states_are_flagged_on_booking(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    runtime.settings.transit_refusing_states = ["fr"]
    legs = [
        {
            "flight_number": "AF1",
            "from": "DUS",
            "to": "CDG",
            "departure": "2026-12-01T07:00",
            "arrival": "2026-12-01T08:20",
        },
        {
            "flight_number": "AF2",
            "from": "CDG",
            "to": "ALG",
            "departure": "2026-12-01T10:30",
            "arrival": "2026-12-01T12:10",
        },
    ]
    booked = client.post("/api/v1/flights", json={"legs": legs}, headers=auth("zfa")).json()
    assert booked["transits"][0]["refused_state"] is True
