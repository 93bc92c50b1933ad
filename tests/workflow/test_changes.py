"""Operations under change through the API, as the role that does each step (issue 18, items 1, 5, 6):
cancel after commitment (tour re-timed, other tours untouched, ABH notified), amendment after
commitment with the ZAB's confirmation, un-commit, the flight and calendar checks, other tenants."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import col, select

from ltrako.core.clock import FixedClock
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import AuditEvent, RequestStatusChange, Tour, TourEscort, TourStop, TransportRequest
from ltrako.planning import dayplan, restplatz
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tours import committed_plan
from planner.params import SolveParams
from planner.validate import validate
from tests.factories import BERLIN, request_body
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, KOELN, REQUESTS

Auth = Callable[..., dict[str, str]]
API = "/api/v1"
KOELN_ABH = {"abh": "ABH-05315"}


def _at(hour: int, minute: int = 0, day: dt.date = DAY) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN).isoformat()


def _body(
    case: str, pick: tuple[int, int], drop: tuple[int, int], place: str = "ABH-05113"
) -> dict[str, Any]:
    return request_body(
        persons=[{"case_ref": case, "nationality": "ALB", "gender": "m"}],
        pickup={"location": place, "earliest": _at(pick[0]), "latest": _at(pick[1]), "service_min": 20},
        dropoff={"location": "AP-DUS", "earliest": _at(drop[0]), "latest": _at(drop[1]), "service_min": 30},
    )


def _submit(client: TestClient, auth: Auth, body: dict[str, Any], abh: dict[str, str] = ESSEN_ABH) -> str:
    response = client.post(REQUESTS, json=body, headers=auth("abh", **abh))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _commit(runtime: Runtime, zab: str) -> None:
    """The ZAB plans its day and commits every proposed tour (the service, as the plan job does)."""
    dispatcher = Principal(f"disp-{zab}", Role.ZAB, zab_id=zab)
    version = dayplan.plan_day(runtime, dispatcher, day=DAY, zab_id=None, params=SolveParams(time_limit_s=3))
    assert version.id is not None
    with transaction(runtime.sessions) as session:
        plan = dayplan.read_version(session, version, "Europe/Berlin")
        assert plan.tours, "nothing planned"
        for index in range(len(plan.tours)):
            dayplan.accept_tour(
                session, dispatcher, version_id=version.id, tour_index=index, timezone="Europe/Berlin"
            )


def _tours(runtime: Runtime) -> dict[str, tuple[Any, ...]]:
    """Every committed tour of the day by vehicle: revision, times, crew and timed stops."""
    with transaction(runtime.sessions) as session:
        out = {}
        for tour in session.exec(select(Tour).where(Tour.day == DAY)):
            crew = sorted(session.exec(select(TourEscort.escort_id).where(TourEscort.tour_id == tour.id)))
            stops = session.exec(
                select(TourStop).where(TourStop.tour_id == tour.id).order_by(col(TourStop.seq))
            ).all()
            out[tour.vehicle_id] = (
                tour.id,
                tour.revision,
                tour.start,
                tour.end,
                tuple(crew),
                tuple((s.request_id, s.type, s.start) for s in stops),
            )
        return out


def _valid(runtime: Runtime) -> None:
    """The committed day passes the independent validator."""
    with transaction(runtime.sessions) as session:
        scenario = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
        )
        plan = committed_plan(session, DAY, "Europe/Berlin")
    assert validate(scenario, plan) == []


def _notes(client: TestClient, auth: Auth, abh: dict[str, str] = ESSEN_ABH) -> list[dict[str, Any]]:
    response = client.get(f"{API}/notifications", headers=auth("abh", **abh))
    assert response.status_code == 200, response.text
    return list(response.json())


def _history(runtime: Runtime, request_id: str) -> list[tuple[str | None, str, str | None]]:
    with transaction(runtime.sessions) as session:
        rows = session.exec(
            select(RequestStatusChange)
            .where(RequestStatusChange.request_id == request_id)
            .order_by(col(RequestStatusChange.id))
        ).all()
        return [
            (r.from_status.value if r.from_status else None, r.to_status.value, r.reason_code) for r in rows
        ]


def _essen_tour_of_two(client: TestClient, auth: Auth, runtime: Runtime) -> tuple[str, str]:
    """Essen's crew drives an early and a late trip in one committed tour; Köln has its own tour."""
    early = _submit(client, auth, _body("E-2026-0401", (6, 7), (7, 9)))
    late = _submit(client, auth, _body("E-2026-0402", (10, 11), (11, 13)))
    _submit(client, auth, _body("K-2026-0401", (6, 7), (7, 9), place="ABH-05315"), abh=KOELN_ABH)
    _commit(runtime, "ZAB-E")
    _commit(runtime, "ZAB-K")
    tours = _tours(runtime)
    assert {r for r, _, _ in tours["E-V1"][5]} == {early, late}, "both trips on Essen's one tour"
    return early, late


def test_zab_cancels_a_committed_request_tour_is_retimed_others_untouched_abh_notified(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    early, late = _essen_tour_of_two(client, auth, runtime)
    before = _tours(runtime)
    notes = _notes(client, auth)
    assert {(n["request_id"], n["kind"]) for n in notes} >= {
        (early, "accepted"),
        (early, "pickup_planned"),
        (late, "pickup_planned"),
    }
    planned = next(n for n in notes if n["request_id"] == early and n["kind"] == "pickup_planned")
    assert "(MEZ)" in planned["text"] and "25.11.2026" in planned["text"]
    assert planned["created_at"].endswith("+01:00")

    response = client.post(
        f"{REQUESTS}/{early}/cancel",
        json={"reason": "absconded", "reason_text": "Person nicht angetroffen"},
        headers=auth("zab", **ESSEN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"

    after = _tours(runtime)
    assert after["K-V1"] == before["K-V1"], "Köln's tour is not touched"
    tour_id, revision, start, _, crew, stops = after["E-V1"]
    assert tour_id == before["E-V1"][0] and revision == before["E-V1"][1] + 1
    assert crew == before["E-V1"][4], "same crew"
    assert [(r, t) for r, t, _ in stops] == [(r, t) for r, t, _ in before["E-V1"][5] if r == late]
    assert start is not None and before["E-V1"][2] is not None and start > before["E-V1"][2]
    _valid(runtime)
    crew_sheet = client.get(f"{API}/tours/{tour_id}/fahrauftrag", headers=auth("zab", **ESSEN))
    assert crew_sheet.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(crew_sheet.content)).pages)
    assert late in text and early not in text, "the crew's Fahrauftrag follows at once"

    cancelled = [n for n in _notes(client, auth) if n["request_id"] == early and n["kind"] == "cancelled"]
    assert len(cancelled) == 1 and "untergetaucht" not in cancelled[0]["text"]  # the free text wins
    assert "Person nicht angetroffen" in cancelled[0]["text"]
    assert ("accepted", "cancelled", "absconded") in _history(runtime, early)
    assert ("accepted", "accepted", "tour_retimed") in _history(runtime, late)
    with transaction(runtime.sessions) as session:
        contexts = session.exec(select(AuditEvent.context).where(AuditEvent.entity == "tour")).all()
    assert any(c and c.startswith("retimed") for c in contexts)

    # The ABH cancels the last trip itself: the tour is released, and it is not told of its own act.
    own = client.post(
        f"{REQUESTS}/{late}/cancel", json={"reason": "legal_obstacle"}, headers=auth("abh", **ESSEN_ABH)
    )
    assert own.status_code == 200, own.text
    assert "E-V1" not in _tours(runtime) and _tours(runtime)["K-V1"] == before["K-V1"]
    assert not [n for n in _notes(client, auth) if n["request_id"] == late and n["kind"] == "cancelled"]
    again = client.post(
        f"{REQUESTS}/{late}/cancel", json={"reason": "other"}, headers=auth("abh", **ESSEN_ABH)
    )
    assert again.status_code == 409 and "storniert" in again.json()["detail"]


def test_cancel_ends_at_the_pickup_and_other_tenants_get_404(
    client: TestClient, auth: Auth, runtime: Runtime, clock: FixedClock, day: dt.date
) -> None:
    early, _ = _essen_tour_of_two(client, auth, runtime)
    body = {"reason": "other"}
    assert (
        client.post(f"{REQUESTS}/{early}/cancel", json=body, headers=auth("abh", **KOELN_ABH)).status_code
        == 404
    )
    assert (
        client.post(f"{REQUESTS}/{early}/cancel", json=body, headers=auth("zab", **KOELN)).status_code == 404
    )
    assert (
        client.patch(f"{REQUESTS}/{early}", json={"priority": 1}, headers=auth("zab", **KOELN)).status_code
        == 404
    )
    assert client.post(f"{REQUESTS}/{early}/cancel", json=body, headers=auth("zfa")).status_code == 403
    bad = client.post(
        f"{REQUESTS}/{early}/cancel", json={"reason": "weather"}, headers=auth("abh", **ESSEN_ABH)
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "reason"

    clock.set(dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=BERLIN))  # the early trip is on the road
    late_cancel = client.post(f"{REQUESTS}/{early}/cancel", json=body, headers=auth("abh", **ESSEN_ABH))
    assert late_cancel.status_code == 409 and "bis zur Abholung" in late_cancel.json()["detail"]


def test_amendment_after_commitment_waits_for_the_zab_and_retimes_only_that_tour(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    early, late = _essen_tour_of_two(client, auth, runtime)
    before = _tours(runtime)
    change = {
        "pickup": {"location": "ABH-05113", "earliest": _at(11), "latest": _at(12), "service_min": 20},
        "dropoff": {"location": "AP-DUS", "earliest": _at(12), "latest": _at(14), "service_min": 30},
    }
    asked = client.patch(f"{REQUESTS}/{late}", json=change, headers=auth("abh", **ESSEN_ABH))
    assert asked.status_code == 202, asked.text
    amendment = asked.json()["amendment"]
    assert amendment["status"] == "pending" and amendment["requested_at"].endswith("+01:00")
    assert asked.json()["request"]["pickup"]["earliest"] == _at(10), "nothing changes before the ZAB confirms"
    assert _tours(runtime) == before
    twice = client.patch(f"{REQUESTS}/{late}", json=change, headers=auth("abh", **ESSEN_ABH))
    assert twice.status_code == 409

    assert [a["id"] for a in client.get(f"{API}/amendments", headers=auth("zab", **ESSEN)).json()] == [
        amendment["id"]
    ]
    assert client.get(f"{API}/amendments", headers=auth("zab", **KOELN)).json() == []
    decision = f"{API}/amendments/{amendment['id']}/decision"
    assert client.post(decision, json={"approve": True}, headers=auth("zab", **KOELN)).status_code == 404
    assert client.post(decision, json={"approve": True}, headers=auth("abh", **ESSEN_ABH)).status_code == 403

    confirmed = client.post(decision, json={"approve": True}, headers=auth("zab", **ESSEN))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    seen = client.get(f"{REQUESTS}/{late}", headers=auth("abh", **ESSEN_ABH)).json()
    assert seen["pickup"]["earliest"] == _at(11) and seen["status"] == "accepted"

    after = _tours(runtime)
    assert after["K-V1"] == before["K-V1"]
    _, revision, _, _, crew, stops = after["E-V1"]
    assert revision == before["E-V1"][1] + 1 and crew == before["E-V1"][4]
    assert [(r, t) for r, t, _ in stops] == [(r, t) for r, t, _ in before["E-V1"][5]], "same order"
    late_pickup = next(s for r, t, s in stops if r == late and t == "pickup")
    assert late_pickup is not None and late_pickup >= dt.datetime.fromisoformat(_at(11))
    _valid(runtime)
    kinds = {(n["request_id"], n["kind"]) for n in _notes(client, auth)}
    assert {(late, "amendment_decided"), (late, "pickup_changed")} <= kinds
    assert ("accepted", "accepted", "amendment_confirmed") in _history(runtime, late)
    again = client.post(decision, json={"approve": False}, headers=auth("zab", **ESSEN))
    assert again.status_code == 409

    # A change the tour cannot take (after the crew's shift) is refused before anyone confirms.
    too_late = {
        "pickup": {"location": "ABH-05113", "earliest": _at(16), "latest": _at(17), "service_min": 20},
        "dropoff": {"location": "AP-DUS", "earliest": _at(17), "latest": _at(19), "service_min": 30},
    }
    refused = client.patch(f"{REQUESTS}/{early}", json=too_late, headers=auth("abh", **ESSEN_ABH))
    assert refused.status_code == 409 and "passt nicht" in refused.json()["detail"]


def test_amendment_before_commitment_revalidates_and_applies(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    rid = _submit(client, auth, _body("E-2026-0410", (6, 7), (7, 9)))
    persons = [
        {"case_ref": "E-2026-0410", "nationality": "ALB", "gender": "f", "requires_female_escort": True},
        {"case_ref": "E-2026-0411", "nationality": "XKX", "gender": "m"},
    ]
    done = client.patch(f"{REQUESTS}/{rid}", json={"persons": persons}, headers=auth("zab", **ESSEN))
    assert done.status_code == 200, done.text
    read = done.json()
    assert read["amendment"] is None
    assert read["request"]["person_count"] == 2 and read["request"]["requires_female_escort"] is True
    assert ("submitted", "submitted", "amended") in _history(runtime, rid)
    assert (rid, "amended") in {(n["request_id"], n["kind"]) for n in _notes(client, auth)}
    unreachable = {
        "dropoff": {"location": "AP-DUS", "earliest": _at(6), "latest": _at(6, 10), "service_min": 30}
    }
    bad = client.patch(f"{REQUESTS}/{rid}", json=unreachable, headers=auth("abh", **ESSEN_ABH))
    assert bad.status_code == 422 and [p["field"] for p in bad.json()["detail"]] == ["dropoff.latest"]
    wrong = client.patch(
        f"{REQUESTS}/{rid}",
        json={"persons": [{**persons[0], "nationality": "XXY"}]},
        headers=auth("abh", **ESSEN_ABH),
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "persons.0.nationality"
    with transaction(runtime.sessions) as session:
        row = session.get(TransportRequest, rid)
        assert row is not None and row.persons == 2


def test_zab_uncommits_a_tour_with_a_reason(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    early, late = _essen_tour_of_two(client, auth, runtime)
    before = _tours(runtime)
    tour_id = before["E-V1"][0]
    url = f"{API}/tours/{tour_id}/uncommit"
    assert client.post(url, json={"reason": "Gericht"}, headers=auth("zab", **KOELN)).status_code == 404
    assert client.post(url, json={"reason": "Gericht"}, headers=auth("abh", **ESSEN_ABH)).status_code == 403
    empty = client.post(url, json={"reason": "  "}, headers=auth("zab", **ESSEN))
    assert empty.status_code == 422 and empty.json()["detail"][0]["field"] == "reason"
    done = client.post(
        url, json={"reason": "Eilantrag beim Verwaltungsgericht"}, headers=auth("zab", **ESSEN)
    )
    assert done.status_code == 200, done.text
    assert sorted(done.json()["requests"]) == sorted([early, late])
    after = _tours(runtime)
    assert "E-V1" not in after and after["K-V1"] == before["K-V1"]
    for rid in (early, late):
        seen = client.get(f"{REQUESTS}/{rid}", headers=auth("abh", **ESSEN_ABH)).json()
        assert seen["status"] == "submitted" and seen["carrier_zab_id"] is None
        assert ("accepted", "submitted", "uncommitted") in _history(runtime, rid)
    assert {(early, "uncommitted"), (late, "uncommitted")} <= {
        (n["request_id"], n["kind"]) for n in _notes(client, auth)
    }
    with transaction(runtime.sessions) as session:
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.entity == "tour", AuditEvent.entity_id == str(tour_id))
        ).all()
    assert any(e.context and e.context.startswith("uncommit") for e in audited)
    _commit(runtime, "ZAB-E")  # planned and committed again
    assert "E-V1" in _tours(runtime)


def test_notifications_read_unread_and_only_the_own_abh(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    _essen_tour_of_two(client, auth, runtime)
    notes = _notes(client, auth)
    assert notes and all(n["read"] is False for n in notes)
    koeln = _notes(client, auth, KOELN_ABH)
    assert koeln and not {n["id"] for n in koeln} & {n["id"] for n in notes}
    first = notes[0]["id"]
    assert (
        client.post(f"{API}/notifications/{first}/read", headers=auth("abh", **KOELN_ABH)).status_code == 404
    )
    marked = client.post(f"{API}/notifications/{first}/read", headers=auth("abh", **ESSEN_ABH))
    assert marked.status_code == 200 and marked.json() == {"marked": 1}
    unread = client.get(
        f"{API}/notifications", params={"unread": True}, headers=auth("abh", **ESSEN_ABH)
    ).json()
    assert first not in {n["id"] for n in unread} and len(unread) == len(notes) - 1
    everything = client.post(f"{API}/notifications/read", headers=auth("abh", **ESSEN_ABH))
    assert everything.json() == {"marked": len(notes) - 1}
    assert client.get(f"{API}/notifications", headers=auth("zab", **ESSEN)).status_code == 403


def _flight(client: TestClient, auth: Auth, origin: str, departure: str) -> int:
    legs = [
        {
            "flight_number": "W6 1234",
            "from": origin,
            "to": "TIA",
            "departure": departure,
            "arrival": departure[:11] + "23:00",
        }
    ]
    booked = client.post(f"{API}/flights", json={"legs": legs}, headers=auth("zfa"))
    assert booked.status_code == 201, booked.text
    return int(booked.json()["id"])


def test_requests_are_checked_against_their_flight_and_the_calendar(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    abh = auth("abh", **ESSEN_ABH)
    body = _body("E-2026-0420", (6, 7), (7, 9))

    def problems(payload: dict[str, Any]) -> list[tuple[str, str]]:
        response = client.post(REQUESTS, json=payload, headers=abh)
        assert response.status_code == 422, response.text
        return [(p["field"], p["msg"]) for p in response.json()["detail"]]

    cologne = _flight(client, auth, "CGN", "2026-11-25T13:00")
    ((field, message),) = problems({**body, "flight_id": cologne})
    assert field == "dropoff.location" and "Flughafen CGN" in message

    early = _flight(client, auth, "DUS", "2026-11-25T11:00")  # hand-over by 08:00, the window ends 09:00
    ((field, message),) = problems({**body, "flight_id": early})
    assert field == "dropoff.latest" and "08:00 (MEZ)" in message and "180 Minuten" in message

    next_day = _flight(client, auth, "DUS", "2026-11-26T13:00")
    ((field, message),) = problems({**body, "flight_id": next_day})
    assert field == "dropoff.latest" and "Abflugtag" in message

    fits = _flight(client, auth, "DUS", "2026-11-25T13:00")
    assert client.post(REQUESTS, json={**body, "flight_id": fits}, headers=abh).status_code == 201

    past = request_body(dt.date(2026, 11, 19))
    ((field, message),) = problems(past)
    assert field == "pickup.earliest" and "Vergangenheit" in message and "20.11.2026" in message

    ((field, message),) = problems({**_body("E-2026-0421", (6, 7), (7, 9)), "escorts_required": 0})
    assert field == "escorts_required" and "Begleitkraft" in message

    # An amendment is checked the same way.
    rid = _submit(client, auth, _body("E-2026-0422", (6, 7), (7, 9)))
    amended = client.patch(f"{REQUESTS}/{rid}", json={"flight_id": cologne}, headers=abh)
    assert amended.status_code == 422 and amended.json()["detail"][0]["field"] == "dropoff.location"


def test_a_dublin_record_only_on_a_dublin_hand_over(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    court = request_body(
        persons=[{"case_ref": "E-2026-0430", "nationality": "XKX", "gender": "m"}], purpose="court"
    )
    rid = _submit(client, auth, court)
    response = client.post(
        f"{API}/dublin-transfers",
        json={
            "request_id": rid,
            "facility_id": "FAC-EAE-E",
            "application_registered": "2026-05-02",
            "accepted_on": "2026-06-01",
        },
        headers=auth("zab", **ESSEN),
    )
    assert response.status_code == 422, response.text
    assert "request_id" in [p["field"] for p in response.json()["detail"]]
    assert "keine Dublin-Übergabe" in response.text


def test_an_amendment_the_locked_tour_cannot_take_is_refused_and_nothing_changes(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    """A wheelchair on a tour whose vehicle has none: the crew and vehicle stay locked, so the
    tour cannot be re-planned with it (409); two persons fit the seats and wait for the ZAB."""
    early, _ = _essen_tour_of_two(client, auth, runtime)
    before = _tours(runtime)
    person = {"case_ref": "E-2026-0401", "nationality": "ALB", "gender": "m"}
    wheelchair = client.patch(
        f"{REQUESTS}/{early}",
        json={"persons": [{**person, "wheelchair": True}]},
        headers=auth("abh", **ESSEN_ABH),
    )
    assert wheelchair.status_code == 409 and "passt nicht" in wheelchair.json()["detail"]
    two = [person, {"case_ref": "E-2026-0403", "nationality": "XKX", "gender": "m"}]
    family = client.patch(f"{REQUESTS}/{early}", json={"persons": two}, headers=auth("zab", **ESSEN))
    assert family.status_code == 202, family.text
    assert family.json()["amendment"]["changes"]["persons"] == 2
    assert _tours(runtime) == before
    seen = client.get(f"{REQUESTS}/{early}", headers=auth("abh", **ESSEN_ABH)).json()
    assert seen["person_count"] == 1, "unchanged until the ZAB confirms"


def test_no_notifications_for_a_cancelled_request(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    """A transit decision on the flight tells the ABH of the live request, not of the cancelled one."""
    legs = [
        {
            "flight_number": "AF1",
            "from": "DUS",
            "to": "CDG",
            "departure": "2026-11-25T13:00",
            "arrival": "2026-11-25T14:20",
        },
        {
            "flight_number": "AF2",
            "from": "CDG",
            "to": "ALG",
            "departure": "2026-11-25T16:30",
            "arrival": "2026-11-25T18:10",
        },
    ]
    booked = client.post(f"{API}/flights", json={"legs": legs}, headers=auth("zfa"))
    assert booked.status_code == 201, booked.text
    flight, (transit,) = booked.json()["id"], booked.json()["transits"]
    gone = _submit(client, auth, {**_body("E-2026-0440", (6, 7), (7, 9)), "flight_id": flight})
    live = _submit(client, auth, {**_body("E-2026-0441", (6, 7), (7, 9)), "flight_id": flight})
    cancelled = client.post(
        f"{REQUESTS}/{gone}/cancel", json={"reason": "voluntary_departure"}, headers=auth("zab", **ESSEN)
    )
    assert cancelled.status_code == 200
    url = f"{API}/zfa/transits/{transit['id']}"
    assert client.post(f"{url}/submit", headers=auth("zfa")).status_code == 200
    decided = client.post(
        f"{url}/decision", json={"approved": False, "reason": "Kapazität Flughafen"}, headers=auth("zfa")
    )
    assert decided.status_code == 200, decided.text
    notes = _notes(client, auth)
    assert [n["kind"] for n in notes if n["request_id"] == gone] == ["cancelled"]
    (told,) = [n for n in notes if n["request_id"] == live and n["kind"] == "transit_decision"]
    assert "abgelehnt" in told["text"] and "Grund: Kapazität Flughafen" in told["text"]


def test_the_carrying_zab_cancels_a_taken_over_request_and_its_own_tour_is_released(
    client: TestClient, auth: Auth, runtime: Runtime, day: dt.date
) -> None:
    """Essen's crew can drive one of two simultaneous trips; the other goes to the pool and Köln
    takes it over. Köln (the carrier, not the responsible ZAB) cancels it: Köln's tour is
    released, Essen's stays, and the ABH hears who took it over and who cancelled."""
    first = _submit(client, auth, _body("E-2026-0450", (6, 7), (7, 9)))
    second = _submit(client, auth, _body("E-2026-0451", (6, 7), (7, 9)))
    _commit(runtime, "ZAB-E")
    essen_tour = _tours(runtime)["E-V1"]
    pooled = second if {r for r, _, _ in essen_tour[5]} == {first} else first
    rejected = client.post(
        f"{REQUESTS}/{pooled}/reject", json={"reason": "no_staff"}, headers=auth("zab", **ESSEN)
    )
    assert rejected.status_code == 200, rejected.text
    koeln = Principal("disp-k", Role.ZAB, zab_id="ZAB-K")
    restplatz.run_pool(runtime, DAY, actor=koeln, params=SolveParams(time_limit_s=3))
    with transaction(runtime.sessions) as session:
        (offer,) = restplatz.offers(session, koeln, day=DAY)
        assert offer.id is not None and offer.request_ids == [pooled]
        restplatz.take_over(session, koeln, offer_id=offer.id, timezone="Europe/Berlin")
    assert "K-V1" in _tours(runtime)

    cancelled = client.post(
        f"{REQUESTS}/{pooled}/cancel", json={"reason": "unfit_to_travel"}, headers=auth("zab", **KOELN)
    )
    assert cancelled.status_code == 200, cancelled.text
    after = _tours(runtime)
    assert "K-V1" not in after and after["E-V1"] == essen_tour
    told = {n["kind"]: n["text"] for n in _notes(client, auth) if n["request_id"] == pooled}
    assert (
        "ZAB Köln" in told["taken_over"]
        and "ZAB Köln" in told["cancelled"]
        and "reiseunfähig" in told["cancelled"]
    )
    assert "kein Personal" in told["rejected"]
