"""The pages of issue 18 without a browser: the ABH edits and cancels its request and reads its
notifications; the ZAB cancels, confirms an amendment and un-commits a tour (issue 19, item 1)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import SYSTEM
from ltrako.planning.scenario import import_scenario
from tests.factories import two_zab_day
from tests.workflow.conftest import DAY, ESSEN_ABH
from tests.workflow.test_changes import _body, _commit, _submit, _tours

Auth = Callable[..., dict[str, str]]


def _as(client: TestClient, auth: Auth, role: str, **claims: str) -> None:
    client.cookies.set("ltrako_session", auth(role, **claims)["Authorization"].removeprefix("Bearer "))


def _committed_pair(client: TestClient, auth: Auth, runtime: Runtime) -> tuple[str, str]:
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=two_zab_day(DAY), actor=SYSTEM)
    early = _submit(client, auth, _body("E-2026-0501", (6, 7), (7, 9)))
    late = _submit(client, auth, _body("E-2026-0502", (10, 11), (11, 13)))
    _commit(runtime, "ZAB-E")
    return early, late


def test_abh_sees_the_planned_pickup_cancels_and_reads_its_notifications(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    early, late = _committed_pair(client, auth, runtime)
    _as(client, auth, "abh", **ESSEN_ABH)
    listing = client.get("/web/abh")
    assert f'href="/web/auftraege/{early}"' in listing.text and "(MEZ)" in listing.text
    assert "ungelesen" in listing.text
    detail = client.get(f"/web/auftraege/{early}")
    assert detail.status_code == 200 and "Geplante Abholung" in detail.text
    assert "25.11.2026 0" in detail.text and "(MEZ)" in detail.text and "Auftrag stornieren" in detail.text

    done = client.post(
        f"/web/auftraege/{early}/stornieren",
        data={"reason": "absconded", "reason_text": "", "back": f"/web/auftraege/{early}"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "storniert" in done.headers["location"]
    history = client.get(f"/web/auftraege/{early}").text
    assert "storniert" in history and "untergetaucht" in history and "Tour festgelegt" in history
    assert {r for r, _, _ in _tours(runtime)["E-V1"][5]} == {late}

    _as(client, auth, "zab", zab="ZAB-E")  # the ZAB cancels the other one on its page
    page = client.get("/web/zab/aenderungen", params={"day": DAY.isoformat()})
    assert page.status_code == 200 and late in page.text and "(MEZ)" in page.text
    back = f"/web/zab/aenderungen?day={DAY.isoformat()}"
    cancelled = client.post(
        f"/web/auftraege/{late}/stornieren",
        data={"reason": "legal_obstacle", "back": back},
        follow_redirects=False,
    )
    assert cancelled.status_code == 303 and cancelled.headers["location"].startswith(back)
    assert "E-V1" not in _tours(runtime)

    _as(client, auth, "abh", **ESSEN_ABH)
    notes = client.get("/web/abh/benachrichtigungen")
    assert notes.status_code == 200
    assert f"Auftrag {late} storniert durch" in notes.text and "rechtliches Hindernis" in notes.text
    assert f"Auftrag {early} storniert durch" not in notes.text  # its own cancellation
    assert 'data-read="false"' in notes.text
    marked = client.post("/web/abh/benachrichtigungen/gelesen", follow_redirects=False)
    assert marked.status_code == 303
    assert 'data-read="false"' not in client.get("/web/abh/benachrichtigungen").text
    _as(client, auth, "abh", abh="ABH-05315")
    assert client.get(f"/web/auftraege/{late}").status_code == 404  # another ABH's request


def test_abh_amends_a_committed_request_and_the_zab_confirms_then_uncommits(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    _, late = _committed_pair(client, auth, runtime)
    _as(client, auth, "abh", **ESSEN_ABH)
    day = DAY.isoformat()
    bad = client.post(
        f"/web/auftraege/{late}/aendern",
        data={
            "pickup_from": f"{day}T11:00",
            "pickup_until": f"{day}T10:00",
            "dropoff_until": f"{day}T14:00",
            "priority": "3",
        },
    )
    assert bad.status_code == 422 and 'id="pickup_until-fehler"' in bad.text
    asked = client.post(
        f"/web/auftraege/{late}/aendern",
        data={
            "pickup_from": f"{day}T11:00",
            "pickup_until": f"{day}T12:00",
            "dropoff_until": f"{day}T14:00",
            "priority": "3",
        },
        follow_redirects=False,
    )
    assert asked.status_code == 303 and "wartet" in asked.headers["location"]

    _as(client, auth, "zab", zab="ZAB-E")
    page = client.get("/web/zab/aenderungen", params={"day": day})
    assert "Änderungen zur Bestätigung" in page.text and f'href="/web/auftraege/{late}"' in page.text
    amendment = page.text.split('data-amendment="')[1].split('"')[0]
    confirmed = client.post(
        f"/web/zab/aenderungen/{amendment}/entscheidung", data={"decision": "confirm"}, follow_redirects=False
    )
    assert confirmed.status_code == 303 and "best%C3%A4tigt" in confirmed.headers["location"]
    tour_id = _tours(runtime)["E-V1"][0]
    empty = client.post(f"/web/zab/touren/{tour_id}/aufheben", data={"reason": ""}, follow_redirects=False)
    assert empty.status_code == 303 and "kind=error" in empty.headers["location"]
    gone = client.post(
        f"/web/zab/touren/{tour_id}/aufheben", data={"reason": "Flug gestrichen"}, follow_redirects=False
    )
    assert gone.status_code == 303 and "aufgehoben" in client.get(gone.headers["location"]).text
    assert "E-V1" not in _tours(runtime)


def test_abh_links_a_flight_on_the_edit_page_checked_against_the_hand_over(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        import_scenario(session, scenario=two_zab_day(DAY), actor=SYSTEM)
    rid = _submit(client, auth, _body("E-2026-0510", (6, 7), (7, 9)))
    leg = {
        "flight_number": "W6 1",
        "from": "CGN",
        "to": "TIA",
        "departure": f"{DAY}T13:00",
        "arrival": f"{DAY}T15:00",
    }
    cologne = client.post("/api/v1/flights", json={"legs": [leg]}, headers=auth("zfa")).json()["id"]
    dus = client.post("/api/v1/flights", json={"legs": [{**leg, "from": "DUS"}]}, headers=auth("zfa")).json()[
        "id"
    ]
    _as(client, auth, "abh", **ESSEN_ABH)
    page = client.get(f"/web/auftraege/{rid}")
    assert f'<option value="{cologne}"' in page.text
    form = {
        "pickup_from": f"{DAY}T06:00",
        "pickup_until": f"{DAY}T07:00",
        "dropoff_until": f"{DAY}T09:00",
        "priority": "5",
    }
    wrong = client.post(f"/web/auftraege/{rid}/aendern", data={**form, "flight_id": str(cologne)})
    assert (
        wrong.status_code == 422 and 'id="flight_id-fehler"' in wrong.text and "Flughafen CGN" in wrong.text
    )
    linked = client.post(
        f"/web/auftraege/{rid}/aendern", data={**form, "flight_id": str(dus)}, follow_redirects=False
    )
    assert linked.status_code == 303 and "ge%C3%A4ndert" in linked.headers["location"]
    seen = client.get(f"/api/v1/transport-requests/{rid}", headers=auth("abh", **ESSEN_ABH)).json()
    assert seen["flight_id"] == dus
