"""The dispatchers' daily loop through the API: plan, accept, reject, Restplatzbörse, take-over."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from ltrako.core.clock import FixedClock
from ltrako.core.db import transaction
from ltrako.core.errors import Conflict
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import OfferStatus, RequestStatusChange, RestplatzOffer, RestplatzRun, RunStatus, TourStop
from ltrako.planning import restplatz
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tours import committed_plan
from ltrako.workers import jobs, nightly
from planner.model import StopType
from planner.params import SolveParams
from planner.validate import validate
from tests.jobs import planned, ran
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, KOELN, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]
OFFERS = "/api/v1/restplatz/offers"


def first_pass(client: TestClient, auth: Auth, submit: Callable[[str], str]) -> tuple[str, str]:
    """Two simultaneous trips for one Essen crew: one tour accepted, the other rejected into the pool."""
    submit("E-2026-0001"), submit("E-2026-0002")
    response = client.post(PLANS, json={"day": str(DAY), "time_limit_s": 3}, headers=auth("zab", **ESSEN))
    version = planned(client, response)
    assert len(version["tours"]) == 1 and len(version["unassigned_requests"]) == 1
    pooled = version["unassigned_requests"][0]["request"]
    accepted = next(s["request"] for s in version["tours"][0]["stops"] if s["type"] == "pickup")
    url = f"{PLANS}/{version['id']}"
    assert client.post(f"{url}/tours/0/accept", headers=auth("zab", **ESSEN)).status_code == 200
    rejected = client.post(f"{url}/reject-unassigned", headers=auth("zab", **ESSEN))
    assert rejected.json() == {"rejected": [pooled]}
    return accepted, pooled


def with_settings(runtime: Runtime, **changes: object) -> Runtime:
    return dataclasses.replace(runtime, settings=runtime.settings.model_copy(update=changes))


def test_abh_submits_zab_rejects_nightly_job_places_other_zab_takes_over(
    client: TestClient, auth: Auth, runtime: Runtime, clock: FixedClock, submit: Callable[[str], str]
) -> None:
    accepted, pooled = first_pass(client, auth, submit)
    abh = auth("abh", **ESSEN_ABH)
    assert client.get(f"{REQUESTS}/{pooled}", headers=abh).json()["status"] == "in_pool"

    # The nightly job of the night before the day places it with Köln.
    clock.set(dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(2, 0), tzinfo=runtime.zone))
    nightly.register(with_settings(runtime, restplatz_days_ahead=1, restplatz_time_limit_s=3))
    queued = nightly.nightly_job()  # the batch only queues; a planning worker runs it
    assert [j.params["day"] for j in queued] == [str(DAY)]
    assert jobs.run_queued(runtime) == 1
    with transaction(runtime.sessions) as session:
        runs = list(session.exec(select(RestplatzRun).where(RestplatzRun.trigger == "nightly")).all())
    assert [r.day for r in runs] == [DAY]
    abh = auth("abh", **ESSEN_ABH)  # a token of the new day
    assert len(runs) == 1 and runs[0].status is RunStatus.FINISHED
    assert runs[0].pool_size == 1 and runs[0].offers_made == 1 and runs[0].still_open == 0

    assert client.get(OFFERS, params={"day": str(DAY)}, headers=auth("zab", **ESSEN)).json() == []
    offers = client.get(OFFERS, params={"day": str(DAY)}, headers=auth("zab", **KOELN)).json()
    assert len(offers) == 1
    offer = offers[0]
    assert offer["vehicle_id"] == "K-V1" and offer["request_ids"] == [pooled]
    assert offer["base_tour_id"] is None and offer["added_km"] > 50 and offer["added_min"] > 60
    assert sorted(offer["tour"]["escorts"]) == ["K-E01", "K-E02"]

    taken = client.post(f"{OFFERS}/{offer['id']}/take", headers=auth("zab", **KOELN))
    assert taken.status_code == 200 and taken.json()["status"] == "taken"
    again = client.post(f"{OFFERS}/{offer['id']}/take", headers=auth("zab", **KOELN))
    assert again.status_code == 409 and "bereits von ZAB Köln übernommen" in again.json()["detail"]

    seen = client.get(f"{REQUESTS}/{pooled}", headers=abh).json()
    assert seen["status"] == "taken_over" and seen["carrier_zab_id"] == "ZAB-K"
    own = client.get(f"{REQUESTS}/{accepted}", headers=abh).json()
    assert own["status"] == "accepted" and own["carrier_zab_id"] == "ZAB-E"

    with transaction(runtime.sessions) as session:
        scenario = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
        )
        plan = committed_plan(session, DAY, "Europe/Berlin")
        history = session.exec(
            select(RequestStatusChange)
            .where(RequestStatusChange.request_id == pooled)
            .order_by(col(RequestStatusChange.id))
        ).all()
    assert {r.id for r in scenario.requests} == {accepted, pooled}
    assert validate(scenario, plan) == []
    assert [(h.to_status.value, h.reason_code) for h in history][1:] == [
        ("rejected", "no_capacity"),
        ("in_pool", "no_capacity"),
        ("taken_over", "takeover"),
    ]

    # Re-planning either ZAB keeps the committed tours as they are.
    for zab in (ESSEN, KOELN):
        replanned = client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **zab))
        body = planned(client, replanned)
        assert body["unassigned_requests"] == [] and len(body["tours"]) == 1


def test_reject_names_the_reason_and_only_the_responsible_zab_may(
    client: TestClient, auth: Auth, submit: Callable[[str], str]
) -> None:
    rid = submit("E-2026-0003")
    url = f"{REQUESTS}/{rid}/reject"
    assert client.post(url, json={"reason": "security"}, headers=auth("zab", **KOELN)).status_code == 403
    bad = client.post(url, json={"reason": "weather"}, headers=auth("zab", **ESSEN))
    assert bad.status_code == 422 and "reason" in bad.text
    done = client.post(
        url, json={"reason": "security", "reason_text": "Gefährdungslage"}, headers=auth("zab", **ESSEN)
    )
    assert done.status_code == 200 and done.json()["status"] == "in_pool"
    twice = client.post(url, json={"reason": "security"}, headers=auth("zab", **ESSEN))
    assert twice.status_code == 409


def test_a_dispatcher_plans_only_their_own_zab(client: TestClient, auth: Auth, day: dt.date) -> None:
    response = client.post(PLANS, json={"day": str(day), "zab_id": "ZAB-E"}, headers=auth("zab", **KOELN))
    assert response.status_code == 403
    assert client.post(PLANS, json={"day": str(day)}, headers=auth("abh", **ESSEN_ABH)).status_code == 403


def test_stale_plan_version_cannot_be_accepted(
    client: TestClient, auth: Auth, submit: Callable[[str], str]
) -> None:
    submit("E-2026-0004")
    old = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 1}, headers=auth("zab", **ESSEN))
    )
    planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 1}, headers=auth("zab", **ESSEN))
    )
    response = client.post(f"{PLANS}/{old['id']}/tours/0/accept", headers=auth("zab", **ESSEN))
    assert response.status_code == 409 and "veraltet" in response.json()["detail"]


def _pool_with_offer(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> RestplatzOffer:
    first_pass(client, auth, submit)
    run = restplatz.run_pool(
        runtime, DAY, actor=Principal("op", Role.ADMIN), params=SolveParams(time_limit_s=3)
    )
    assert run is not None and run.offers_made == 1
    with transaction(runtime.sessions) as session:
        return session.exec(select(RestplatzOffer).where(RestplatzOffer.status == OfferStatus.OPEN)).one()


def test_rerun_is_idempotent_and_a_failing_solver_loses_nothing(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    offer = _pool_with_offer(client, auth, runtime, submit)
    admin = Principal("op", Role.ADMIN)
    again = restplatz.run_pool(runtime, DAY, actor=admin, params=SolveParams(time_limit_s=3))
    assert again is not None and again.offers_made == 0 and again.offers_open == 1

    def broken(*_: object) -> None:
        raise RuntimeError("solver crashed")

    failed = restplatz.run_pool(runtime, DAY, actor=admin, solver=broken)  # type: ignore[arg-type]
    assert failed is not None and failed.status is RunStatus.FAILED and "RuntimeError" in (failed.error or "")
    with transaction(runtime.sessions) as session:
        still = session.get(RestplatzOffer, offer.id)
        assert still is not None and still.status is OfferStatus.OPEN
        assert len(session.exec(select(RestplatzOffer)).all()) == 1


def test_a_solver_past_its_deadline_fails_the_run(
    client: TestClient,
    auth: Auth,
    runtime: Runtime,
    submit: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first_pass(client, auth, submit)
    release = threading.Event()
    monkeypatch.setattr(restplatz, "TIMEOUT_GRACE_S", 0.2)

    def hangs(*_: object) -> None:
        release.wait(10)

    run = restplatz.run_pool(
        runtime, DAY, actor=Principal("op", Role.ADMIN), params=SolveParams(time_limit_s=0.1), solver=hangs
    )  # type: ignore[arg-type]
    release.set()
    assert run is not None and run.status is RunStatus.FAILED and "Zeitüberschreitung" in (run.error or "")


def test_two_dispatchers_take_the_same_offer_exactly_one_wins(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    """On PostgreSQL the two transactions really overlap (row lock); SQLite serialises writers."""
    offer = _pool_with_offer(client, auth, runtime, submit)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def take(name: str) -> None:
        start.wait()
        try:
            with transaction(runtime.sessions) as session:
                restplatz.take_over(
                    session,
                    Principal(name, Role.ZAB, zab_id="ZAB-K"),
                    offer_id=offer.id or 0,
                    timezone="Europe/Berlin",
                )
            outcomes.append("taken")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=take, args=(f"dispatcher-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "taken"]
    with transaction(runtime.sessions) as session:
        pickups = session.exec(
            select(TourStop).where(
                TourStop.request_id == offer.request_ids[0], TourStop.type == StopType.PICKUP
            )
        ).all()
    assert len(pickups) == 1


def test_the_abh_drives_itself_when_no_zab_can(
    client: TestClient, auth: Auth, runtime: Runtime, submit: Callable[[str], str]
) -> None:
    _, pooled = first_pass(client, auth, submit)
    with transaction(runtime.sessions) as session:  # Köln's crew is off that day: nobody can take it
        from ltrako.models import EscortShift

        for shift in session.exec(
            select(EscortShift).where(col(EscortShift.escort_id).in_(["K-E01", "K-E02"]))
        ):
            session.delete(shift)
    run = restplatz.run_pool(
        runtime, DAY, actor=Principal("op", Role.ADMIN), params=SolveParams(time_limit_s=2)
    )
    assert run is not None and run.offers_made == 0 and run.still_open == 1
    abh = auth("abh", **ESSEN_ABH)
    seen = client.get(f"{REQUESTS}/{pooled}", headers=abh).json()
    assert seen["status"] == "in_pool" and seen["pool_reason"] and seen["pool_reason_label"]
    closed = client.post(f"{REQUESTS}/{pooled}/close", json={"outcome": "self_transport"}, headers=abh)
    assert closed.status_code == 200 and closed.json()["status"] == "self_transport"
    assert (
        client.post(f"{REQUESTS}/{pooled}/close", json={"outcome": "cancelled"}, headers=abh).status_code
        == 409
    )


def test_a_run_by_hand_through_the_api(client: TestClient, auth: Auth, submit: Callable[[str], str]) -> None:
    """Dispatchers and operators may start a run; case workers may not. Empty pool: nothing to do."""
    body = {"day": str(DAY), "time_limit_s": 2}
    assert (
        client.post("/api/v1/restplatz/runs", json=body, headers=auth("abh", **ESSEN_ABH)).status_code == 403
    )
    empty = ran(client, client.post("/api/v1/restplatz/runs", json=body, headers=auth("zab", **KOELN)))
    assert empty["pool_size"] == 0 and empty["status"] == "finished"
    first_pass(client, auth, submit)
    run = ran(client, client.post("/api/v1/restplatz/runs", json=body, headers=auth("admin")))
    assert run["pool_size"] == 1 and run["offers_made"] == 1
    listed = client.get(
        "/api/v1/restplatz/runs", params={"day": str(DAY)}, headers=auth("zab", **ESSEN)
    ).json()
    assert [r["pool_size"] for r in listed] == [0, 1]


def test_two_crews_sharing_one_vehicle_commit_two_tours(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    """Crews share a vehicle one after the other: both tours are committed, and stay separate."""
    from ltrako.core.security import SYSTEM
    from ltrako.planning.scenario import import_scenario
    from planner.model import Escort, Vehicle
    from tests.factories import H, request_body, tiny_scenario

    day = dataclasses.replace(
        tiny_scenario(),
        date=DAY,
        vehicles=(Vehicle("E-V1", "ZAB-E", "ZAB-E", 9, False, 5 * H, 23 * H),),
        escorts=(
            Escort("E-E01", "ZAB-E", "f", (), 5 * H, 13 * H),
            Escort("E-E02", "ZAB-E", "m", (), 5 * H, 13 * H),
            Escort("E-E03", "ZAB-E", "f", (), 13 * H, 21 * H),
            Escort("E-E04", "ZAB-E", "m", (), 13 * H, 21 * H),
        ),
        requests=(),
    )
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=day, actor=SYSTEM)
    afternoon = {
        "pickup": {
            "location": "ABH-05113",
            "earliest": "2026-11-25T14:00:00+01:00",
            "latest": "2026-11-25T15:00:00+01:00",
            "service_min": 20,
        },
        "dropoff": {
            "location": "AP-DUS",
            "earliest": "2026-11-25T15:00:00+01:00",
            "latest": "2026-11-25T17:00:00+01:00",
            "service_min": 30,
        },
    }
    for case, extra in (("E-2026-0301", {}), ("E-2026-0302", afternoon)):
        body = request_body(persons=[{"case_ref": case, "nationality": "ALB", "gender": "m"}], **extra)
        assert client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH)).status_code == 201
    version = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    assert [t["vehicle"] for t in version["tours"]] == ["E-V1", "E-V1"]
    for index in (0, 1):
        accepted = client.post(f"{PLANS}/{version['id']}/tours/{index}/accept", headers=auth("zab", **ESSEN))
        assert accepted.status_code == 200, accepted.text
    with transaction(runtime.sessions) as session:
        plan = committed_plan(session, DAY, "Europe/Berlin")
        scenario = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
        )
    assert len(plan.tours) == 2 and validate(scenario, plan) == []
    replanned = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    assert len(replanned["tours"]) == 2 and replanned["unassigned_requests"] == []
