"""Charter feeders are tours of the day (issue 18, item 7): booking commits them into the ZABs'
day plans without double booking; a case chosen for one charter is not chosen for another;
removal cases and charters are listed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import RequestStatus, TransportRequest
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tours import committed_plan, committed_tours
from planner.validate import validate
from tests.aps.test_charter import CHECK_IN, FLIGHT_DAY, charter_day  # noqa: F401  (the fixture)
from tests.jobs import done

Headers = dict[str, str]
Auth = Callable[..., Headers]


def _charter(client: TestClient, auth: Auth) -> int:
    body = {"airport": "DUS", "destination_country": "ALB", "seats": 7, "escort_seats": 7}
    answer = client.post(
        "/api/v1/charters", json=body | {"check_in": CHECK_IN.isoformat()}, headers=auth("zfa")
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _plan(client: TestClient, auth: Auth, charter_id: int) -> dict[str, object]:
    url = f"/api/v1/charters/{charter_id}/plan"
    done(client, client.post(url, params={"time_limit": 3}, headers=auth("zfa")))
    planned = client.get(f"/api/v1/charters/{charter_id}", headers=auth("zfa"))
    assert planned.status_code == 200, planned.text
    return dict(planned.json()["plan"])


def _violations(session: Session, runtime: Runtime) -> list[object]:
    """The independent validator on the day's committed tours (no escort or vehicle twice)."""
    scenario = export_scenario(
        session, day=FLIGHT_DAY, timezone="Europe/Berlin", travel=runtime.travel, cross_zab=True, statuses=()
    )
    return list(validate(scenario, committed_plan(session, FLIGHT_DAY, "Europe/Berlin")))


def test_booking_commits_the_feeders_and_no_case_is_chosen_twice(
    charter_day: tuple[dict[str, int], int],  # noqa: F811  (the fixture)
    client: TestClient,
    auth: Auth,
    runtime: Runtime,
) -> None:
    ids, first = charter_day
    zfa = auth("zfa")
    report = _plan(client, auth, first)
    chosen = {r["case_id"] for r in report["chosen"]}  # type: ignore[attr-defined]
    assert chosen

    second = _charter(client, auth)
    other = _plan(client, auth, second)
    assert not chosen & {r["case_id"] for r in other["chosen"]}  # type: ignore[attr-defined]
    elsewhere = {r["case_id"] for r in other["not_chosen"] if r["reason"] == "other_charter"}  # type: ignore[attr-defined]
    assert elsewhere == chosen

    assert client.post(f"/api/v1/charters/{first}/book", headers=auth("zab", zab="ZAB-E")).status_code == 403
    booked = client.post(f"/api/v1/charters/{first}/book", headers=zfa)
    assert booked.status_code == 200, booked.text
    assert booked.json()["status"] == "booked"
    assert client.post(f"/api/v1/charters/{first}/book", headers=zfa).status_code == 409

    with transaction(runtime.sessions) as session:
        tours = committed_tours(session, FLIGHT_DAY)
        carried = {r for t in tours.values() for r in t.requests}
        assert carried == {f"C{c}" for c in chosen}
        for case_id in chosen:
            request = session.get(TransportRequest, f"C{case_id}")
            assert request is not None and request.status is RequestStatus.ACCEPTED
            assert request.dropoff_location_id == "AP-DUS" and request.dropoff_latest <= CHECK_IN
        assert _violations(session, runtime) == []

    # The booked cases are no longer open: planning the second charter again leaves them out
    # altogether; its feeders go around the committed ones.
    again = _plan(client, auth, second)
    considered = {r["case_id"] for r in [*again["chosen"], *again["not_chosen"]]}  # type: ignore[misc]
    assert not considered & chosen
    rebooked = client.post(f"/api/v1/charters/{second}/book", headers=zfa)
    assert rebooked.status_code == 200, rebooked.text
    with transaction(runtime.sessions) as session:
        assert _violations(session, runtime) == []

    essen = client.get("/api/v1/removal-cases", headers=auth("abh", abh="ABH-05113")).json()
    assert essen and {c["abh_id"] for c in essen} == {"ABH-05113"}
    booked_cases = client.get(
        "/api/v1/removal-cases", params={"status": "booked"}, headers=auth("admin")
    ).json()
    assert {c["id"] for c in booked_cases} >= chosen
    listed = client.get("/api/v1/charters", headers=auth("zab", zab="ZAB-E")).json()
    assert {c["id"] for c in listed} == {first, second}
    assert client.get("/api/v1/removal-cases", headers=auth("ministry")).status_code == 403
    assert ids  # the fixture's cases
