"""What the OpenAPI fuzzer (tests/fuzz) found: each input here once gave a 500, an English or
misplaced error, or was silently read as something else. Now: a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import request_body

API = "/api/v1"
Auth = Callable[..., dict[str, str]]


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"].startswith("Eingabe ungültig: ")
    return [p["field"] for p in body["detail"]]


def test_a_body_that_is_not_utf8_is_a_422_at_body(client: TestClient, auth: Auth) -> None:
    """FastAPI answered 400 "There was an error parsing the body" (undocumented, English)."""
    response = client.post(
        f"{API}/transport-requests",
        content=b"\xff\xfe{",
        headers={**auth("abh", abh="ABH-05113"), "Content-Type": "application/json"},
    )
    assert _fields(response) == ["body"]


def test_broken_json_is_reported_at_body_not_at_a_character_position(client: TestClient, auth: Auth) -> None:
    """The loc of a JSON error carries the character position: the field was named "13"."""
    response = client.post(
        f"{API}/transport-requests",
        content=b'{"persons": [',
        headers={**auth("abh", abh="ABH-05113"), "Content-Type": "application/json"},
    )
    assert _fields(response) == ["body"]


def test_unknown_paths_and_methods_are_refused_in_german_and_405_lists_every_method(
    client: TestClient, auth: Auth
) -> None:
    """Starlette answered "Not Found" / "Method Not Allowed", and `Allow` named only POST here."""
    missing = client.get(f"{API}/nothing-here", headers=auth("zfa"))
    assert missing.status_code == 404 and missing.json()["detail"] == "Kein Endpunkt unter diesem Pfad."
    wrong = client.delete(f"{API}/transport-requests", headers=auth("zfa"))
    assert wrong.status_code == 405 and "nicht zulässig" in wrong.json()["detail"]
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_ids_beyond_the_database_range_are_a_422_naming_the_parameter(client: TestClient, auth: Auth) -> None:
    """SQLite refused 2^63 for any integer, PostgreSQL already 2^31 for an `integer` id: 500 before.

    Below 2^63 SQLite answers as for any unknown id: the routes declare no bound (see the report).
    """
    assert _fields(client.get(f"{API}/plans/{2**63}", headers=auth("admin"))) == ["version_id"]
    offset = client.get(f"{API}/transport-requests", params={"offset": 2**63}, headers=auth("zfa"))
    assert _fields(offset) == ["offset"]
    beyond_int32 = client.get(f"{API}/plans/{2**31}", headers=auth("admin"))
    assert beyond_int32.status_code == 404 or _fields(beyond_int32) == ["version_id"]


def test_nul_bytes_are_a_422_naming_the_field(client: TestClient, auth: Auth) -> None:
    """PostgreSQL cannot store NUL (500 before); SQLite stored it."""
    created = client.post(
        f"{API}/transport-requests", json=request_body(), headers=auth("abh", abh="ABH-05113")
    )
    url = f"{API}/transport-requests/{created.json()['id']}/reject"
    body = {"reason": "no_staff", "reason_text": "Ausfall\x00"}
    assert _fields(client.post(url, json=body, headers=auth("zab", zab="ZAB-E"))) == ["reason_text"]
    listed = client.get(f"{API}/dublin-transfers", params={"zab_id": "ZAB-E\x00"}, headers=auth("admin"))
    assert listed.json() == [] or _fields(listed) == ["zab_id"]  # PostgreSQL: 500 before


def test_a_flight_id_beyond_the_database_range_is_a_422(client: TestClient, auth: Auth) -> None:
    response = client.post(
        f"{API}/transport-requests", json=request_body(flight_id=2**63), headers=auth("abh", abh="ABH-05113")
    )
    assert _fields(response) == ["flight_id"]


CHARTER = {"airport": "DUS", "destination_country": "ALB", "seats": 20, "escort_seats": 40}


@pytest.mark.parametrize(
    ("role", "path", "body", "field"),
    [
        ("zab", "/plans", {"day": 0}, "day"),  # was 1970-01-01
        ("zab", "/plans", {"day": "0"}, "day"),  # a timestamp in seconds, as text
        ("zfa", "/charters", {**CHARTER, "check_in": 0}, "check_in"),  # a charter in 1970
        ("zab", "/plans", {"day": "0001-01-01"}, "day"),  # the day before overflowed: 500
        (
            "zfa",
            "/charters",
            {**CHARTER, "check_in": "2026-11-26T10:00:00+01:00", "flight_id": 999},
            "flight_id",
        ),
        ("admin", "/restplatz/runs", {"day": "2026-11-25", "time_limit_s": True}, "time_limit_s"),
        ("abh", "/transport-requests", request_body(priority=True), "priority"),  # was 1
        (
            "abh",
            "/transport-requests",
            request_body(
                persons=[{"case_ref": "E-2026-0001", "nationality": "ALB", "gender": "m", "wheelchair": 1}]
            ),
            "persons.0.wheelchair",
        ),
    ],
)
def test_numbers_are_no_days_instants_or_flags_and_flags_no_numbers(
    client: TestClient, auth: Auth, role: str, path: str, body: dict[str, Any], field: str
) -> None:
    """Pydantic's lax mode read 0 as a date, a time or false, and true as 1 (accepted before);
    day 1 and unknown flights ended in a 500."""
    claims = {"zab": {"zab": "ZAB-E"}, "abh": {"abh": "ABH-05113"}}.get(role, {})
    response = client.post(f"{API}{path}", json=body, headers=auth(role, **claims))
    assert _fields(response) == [field]


def test_removal_cases_take_case_references_by_the_rules_of_transport_requests(
    client: TestClient, auth: Auth
) -> None:
    """POST /removal-cases stored any case_ref (a name, too) and any 3-letter nationality: 201 before."""
    case = {"pickup_location": "ABH-05113", "destination_country": "ALB"}
    for person, field in [
        ({"case_ref": "Max Mustermann", "nationality": "ALB", "gender": "m"}, "persons.0.case_ref"),
        ({"case_ref": "E-2026-0001", "nationality": "QQQ", "gender": "m"}, "persons.0.nationality"),
    ]:
        response = client.post(
            f"{API}/removal-cases", json={**case, "persons": [person]}, headers=auth("abh", abh="ABH-05113")
        )
        assert _fields(response) == [field]


def test_a_case_reference_twice_in_one_removal_case_is_a_422(client: TestClient, auth: Auth) -> None:
    """The second link of the same person broke a unique constraint: 500 before."""
    person = {"case_ref": "E-2026-0001", "nationality": "ALB", "gender": "m"}
    body = {"pickup_location": "ABH-05113", "destination_country": "ALB", "persons": [person, person]}
    response = client.post(f"{API}/removal-cases", json=body, headers=auth("abh", abh="ABH-05113"))
    assert _fields(response) == ["persons.1.case_ref"]


def test_a_case_reference_with_a_trailing_newline_is_refused(client: TestClient, auth: Auth) -> None:
    """`^…$` matched "E-2026-0001\\n": stored as a second person next to "E-2026-0001"."""
    person = {"case_ref": "E-2026-0001\n", "nationality": "ALB", "gender": "m"}
    response = client.post(
        f"{API}/transport-requests", json=request_body(persons=[person]), headers=auth("abh", abh="ABH-05113")
    )
    assert _fields(response) == ["persons.0.case_ref"]


def test_only_the_zrk_reads_medical_details_in_the_queue(client: TestClient, auth: Auth) -> None:
    """Found by the fuzzer: admin reads `medical_details` through GET /zrk/cases."""
    leg = {
        "flight_number": "ZF1",
        "from": "DUS",
        "to": "TIA",
        "departure": "2026-11-25T12:00",
        "arrival": "2026-11-25T14:30",
    }
    flight = client.post(f"{API}/flights", json={"legs": [leg]}, headers=auth("zfa")).json()["id"]
    person = {
        "case_ref": "E-2026-0201",
        "nationality": "ALB",
        "gender": "m",
        "requires_medical_reception": True,
    }
    body = request_body(persons=[person], flight_id=flight)
    assert (
        client.post(f"{API}/transport-requests", json=body, headers=auth("abh", abh="ABH-05113")).status_code
        == 201
    )
    (case,) = client.get(f"{API}/zrk/cases", headers=auth("zrk")).json()
    client.put(f"{API}/zrk/cases/{case['id']}/details", json={"details": "Insulin"}, headers=auth("zrk"))
    (seen,) = client.get(f"{API}/zrk/cases", headers=auth("admin")).json()
    assert seen["medical_details"] is None and seen["medical_details_visible"] is False
