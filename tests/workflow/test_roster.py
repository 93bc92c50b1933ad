"""Duty roster and fleet: shifts, a month's CSV, absences, breakdowns; a change that touches a
committed tour marks it gefährdet; the planner proposes a repair, the dispatcher confirms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.models import EscortShift, RequestStatus, ResourceChange, Tour, TransportRequest
from ltrako.planning.scenario import export_scenario, import_scenario
from ltrako.planning.tours import committed_plan, committed_tours
from planner.model import Escort, Vehicle
from planner.validate import validate
from tests.factories import H, extended_two_zab_day, request_body
from tests.jobs import done, drain, planned
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, KOELN, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def essen_two_crews(runtime: Runtime) -> None:
    """Essen with two vehicles and four escorts (two crews), Köln as in the two-ZAB day."""
    scenario = extended_two_zab_day(
        DAY,
        vehicles=(Vehicle("E-V2", "ZAB-E", "ZAB-E", 9, False, 5 * H, 22 * H),),
        escorts=(
            Escort("E-E03", "ZAB-E", "f", (), 5 * H, 15 * H),
            Escort("E-E04", "ZAB-E", "m", (), 5 * H, 15 * H),
        ),
    )
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)


def committed_one(client: TestClient, auth: Auth) -> tuple[str, dict[str, object]]:
    body = request_body(persons=[{"case_ref": "E-2026-0201", "nationality": "ALB", "gender": "m"}])
    rid = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH)).json()["id"]
    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    (tour,) = version["tours"]
    accepted = client.post(f"{PLANS}/{version['id']}/tours/0/accept", headers=auth("zab", **ESSEN))
    assert accepted.status_code == 200, accepted.text
    return str(rid), tour


@pytest.mark.usefixtures("essen_two_crews")
def test_a_sick_escort_endangers_the_tour_and_the_confirmed_repair_takes_another_crew(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    rid, tour = committed_one(client, auth)
    sick = sorted(tour["escorts"])[0]  # type: ignore[call-overload]
    essen = auth("zab", **ESSEN)
    absence = {"escort_id": sick, "kind": "sick", "first_day": str(DAY), "last_day": str(DAY)}
    assert (
        client.post("/api/v1/roster/absences", json=absence, headers=auth("zab", **KOELN)).status_code == 404
    )
    reported = client.post("/api/v1/roster/absences", json=absence, headers=essen)
    assert reported.status_code == 201, reported.text
    (endangered,) = reported.json()["endangered"]
    day = client.get("/api/v1/roster", params={"day": str(DAY)}, headers=essen).json()
    listed = next(e for e in day["escorts"] if e["escort_id"] == sick)
    assert listed["absence"] == "sick" and endangered["endangered"] == f"{listed['name']} krank"
    assert [e["tour_id"] for e in day["endangered"]] == [endangered["tour_id"]]

    job = done(client, client.post(f"/api/v1/tours/{endangered['tour_id']}/repairs", headers=essen))
    assert job["kind"] == "tour_repair"  # the planner runs in a worker, not in the request
    proposed = client.get(f"/api/v1/tour-repairs/{job['result_ref']}", headers=essen)
    assert proposed.status_code == 200, proposed.text
    proposal = proposed.json()
    assert proposal["pool"] == [] and proposal["status"] == "open"
    (new_tour,) = proposal["tours"]
    assert sick not in new_tour["escorts"] and len(new_tour["escorts"]) == 2
    assert [s["request"] for s in new_tour["stops"] if s["request"]] == [rid, rid]
    with transaction(runtime.sessions) as session:  # nothing changes before the confirmation
        before = committed_tours(session, DAY)
        assert [t.tour_id for t in before.values()] == [endangered["tour_id"]]

    assert (
        client.post(
            f"/api/v1/tour-repairs/{proposal['id']}/confirm", headers=auth("zab", **KOELN)
        ).status_code
        == 404
    )
    confirmed = client.post(f"/api/v1/tour-repairs/{proposal['id']}/confirm", headers=essen)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    again = client.post(f"/api/v1/tour-repairs/{proposal['id']}/confirm", headers=essen)
    assert again.status_code == 409
    with transaction(runtime.sessions) as session:
        after = committed_tours(session, DAY)
        (repaired,) = after.values()
        assert sick not in repaired.escorts and repaired.requests == {rid}
        old = session.get(Tour, endangered["tour_id"])
        assert old is not None and not old.is_committed and old.endangered is None
        request = session.get(TransportRequest, rid)
        assert request is not None and request.status is RequestStatus.ACCEPTED
        scenario = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
        )
        assert validate(scenario, committed_plan(session, DAY, "Europe/Berlin")) == []
    assert client.get("/api/v1/roster", params={"day": str(DAY)}, headers=essen).json()["endangered"] == []


@pytest.mark.usefixtures("day")
def test_a_breakdown_without_a_spare_vehicle_sends_the_request_to_the_restplatzboerse(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    rid, _ = committed_one(client, auth)
    essen = auth("zab", **ESSEN)
    url = f"/api/v1/fleet/vehicles/E-V1/days/{DAY}"
    assert client.put(url, json={"in_service": False}, headers=auth("zab", **KOELN)).status_code == 404
    broken = client.put(url, json={"in_service": False}, headers=essen)
    assert broken.status_code == 200, broken.text
    (endangered,) = broken.json()["endangered"]
    assert "außer Betrieb" in endangered["endangered"]
    job = done(client, client.post(f"/api/v1/tours/{endangered['tour_id']}/repairs", headers=essen))
    proposal = client.get(f"/api/v1/tour-repairs/{job['result_ref']}", headers=essen).json()
    assert proposal["tours"] == [] and proposal["pool"] == [rid]
    assert client.post(f"/api/v1/tour-repairs/{proposal['id']}/confirm", headers=essen).status_code == 200
    seen = client.get(f"{REQUESTS}/{rid}", headers=auth("abh", **ESSEN_ABH)).json()
    assert seen["status"] == "in_pool"
    board = client.get("/api/v1/restplatz/board", params={"day": str(DAY)}, headers=essen).json()
    assert board[0]["refused"] == "kein Personal verfügbar"  # Essen is not offered it again


@pytest.mark.usefixtures("day")
def test_a_month_roster_csv_replaces_the_month_and_errors_name_the_line(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    essen = auth("zab", **ESSEN)
    bad = "Begleitkraft;Datum;Beginn;Ende\nE-E01;25.11.2026;06:00;14:00\nK-E01;26.11.2026;06:00;14:00\n"
    refused = client.post("/api/v1/roster/imports", json={"month": "2026-11", "csv": bad}, headers=essen)
    assert refused.status_code == 422 and "csv.zeile_3" in refused.text and "K-E01" in refused.text
    text = (
        "Begleitkraft;Datum;Beginn;Ende\nE-E01;25.11.2026;06:00;14:00\n"
        "E-E01;26.11.2026;;\nE-E02;2026-11-26;07:30;16:00\n"
    )
    done = client.post("/api/v1/roster/imports", json={"month": "2026-11", "csv": text}, headers=essen)
    assert done.status_code == 201, done.text
    assert done.json() == {"shifts": 2, "days": 2, "endangered": []}
    header_only = {"month": "2026-12", "csv": "Begleitkraft,Datum,Beginn,Ende\n"}
    assert client.post("/api/v1/roster/imports", json=header_only, headers=essen).json()["shifts"] == 0
    for month, csv_text in (("2026-13", text), ("2026-11", '"\x00;"\n'), ("2026-11", "")):
        wrong = client.post("/api/v1/roster/imports", json={"month": month, "csv": csv_text}, headers=essen)
        assert wrong.status_code == 422, wrong.text
    with transaction(runtime.sessions) as session:
        shifts = session.exec(select(EscortShift).order_by(EscortShift.escort_id, EscortShift.day)).all()
        essen_shifts = [(s.escort_id, s.day.day) for s in shifts if s.escort_id.startswith("E-")]
        assert essen_shifts == [("E-E01", 25), ("E-E02", 26)]  # E-E02's shift of the 25th is gone
        assert session.exec(select(ResourceChange).where(ResourceChange.zab_id == "ZAB-E")).all()
    edit = client.put(
        f"/api/v1/roster/shifts/E-E02/{DAY}", json={"start": "09:00", "end": "08:00"}, headers=essen
    )
    assert edit.status_code == 422 and "end" in edit.text
    ok = client.put(
        f"/api/v1/roster/shifts/E-E02/{DAY}", json={"start": "06:00", "end": "15:00"}, headers=essen
    )
    assert ok.status_code == 200
    day = client.get("/api/v1/roster", params={"day": str(DAY)}, headers=essen).json()
    assert [(e["escort_id"], e["shift_start"][11:16]) for e in day["escorts"] if e["shift_start"]] == [
        ("E-E01", "06:00"),
        ("E-E02", "06:00"),
    ]


@pytest.mark.usefixtures("essen_two_crews")
def test_the_dispatcher_reports_sick_and_confirms_the_repair_on_the_roster_page(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    rid, tour = committed_one(client, auth)
    sick = sorted(tour["escorts"])[0]  # type: ignore[call-overload]
    client.cookies.set("ltrako_session", auth("zab", **ESSEN)["Authorization"].removeprefix("Bearer "))
    page = client.get("/web/zab/dienstplan", params={"day": str(DAY)})
    assert page.status_code == 200 and "Keine gefährdeten Touren" in page.text
    assert 'href="/web/zab/dienstplan"' in page.text  # in the navigation
    form = {"day": str(DAY), "escort_id": sick, "kind": "sick", "first_day": str(DAY), "last_day": str(DAY)}
    reported = client.post("/web/zab/dienstplan/abwesenheit", data=form)
    assert reported.status_code == 200 and "Gefährdet: 1 festgelegte Tour" in reported.text
    assert "gefährdet" in reported.text and "krank" in reported.text
    tagesplan = client.get("/web/zab/tag", params={"day": str(DAY)})
    assert "gefährdet: " in tagesplan.text and "krank" in tagesplan.text  # marked on the Tagesplan too
    with transaction(runtime.sessions) as session:
        (endangered,) = session.exec(select(Tour).where(Tour.endangered.is_not(None))).all()  # type: ignore[union-attr]
    following = client.post(f"/web/zab/dienstplan/tour/{endangered.id}/reparatur", data={"day": str(DAY)})
    assert following.status_code == 200 and "job=" in str(following.url)  # the page follows the job
    drain(client)
    proposed = client.get("/web/zab/dienstplan", params={"day": str(DAY)})
    assert "bestätigen" in proposed.text
    repair_id = proposed.text.split("/web/zab/dienstplan/reparatur/")[1].split("/")[0]
    done = client.post(f"/web/zab/dienstplan/reparatur/{repair_id}/bestaetigen", data={"day": str(DAY)})
    assert "Reparatur bestätigt" in done.text and "Keine gefährdeten Touren" in done.text
    with transaction(runtime.sessions) as session:
        (repaired,) = committed_tours(session, DAY).values()
        assert sick not in repaired.escorts and repaired.requests == {rid}
