"""The ABH's request form without a browser: several persons, needs, any destination, errors per person."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.models import Person, TransportPurpose, TransportRequest, TransportRequestPerson

Auth = Callable[..., dict[str, str]]


def _sign_in(client: TestClient, auth: Auth) -> None:
    token = auth("abh", abh="ABH-05113")["Authorization"].removeprefix("Bearer ")
    client.cookies.set("ltrako_session", token)


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "persons_count": "2",
        "case_ref_0": "E-2026-0201",
        "nationality_0": "ALB",
        "gender_0": "f",
        "case_ref_1": "E-2026-0202",
        "nationality_1": "ALB",
        "gender_1": "m",
        "wheelchair_1": "on",
        "purpose": "",
        "pickup_location": "ABH-05113",
        "pickup_from": "2026-11-25T06:00",
        "pickup_until": "2026-11-25T07:00",
        "dropoff_location": "BRD-NL-VENLO",
        "dropoff_until": "2026-11-25T10:00",
        "flight_id": "",
        "priority": "4",
        "action": "submit",
    }
    form.update(overrides)
    return form


def test_the_form_has_every_destination_kind_and_no_default_target(client: TestClient, auth: Auth) -> None:
    _sign_in(client, auth)
    page = client.get("/web/abh").text
    for group in ("Flughäfen", "Dublin-Übergabeorte an der Grenze", "Botschaften und Konsulate", "Gerichte"):
        assert f'label="{group}"' in page
    assert '<option value="">– bitte wählen –</option><optgroup label="Flughäfen">' in page
    assert "Ausländerbehörde Stadt Essen" in page  # the ABH by its name, not ABH-05113
    assert 'value="AP-BER" selected' not in page


def test_another_person_keeps_what_was_typed(client: TestClient, auth: Auth) -> None:
    _sign_in(client, auth)
    answer = client.post("/web/abh/auftraege", data=_form(persons_count="1", action="add"))
    assert answer.status_code == 200
    assert 'id="case_ref_1"' in answer.text and 'value="E-2026-0201"' in answer.text
    assert 'value="BRD-NL-VENLO" selected' in answer.text


def test_two_persons_a_woman_and_a_wheelchair_to_a_dublin_hand_over(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    _sign_in(client, auth)
    answer = client.post("/web/abh/auftraege", data=_form(), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with transaction(runtime.sessions) as session:
        request = session.exec(select(TransportRequest)).one()
        persons = session.exec(
            select(Person)
            .join(TransportRequestPerson, TransportRequestPerson.person_id == Person.id)  # type: ignore[arg-type]
            .where(TransportRequestPerson.request_id == request.id)
        ).all()
    assert request.persons == 2 and request.purpose is TransportPurpose.DUBLIN_HANDOVER
    assert request.requires_female_escort and request.wheelchair  # the woman gets a female escort
    assert {p.case_ref: (p.requires_female_escort, p.wheelchair) for p in persons} == {
        "E-2026-0201": (True, False),
        "E-2026-0202": (False, True),
    }
    listing = client.get("/web/abh").text
    assert "Grenzübergabe Kaldenkirchen/Venlo (NL)" in listing and "E-2026-0201, E-2026-0202" in listing


def test_errors_are_shown_at_the_person_they_concern(
    client: TestClient, auth: Auth, runtime: Runtime
) -> None:
    _sign_in(client, auth)
    answer = client.post("/web/abh/auftraege", data=_form(nationality_1="QQQ", dropoff_location=""))
    assert answer.status_code == 422
    assert (
        'id="nationality_1" name="nationality_1" value="QQQ" maxlength="3" aria-invalid="true"' in answer.text
    )
    assert 'id="dropoff_location-fehler"' in answer.text
    assert 'value="E-2026-0201"' in answer.text  # nothing typed is lost
    answer = client.post("/web/abh/auftraege", data=_form(nationality_1="QQQ"))
    assert answer.status_code == 422 and "nationality_1-fehler" in answer.text
    with transaction(runtime.sessions) as session:
        assert session.exec(select(TransportRequest)).all() == []
