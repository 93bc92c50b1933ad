"""Sammelcharter: the CP-SAT seat choice (plain data) and the full plan with feeders (database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app
from fixtures.reference import fleet
from fixtures.roster import roster
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.models import (
    Escort,
    EscortShift,
    MedicalReception,
    Notification,
    Person,
    ReceptionStatus,
    RemovalCase,
)
from ltrako.planning.charter import plan_charter
from planner.charter import CharterCandidate, CharterSeats, select_passengers
from planner.model import Plan, Scenario, Unassigned, UnassignedReason
from planner.params import SolveParams
from planner.solve import solve
from tests.aps.history import Cohort, add_request
from tests.jobs import done

Headers = dict[str, str]
BERLIN = ZoneInfo("Europe/Berlin")
runner = CliRunner()


def c(
    cid: str, priority: int, persons: int = 1, deadline: int | None = None, rank: int = 0
) -> CharterCandidate:
    return CharterCandidate(cid, persons, persons, priority, deadline, rank)


def test_a_higher_priority_seat_outweighs_any_number_of_lower_ones() -> None:
    picked = select_passengers(
        [c("A", 5, 2), c("B", 5, 3), c("s1", 4), c("s2", 4, deadline=3), c("s3", 4), c("s4", 4)],
        CharterSeats(4, 10),
    )
    assert set(picked.chosen) == {"B", "s2"}  # 3 of priority 5 beat 2; the urgent single fills up
    assert picked.persons == 4


def test_escort_seats_bind_and_families_travel_whole() -> None:
    singles = [c(f"p{i}", 5, rank=i) for i in range(5)]
    assert select_passengers(singles, CharterSeats(10, 2)).chosen == ("p0", "p1")  # longest waiting
    family = select_passengers([c("family", 5, 3), c("single", 1)], CharterSeats(2, 2))
    assert family.chosen == ("single",)


def test_deadlines_decide_within_a_priority() -> None:
    picked = select_passengers(
        [c("later", 3, deadline=40), c("soon", 3, deadline=5), c("none", 3)], CharterSeats(1, 1)
    )
    assert picked.chosen == ("soon",)
    two = select_passengers(
        [c("d20", 3, deadline=20), c("d2", 3, deadline=2), c("d9", 3, deadline=9)], CharterSeats(2, 2)
    )
    assert set(two.chosen) == {"d2", "d9"}


# ---------------------------------------------------------------------------- full plan

FLIGHT_DAY = dt.date(2026, 12, 2)  # a Wednesday
CHECK_IN = dt.datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN)


def _roster(runtime: Runtime, day: dt.date) -> None:
    shifts = roster(fleet(), day)
    with transaction(runtime.sessions) as session:
        known = set(session.exec(select(Escort.id)).all())
        for escort_id, pattern in shifts.items():
            if escort_id in known:
                session.add(
                    EscortShift(
                        escort_id=escort_id,
                        day=day,
                        start=dt.datetime.combine(day, pattern.start, BERLIN),
                        end=dt.datetime.combine(day, pattern.end, BERLIN),
                    )
                )


def _case(client: TestClient, headers: Headers, ref: str, **fields: Any) -> int:
    persons = fields.pop("persons", 1)
    medical = fields.pop("medical", False)
    body = {
        "persons": [
            {
                "case_ref": f"{ref}-{k}",
                "nationality": "ALB",
                "gender": "m",
                "requires_medical_reception": medical,
            }
            for k in range(persons)
        ],
        "destination_country": "ALB",
        "documents_ready": True,
        **fields,
    }
    answer = client.post("/api/v1/removal-cases", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


@pytest.fixture
def charter_day(
    runtime: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> tuple[dict[str, int], int]:
    """Ten ALB cases in five districts (one SYR case), and a charter DUS → ALB with 7 + 7 seats."""
    _roster(runtime, FLIGHT_DAY)
    essen, cologne = auth("abh", abh="ABH-05113"), auth("abh", abh="ABH-05315")
    bielefeld, muenster = auth("abh", abh="ABH-05711"), auth("abh", abh="ABH-05515")
    dortmund = auth("abh", abh="ABH-05913")
    soon = (FLIGHT_DAY + dt.timedelta(days=10)).isoformat()
    ids = {
        "A": _case(client, essen, "CA", pickup_location="ABH-05113", priority=5),
        "B": _case(client, cologne, "CB", pickup_location="ABH-05315", priority=5, persons=3),
        "I": _case(client, bielefeld, "CI", pickup_location="ABH-05711", priority=5, medical=True),
        "C": _case(client, muenster, "CC", pickup_location="ABH-05515", priority=4, persons=2, deadline=soon),
        "D": _case(client, dortmund, "CD", pickup_location="ABH-05913", priority=4, persons=2),
        "E": _case(client, essen, "CE", pickup_location="ABH-05113", priority=3),
        "F": _case(client, essen, "CF", pickup_location="ABH-05113", priority=5, documents_ready=False),
        "G": _case(client, essen, "CG", pickup_location="ABH-05113", priority=5, legal_obstacle=True),
        "H": _case(client, essen, "CH", pickup_location="ABH-05113", priority=5, medical=True),
        "K": _case(client, essen, "CK", pickup_location="ABH-05113", priority=5, deadline="2026-12-01"),
    }
    _case(client, essen, "CS", pickup_location="ABH-05113", priority=5, destination_country="SYR")
    _confirm_reception(runtime, "CI-0")
    body = {
        "airport": "DUS",
        "destination_country": "ALB",
        "seats": 7,
        "escort_seats": 7,
        "check_in": CHECK_IN.isoformat(),
    }
    charter = client.post("/api/v1/charters", json=body, headers=auth("zfa"))
    assert charter.status_code == 201, charter.text
    assert dt.datetime.fromisoformat(charter.json()["check_in"]) == CHECK_IN
    assert charter.json()["check_in"].endswith("+01:00")  # local time with its offset (issue 18, item 8)
    return ids, int(charter.json()["id"])


def test_charter_fills_seats_by_priority_and_every_feeder_validates(
    charter_day: tuple[dict[str, int], int],
    client: TestClient,
    auth: Callable[..., Headers],
    runtime: Runtime,
) -> None:
    ids, charter_id = charter_day
    zfa = auth("zfa")
    denied = client.post(f"/api/v1/charters/{charter_id}/plan", headers=auth("abh", abh="ABH-05113"))
    assert denied.status_code == 403
    too_long = client.post(f"/api/v1/charters/{charter_id}/plan", params={"time_limit": 61}, headers=zfa)
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "time_limit"
    assert "Höchstens 60 Sekunden" in too_long.json()["detail"][0]["msg"]
    job = done(
        client, client.post(f"/api/v1/charters/{charter_id}/plan", params={"time_limit": 5}, headers=zfa)
    )
    assert job["kind"] == "charter_plan" and job["result_ref"] == str(charter_id)
    planned = client.get(f"/api/v1/charters/{charter_id}", headers=zfa)
    report = planned.json()["plan"]
    name = {v: k for k, v in ids.items()}
    chosen = {name[r["case_id"]] for r in report["chosen"]}
    assert chosen == {"A", "B", "I", "C"}
    assert (report["seats_used"], report["escort_seats_used"]) == (7, 7)
    reasons = {name[r["case_id"]]: r["reason"] for r in report["not_chosen"]}
    assert reasons == {
        "D": "no_seat",
        "E": "no_seat",
        "F": "documents_missing",
        "G": "legal_obstacle",
        "H": "medical_reception_unconfirmed",
        "K": "deadline_passed",
    }
    assert report["feeder_violations"] == []
    for ride in report["chosen"]:
        assert dt.datetime.fromisoformat(ride["arrival_at"]) <= CHECK_IN
    # every chosen case has its feeder; which ZAB drives it is the search's choice (cross-ZAB, timed)
    assert all(r["carrier_zab_id"] for r in report["chosen"])
    assert "case_ref" not in planned.text and "CA-0" not in planned.text  # ids only
    again = client.get(f"/api/v1/charters/{charter_id}", headers=zfa).json()
    assert again["status"] == "planned" and again["plan"]["chosen"] == report["chosen"]
    ministry = client.get(f"/api/v1/charters/{charter_id}", headers=auth("ministry"))
    assert ministry.status_code == 403  # single cases are not for the ministry
    with transaction(runtime.sessions) as session:  # each chosen case's ABH hears of it (issue 18, item 5)
        told = {
            n.text.split()[1].rstrip(":") for n in session.exec(select(Notification)) if n.kind == "charter"
        }
        with_abh = {
            str(r["case_id"])
            for r in report["chosen"]
            if (c := session.get(RemovalCase, r["case_id"])) and c.abh_id
        }
    assert told == with_abh and told


def test_a_case_without_a_feeder_gives_up_its_seat(
    charter_day: tuple[dict[str, int], int], runtime: Runtime
) -> None:
    """The solver cannot place family B's feeder: B loses its seat and the choice is made again."""
    ids, charter_id = charter_day
    blocked = f"C{ids['B']}"

    def no_feeder_for_b(scenario: Scenario, params: SolveParams) -> Plan:
        kept = tuple(r for r in scenario.requests if r.id != blocked)
        plan = solve(dataclasses.replace(scenario, requests=kept), params)
        if len(kept) == len(scenario.requests):
            return plan
        missing = Unassigned(blocked, UnassignedReason.NO_CAPACITY)
        return dataclasses.replace(plan, unassigned=(*plan.unassigned, missing))

    charter = plan_charter(
        runtime, SYSTEM, charter_id=charter_id, params=SolveParams(time_limit_s=3), solver=no_feeder_for_b
    )
    report = charter.plan
    assert report is not None
    name = {v: k for k, v in ids.items()}
    assert {name[r["case_id"]] for r in report["chosen"]} == {"A", "I", "C", "D", "E"}
    reasons = {name[r["case_id"]]: r for r in report["not_chosen"]}
    assert reasons["B"]["reason"] == "feeder_not_plannable"
    assert reasons["B"]["reason_label"] == "Zubringer zum Flughafen nicht planbar (keine freie Kapazität)"
    assert report["rounds"] == 2 and report["feeder_violations"] == []


def _confirm_reception(runtime: Runtime, case_ref: str) -> None:
    """A confirmed medical reception for the person (arranged by the ZRK on an earlier request)."""
    with transaction(runtime.sessions) as session:
        person = session.exec(select(Person).where(Person.case_ref == case_ref)).one()
        add_request(
            session, Cohort("earlier", 1, dt.date(2026, 11, 1), ()), "R-MED", first=False, second=False
        )
        session.add(
            MedicalReception(
                request_id="R-MED",
                person_id=person.id,
                destination_country="ALB",
                due=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                status=ReceptionStatus.CONFIRMED,
            )
        )


def test_bad_cases_and_charters_name_the_field(client: TestClient, auth: Callable[..., Headers]) -> None:
    abh = auth("abh", abh="ABH-05113")
    body = {
        "persons": [{"case_ref": "X-1", "nationality": "ALB", "gender": "m"}],
        "pickup_location": "NOWHERE",
        "destination_country": "QQQ",
    }
    answer = client.post("/api/v1/removal-cases", json=body, headers=abh)
    assert answer.status_code == 422
    assert {p["field"] for p in answer.json()["detail"]} == {"pickup_location", "destination_country"}
    charter = {
        "airport": "XXX",
        "destination_country": "ALB",
        "seats": 5,
        "escort_seats": 5,
        "check_in": "2026-12-02T11:00:00+01:00",
    }
    bad = client.post("/api/v1/charters", json=charter, headers=auth("zfa"))
    assert bad.status_code == 422 and "airport" in bad.text
    assert client.post("/api/v1/charters", json=charter | {"airport": "DUS"}, headers=abh).status_code == 403


def test_cli_creates_and_plans_a_charter(charter_day: tuple[dict[str, int], int], db_url: str) -> None:
    ids, _ = charter_day
    env = {"DATABASE_URL": db_url}
    args = ["aps", "charter", "create", "--airport", "DUS", "--destination", "ALB", "--seats", "1"]
    made = runner.invoke(app, [*args, "--escort-seats", "1", "--check-in", CHECK_IN.isoformat()], env=env)
    assert made.exit_code == 0, made.output
    charter_id = made.output.split()[1]
    planned = runner.invoke(app, ["aps", "charter", "plan", charter_id, "--time-limit", "2"], env=env)
    assert planned.exit_code == 0, planned.output
    assert "1/1 Plätze" in planned.output
    assert f"Fall {ids['A']} (1 P., Prio 5)" in planned.output  # priority 5, single, waiting longest
    assert f"nicht gewählt: Fall {ids['F']} – Reisedokumente fehlen" in planned.output
    bad = runner.invoke(app, [*args, "--escort-seats", "1", "--check-in", "morgen"], env=env)
    assert bad.exit_code == 2 and "--check-in" in bad.output
