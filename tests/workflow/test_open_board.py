"""The open Restplatzbörse: every ZAB sees every pooled request with its own best offer; the
first take wins; a ZAB that refused for lack of resources is not offered it again until its
roster or fleet changes; offers that are not cleared say so."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.errors import Conflict
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM, Principal, Role
from ltrako.models import OfferStatus, RequestStatus, RestplatzOffer, TourStop, TransportRequest
from ltrako.planning import restplatz, roster
from ltrako.planning.scenario import export_scenario, import_scenario
from ltrako.planning.tours import committed_plan
from planner.model import Escort, LocationKind, StopType, Vehicle
from planner.params import SolveParams
from planner.validate import validate
from tests.factories import H, extended_two_zab_day, location, request_body
from tests.jobs import planned
from tests.workflow.conftest import DAY, ESSEN, ESSEN_ABH, KOELN, PLANS, REQUESTS

Auth = Callable[..., dict[str, str]]
BOARD = "/api/v1/restplatz/board"
OFFERS = "/api/v1/restplatz/offers"
UNNA = {"zab": "ZAB-UN"}
ADMIN = Principal("op", Role.ADMIN)


@pytest.fixture
def three_zabs(runtime: Runtime) -> None:
    """The two-ZAB day and Unna with one vehicle and two escorts of its own."""
    scenario = extended_two_zab_day(
        DAY,
        locations=(location("ZAB-UN", 51.53795, 7.68969, LocationKind.ZAB),),
        vehicles=(Vehicle("UN-V1", "ZAB-UN", "ZAB-UN", 9, False, 5 * H, 22 * H),),
        escorts=(
            Escort("UN-E01", "ZAB-UN", "f", (), 5 * H, 15 * H),
            Escort("UN-E02", "ZAB-UN", "m", (), 5 * H, 15 * H),
        ),
    )
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=scenario, actor=SYSTEM)


def submit(client: TestClient, auth: Auth, case: str, **person: object) -> str:
    body = request_body(persons=[{"case_ref": case, "nationality": "ALB", "gender": "m", **person}])
    response = client.post(REQUESTS, json=body, headers=auth("abh", **ESSEN_ABH))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def essen_pools_one(client: TestClient, auth: Auth) -> str:
    """Essen plans two simultaneous trips for its one crew, commits one and rejects the other."""
    submit(client, auth, "E-2026-0001"), submit(client, auth, "E-2026-0002")
    body = planned(
        client, client.post(PLANS, json={"day": str(DAY), "time_limit_s": 2}, headers=auth("zab", **ESSEN))
    )
    assert len(body["tours"]) == 1 and len(body["unassigned_requests"]) == 1
    url = f"{PLANS}/{body['id']}"
    assert client.post(f"{url}/tours/0/accept", headers=auth("zab", **ESSEN)).status_code == 200
    rejected = client.post(f"{url}/reject-unassigned", headers=auth("zab", **ESSEN)).json()["rejected"]
    assert len(rejected) == 1
    return str(rejected[0])


@pytest.mark.usefixtures("three_zabs")
def test_every_zab_sees_the_pooled_request_with_its_own_offer_and_the_first_take_wins(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    pooled = essen_pools_one(client, auth)
    run = restplatz.run_pool(runtime, DAY, actor=ADMIN, params=SolveParams(time_limit_s=4))
    assert run is not None and run.pool_size == 1 and run.still_open == 0
    assert run.offers_made == 2  # Köln and Unna each: the one-ZAB offers made one

    boards = {
        name: client.get(BOARD, params={"day": str(DAY)}, headers=auth("zab", **zab)).json()
        for name, zab in (("K", KOELN), ("UN", UNNA), ("E", ESSEN))
    }
    for name in ("K", "UN"):
        (entry,) = boards[name]
        offer = entry["best_offer"]
        assert entry["request_id"] == pooled and entry["other_offers"] == 1 and entry["not_cleared"] is None
        assert offer["zab_id"] == f"ZAB-{name}" and offer["vehicle_id"] == f"{name}-V1"
        assert offer["added_km"] > 0 and offer["added_min"] > 0
        assert offer["tour"]["start"] < offer["tour"]["end"]
        assert sorted(offer["tour"]["escorts"]) == [f"{name}-E01", f"{name}-E02"]
    (essen,) = boards["E"]  # Essen sees it, without an offer: it refused it for lack of capacity
    assert essen["best_offer"] is None and essen["other_offers"] == 2 and "Kapazität" in essen["refused"]

    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def take(zab: str) -> None:
        offer_id = next(e["best_offer"]["id"] for e in boards[zab.removeprefix("ZAB-")])
        start.wait()
        try:
            with transaction(runtime.sessions) as session:
                principal = Principal(f"dispo-{zab}", Role.ZAB, zab_id=zab)
                restplatz.take_over(session, principal, offer_id=offer_id, timezone="Europe/Berlin")
            outcomes[zab] = "taken"
        except Conflict as exc:
            outcomes[zab] = exc.message

    threads = [threading.Thread(target=take, args=(z,)) for z in ("ZAB-K", "ZAB-UN")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()).count("taken") == 1, outcomes
    winner = next(z for z, o in outcomes.items() if o == "taken")
    loser = next(z for z in outcomes if z != winner)
    names = {"ZAB-K": "ZAB Köln", "ZAB-UN": "ZAB Kreis Unna"}
    assert outcomes[loser] == f"Auftrag {pooled} wurde bereits von {names[winner]} übernommen."

    # Through the API the loser's offer now answers 409 naming the winner; the board is empty.
    loser_offer = next(e["best_offer"]["id"] for e in boards[loser.removeprefix("ZAB-")])
    again = client.post(f"{OFFERS}/{loser_offer}/take", headers=auth("zab", zab=loser))
    assert again.status_code == 409 and names[winner] in again.json()["detail"]
    assert client.get(BOARD, params={"day": str(DAY)}, headers=auth("zab", zab=loser)).json() == []
    with transaction(runtime.sessions) as session:
        row = session.get(TransportRequest, pooled)
        assert row is not None and row.status is RequestStatus.TAKEN_OVER and row.carrier_zab_id == winner
        pickups = session.exec(
            select(TourStop).where(TourStop.request_id == pooled, TourStop.type == StopType.PICKUP)
        ).all()
        assert len(pickups) == 1
        statuses = sorted(o.status for o in session.exec(select(RestplatzOffer)).all())
        assert statuses == [OfferStatus.SUPERSEDED, OfferStatus.TAKEN]
        scenario = export_scenario(
            session, day=DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
        )
        assert validate(scenario, committed_plan(session, DAY, "Europe/Berlin")) == []


@pytest.mark.usefixtures("three_zabs")
def test_the_one_zab_mode_offers_each_request_to_one_zab_only(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    essen_pools_one(client, auth)
    run = restplatz.run_pool(runtime, DAY, actor=ADMIN, params=SolveParams(time_limit_s=3), open_board=False)
    assert run is not None and run.offers_made == 1


@pytest.mark.usefixtures("three_zabs")
def test_a_refusing_zab_is_offered_the_request_again_only_after_its_roster_changed(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    pooled = essen_pools_one(client, auth)
    with transaction(runtime.sessions) as session:
        assert roster.refused_unchanged(session, "ZAB-E", [pooled]) == {pooled: "no_capacity"}
        assert roster.refused_unchanged(session, "ZAB-K", [pooled]) == {}
        roster.note_change(session, ADMIN, zab_id="ZAB-E", day=DAY.replace(day=26), kind="shift", subject="x")
    with transaction(runtime.sessions) as session:  # another day's change does not count
        assert roster.refused_unchanged(session, "ZAB-E", [pooled]) == {pooled: "no_capacity"}
    runtime.clock.advance(minutes=5)  # type: ignore[attr-defined]
    with transaction(runtime.sessions) as session:
        roster.note_change(session, ADMIN, zab_id="ZAB-E", day=DAY, kind="shift", subject="E-E02")
    with transaction(runtime.sessions) as session:
        assert roster.refused_unchanged(session, "ZAB-E", [pooled]) == {}
    (entry,) = client.get(BOARD, params={"day": str(DAY)}, headers=auth("zab", **ESSEN)).json()
    assert entry["refused"] is None


@pytest.mark.usefixtures("three_zabs")
def test_an_offer_whose_request_is_not_cleared_says_so_before_the_take(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    held = submit(client, auth, "E-2026-0002", requires_medical_reception=True)
    reject = client.post(
        f"{REQUESTS}/{held}/reject", json={"reason": "no_staff"}, headers=auth("zab", **ESSEN)
    )
    assert reject.status_code == 200, reject.text
    # The reception is due a day before the pickup: still in time, so offered, but not cleared.
    in_time = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"medical_reception_lead_days": 1})
    )
    restplatz.run_pool(in_time, DAY, actor=ADMIN, params=SolveParams(time_limit_s=4))
    why = "medizinische Inempfangnahme nicht bestätigt"
    (entry,) = client.get(BOARD, params={"day": str(DAY)}, headers=auth("zab", **KOELN)).json()
    assert entry["not_cleared"] == why and entry["best_offer"]["not_cleared"] == {held: why}
    (offer,) = client.get(OFFERS, params={"day": str(DAY)}, headers=auth("zab", **KOELN)).json()
    assert offer["not_cleared"] == {held: why}
    taken = client.post(f"{OFFERS}/{offer['id']}/take", headers=auth("zab", **KOELN))
    assert taken.status_code == 409 and "Inempfangnahme" in taken.json()["detail"]


@pytest.mark.usefixtures("three_zabs")
def test_the_board_page_shows_each_zab_its_offer_and_the_refusing_zab_why_not(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    pooled = essen_pools_one(client, auth)
    restplatz.run_pool(runtime, DAY, actor=ADMIN, params=SolveParams(time_limit_s=4))

    def page(zab: dict[str, str]) -> str:
        client.cookies.set("ltrako_session", auth("zab", **zab)["Authorization"].removeprefix("Bearer "))
        response = client.get("/web/zab/restplatz", params={"day": str(DAY)})
        assert response.status_code == 200
        return response.text

    cologne = page(KOELN)
    assert f"Auftrag {pooled} übernehmen" in cologne and "ZAB Essen" in cologne
    essen = page(ESSEN)
    assert "von Ihrer ZAB abgelehnt (keine freie Kapazität)" in essen and "Angebote anderer ZABs: 2" in essen
    assert f"Auftrag {pooled} übernehmen" not in essen
    (offer_id,) = re.findall(r"/web/zab/restplatz/(\d+)/take", cologne)
    page(KOELN)
    assert "übernommen" in client.post(f"/web/zab/restplatz/{offer_id}/take", data={"day": str(DAY)}).text
    unna = page(UNNA)
    assert "Keine Aufträge in der Restplatzbörse" in unna
