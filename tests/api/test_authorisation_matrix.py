"""Every endpoint × every role, generated from the route table.

`EXPECTED` is the authorisation matrix as the project means it: who may call what. The first
test fails when a route has no rule (a new endpoint without `allow(...)`), when a rule differs
from the matrix, or when the matrix names a route that no longer exists. The second one calls
every endpoint with every role and with no token: unlisted roles get 403 before their input
is read, listed ones get past the gate (their input or the object may still be refused), and
nobody gets in without a token except where the route is public.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.gates import rule_of
from api.main import route_table
from api.web.session import COOKIE
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Role
from ltrako.models import TransportRequest
from tests.factories import request_body

A, Z, F, K, M, D, ADM = Role.ABH, Role.ZAB, Role.ZFA, Role.ZRK, Role.MINISTRY, Role.DPO, Role.ADMIN
EVERYONE = frozenset(Role)
PUBLIC = None

EXPECTED: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/zabs"): EVERYONE,
    ("GET", "/api/v1/abhs"): EVERYONE,
    ("GET", "/api/v1/locations"): EVERYONE,
    ("GET", "/api/v1/vehicles"): EVERYONE,
    ("POST", "/api/v1/transport-requests"): frozenset({A, Z, ADM}),
    ("GET", "/api/v1/transport-requests"): frozenset({A, Z, F, K, ADM}),
    ("GET", "/api/v1/transport-requests/{request_id}"): frozenset({A, Z, F, K, ADM}),
    ("POST", "/api/v1/transport-requests/{request_id}/complete"): frozenset({Z, ADM}),
    ("POST", "/api/v1/transport-requests/{request_id}/reject"): frozenset({Z, ADM}),
    ("POST", "/api/v1/transport-requests/{request_id}/close"): frozenset({A, Z, ADM}),
    ("GET", "/api/v1/transport-requests/{request_id}/medical-reception"): frozenset({A, Z, F, K, ADM}),
    ("POST", "/api/v1/plans"): frozenset({Z, ADM}),
    ("GET", "/api/v1/plans"): frozenset({Z, ADM}),
    ("GET", "/api/v1/plans/{version_id}"): frozenset({Z, ADM}),
    ("POST", "/api/v1/plans/{version_id}/tours/{tour_index}/accept"): frozenset({Z, ADM}),
    ("POST", "/api/v1/plans/{version_id}/reject-unassigned"): frozenset({Z, ADM}),
    ("POST", "/api/v1/jobs"): frozenset({Z, ADM}),
    ("GET", "/api/v1/jobs/{job_id}"): frozenset({Z, F, ADM}),  # also charter_plan jobs of the ZFA
    ("POST", "/api/v1/restplatz/runs"): frozenset({Z, ADM}),
    ("GET", "/api/v1/restplatz/runs"): frozenset({Z, M, ADM}),
    ("GET", "/api/v1/restplatz/offers"): frozenset({Z, ADM}),
    ("GET", "/api/v1/restplatz/board"): frozenset({Z, ADM}),
    ("GET", "/api/v1/roster"): frozenset({Z, ADM}),
    ("PUT", "/api/v1/roster/shifts/{escort_id}/{day}"): frozenset({Z, ADM}),
    ("POST", "/api/v1/roster/imports"): frozenset({Z, ADM}),
    ("POST", "/api/v1/roster/absences"): frozenset({Z, ADM}),
    ("DELETE", "/api/v1/roster/absences/{absence_id}"): frozenset({Z, ADM}),
    ("PUT", "/api/v1/fleet/vehicles/{vehicle_id}/days/{day}"): frozenset({Z, ADM}),
    ("POST", "/api/v1/tours/{tour_id}/repairs"): frozenset({Z, ADM}),
    ("POST", "/api/v1/tour-repairs/{repair_id}/confirm"): frozenset({Z, ADM}),
    ("GET", "/api/v1/tour-repairs/{repair_id}"): frozenset({Z, ADM}),
    ("POST", "/api/v1/restplatz/offers/{offer_id}/take"): frozenset({Z, ADM}),
    ("POST", "/api/v1/flights"): frozenset({F, ADM}),
    ("POST", "/api/v1/zfa/flights/{flight_id}/transits"): frozenset({F, ADM}),
    ("GET", "/api/v1/zfa/transits"): frozenset({F, ADM}),
    ("POST", "/api/v1/zfa/transits/{transit_id}/submit"): frozenset({F, ADM}),
    ("POST", "/api/v1/zfa/transits/{transit_id}/decision"): frozenset({F, ADM}),
    ("POST", "/api/v1/zfa/transits/{transit_id}/withdraw"): frozenset({F, ADM}),
    ("GET", "/api/v1/zfa/transits/{transit_id}/document"): frozenset({F, ADM}),
    ("GET", "/api/v1/notifications"): frozenset({A}),
    ("POST", "/api/v1/notifications/{notification_id}/read"): frozenset({A}),
    ("POST", "/api/v1/notifications/read"): frozenset({A}),
    ("POST", "/api/v1/transport-requests/{request_id}/cancel"): frozenset({A, Z, ADM}),
    ("PATCH", "/api/v1/transport-requests/{request_id}"): frozenset({A, Z, ADM}),
    ("GET", "/api/v1/amendments"): frozenset({Z, ADM}),
    ("POST", "/api/v1/amendments/{amendment_id}/decision"): frozenset({Z, ADM}),
    ("POST", "/api/v1/tours/{tour_id}/uncommit"): frozenset({Z, ADM}),
    ("GET", "/api/v1/zrk/cases"): frozenset({K, ADM}),
    ("POST", "/api/v1/zrk/cases/{case_id}/request"): frozenset({K, ADM}),
    ("POST", "/api/v1/zrk/cases/{case_id}/decision"): frozenset({K, ADM}),
    ("PUT", "/api/v1/zrk/cases/{case_id}/details"): frozenset({A, K, ADM}),
    ("POST", "/api/v1/dublin-transfers"): frozenset({Z, ADM}),
    ("GET", "/api/v1/dublin-transfers"): frozenset({Z, F, ADM}),
    ("GET", "/api/v1/aps/statistics"): frozenset({M, Z, ADM}),
    ("GET", "/api/v1/aps/statistics/export"): frozenset({M, Z, ADM}),
    ("GET", "/api/v1/aps/charts/{chart}.{image}"): frozenset({M, Z, ADM}),
    ("GET", "/api/v1/aps/parliamentary-table"): frozenset({M, ADM}),
    ("GET", "/api/v1/aps/landtag-tables"): frozenset({M, ADM}),
    ("POST", "/api/v1/aps/cases/import"): frozenset({M, ADM}),
    ("POST", "/api/v1/removal-cases"): frozenset({A, Z, ADM}),
    ("PATCH", "/api/v1/removal-cases/{case_id}"): frozenset({A, Z, ADM}),
    ("POST", "/api/v1/charters"): frozenset({F, ADM}),
    ("GET", "/api/v1/charters/{charter_id}"): frozenset({F, Z, ADM}),
    ("POST", "/api/v1/charters/{charter_id}/plan"): frozenset({F, ADM}),
    ("POST", "/api/v1/charters/{charter_id}/book"): frozenset({F, ADM}),
    ("GET", "/api/v1/charters"): frozenset({F, Z, ADM}),
    ("GET", "/api/v1/removal-cases"): frozenset({A, Z, ADM}),
    ("GET", "/api/v1/privacy/cases/{request_id}/audit"): frozenset({D, ADM}),
    ("GET", "/api/v1/tours/{tour_id}/fahrauftrag"): frozenset({Z, ADM}),
    ("GET", "/api/v1/charters/{charter_id}/manifest"): frozenset({F, ADM}),
    ("GET", "/api/v1/calendars/vehicles/{vehicle_id}.ics"): frozenset({Z, ADM}),
    ("GET", "/api/v1/calendars/escorts/{escort_id}.ics"): frozenset({Z, ADM}),
}


def _api_routes() -> dict[tuple[str, str], object]:
    return {(method, path): route for method, path, route in route_table() if path.startswith("/api/")}


def test_every_route_has_the_rule_of_the_matrix() -> None:
    routes = _api_routes()
    missing = sorted(key for key in routes if key not in EXPECTED)
    assert not missing, f"routes without an entry in the authorisation matrix: {missing}"
    gone = sorted(key for key in EXPECTED if key not in routes)
    assert not gone, f"matrix entries without a route: {gone}"
    for key, route in routes.items():
        rule = rule_of(route.dependencies)  # type: ignore[attr-defined]
        assert rule != "missing", f"{key} has no allow(...) rule"
        assert rule == EXPECTED[key], f"{key}: route admits {rule}, matrix says {EXPECTED[key]}"


def _principal(role: Role) -> dict[str, str]:
    return {"zab": "ZAB-E"} if role is Role.ZAB else {"abh": "ABH-05113"} if role is Role.ABH else {}


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonym" if r is None else r.value)
def test_each_role_gets_what_the_matrix_says(
    client: TestClient, auth: Callable[..., dict[str, str]], role: Role | None
) -> None:
    headers = auth(role.value, **_principal(role)) if role is not None else {}
    wrong = []
    for (method, path), allowed in EXPECTED.items():
        url = re.sub(r"\{[^}]+\}", "1", path).replace("1.1", "trend.png")
        body = {} if method in ("POST", "PUT", "PATCH") else None
        status = client.request(method, url, headers=headers, json=body).status_code
        if allowed is PUBLIC:
            ok = status < 400
        elif role is None:
            ok = status == 401
        elif role in allowed:
            ok = status not in (401, 403) and status < 500
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{method} {path}: {status}")
    assert not wrong, wrong


PAGES: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/web/login"): PUBLIC,
    ("POST", "/web/login"): PUBLIC,
    ("POST", "/web/logout"): PUBLIC,
    ("GET", "/web/oidc/callback"): PUBLIC,
    ("GET", "/web"): EVERYONE,
    ("GET", "/web/jobs/{job_id}"): frozenset({Z, F, ADM}),
    ("GET", "/web/zab/tag"): frozenset({Z, ADM}),
    ("POST", "/web/zab/plan"): frozenset({Z, ADM}),
    ("POST", "/web/zab/versions/{version_id}/tours/{tour_index}/accept"): frozenset({Z, ADM}),
    ("POST", "/web/zab/requests/{request_id}/reject"): frozenset({Z, ADM}),
    ("GET", "/web/zab/restplatz"): frozenset({Z, ADM}),
    ("POST", "/web/zab/restplatz/{offer_id}/take"): frozenset({Z, ADM}),
    ("POST", "/web/zab/restplatz/run"): frozenset({Z, ADM}),
    ("GET", "/web/zab/dienstplan"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/schicht"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/abwesenheit"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/abwesenheit/{absence_id}/loeschen"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/fahrzeug"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/import"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/tour/{tour_id}/reparatur"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dienstplan/reparatur/{repair_id}/bestaetigen"): frozenset({Z, ADM}),
    ("GET", "/web/abh"): frozenset({A}),
    ("POST", "/web/abh/auftraege"): frozenset({A}),
    ("GET", "/web/abh/benachrichtigungen"): frozenset({A}),
    ("POST", "/web/abh/benachrichtigungen/{notification_id}/gelesen"): frozenset({A}),
    ("POST", "/web/abh/benachrichtigungen/gelesen"): frozenset({A}),
    ("GET", "/web/auftraege/{request_id}"): frozenset({A, Z, ADM}),
    ("POST", "/web/auftraege/{request_id}/aendern"): frozenset({A, Z, ADM}),
    ("POST", "/web/auftraege/{request_id}/stornieren"): frozenset({A, Z, ADM}),
    ("GET", "/web/zab/aenderungen"): frozenset({Z, ADM}),
    ("POST", "/web/zab/touren/{tour_id}/aufheben"): frozenset({Z, ADM}),
    ("POST", "/web/zab/aenderungen/{amendment_id}/entscheidung"): frozenset({Z, ADM}),
    ("GET", "/web/zfa"): frozenset({F, ADM}),
    ("POST", "/web/zfa/transits/{transit_id}/{action}"): frozenset({F, ADM}),
    ("GET", "/web/zfa/transits/{transit_id}/document"): frozenset({F, ADM}),
    ("GET", "/web/zrk"): frozenset({K, ADM}),
    ("POST", "/web/zrk/cases/{case_id}/{action}"): frozenset({K, ADM}),
    ("GET", "/web/zfa/fluege"): frozenset({F, ADM}),
    ("POST", "/web/zfa/fluege"): frozenset({F, ADM}),
    ("GET", "/web/zfa/charter"): frozenset({F, Z, ADM}),
    ("POST", "/web/zfa/charter"): frozenset({F, ADM}),
    ("GET", "/web/zfa/charter/{charter_id}"): frozenset({F, Z, ADM}),
    ("POST", "/web/zfa/charter/{charter_id}/plan"): frozenset({F, ADM}),
    ("POST", "/web/zfa/charter/{charter_id}/buchen"): frozenset({F, ADM}),
    ("GET", "/web/zab/dublin"): frozenset({Z, ADM}),
    ("POST", "/web/zab/dublin"): frozenset({Z, ADM}),
    ("GET", "/web/zab/touren/{tour_id}/fahrauftrag.pdf"): frozenset({Z, ADM}),
    ("GET", "/web/zab/kalender/fahrzeuge/{vehicle_id}.ics"): frozenset({Z, ADM}),
    ("GET", "/web/zab/kalender/begleitkraefte/{escort_id}.ics"): frozenset({Z, ADM}),
    ("GET", "/web/zfa/transits/{transit_id}/antrag.pdf"): frozenset({F, ADM}),
    ("GET", "/web/zfa/charter/{charter_id}/passagierliste.pdf"): frozenset({F, ADM}),
    ("GET", "/web/datenschutz"): frozenset({D, ADM}),
    ("GET", "/web/datenschutz/export"): frozenset({D, ADM}),
    ("GET", "/web/statistik"): frozenset({M, Z, ADM}),
    ("GET", "/web/statistik/export"): frozenset({M, Z, ADM}),
    ("GET", "/web/statistik/landtag"): frozenset({M, ADM}),
    ("GET", "/web/statistik/landtag/export"): frozenset({M, ADM}),
}


SESSION_PAGES = {("POST", "/web/login"), ("POST", "/web/logout"), ("GET", "/web/oidc/callback")}


def test_every_page_has_the_rule_of_the_matrix() -> None:
    pages = {(method, path): route for method, path, route in route_table() if path.startswith("/web")}
    assert sorted(pages) == sorted(PAGES), "pages and matrix differ"
    for key, route in pages.items():
        assert rule_of(route.dependencies) == PAGES[key], key  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonym" if r is None else r.value)
def test_each_role_gets_the_pages_the_matrix_says(
    client: TestClient, auth: Callable[..., dict[str, str]], role: Role | None
) -> None:
    """Signed out: the login page (303); a role without the page: the German refusal (403)."""
    client.cookies.clear()
    if role is not None:
        token = auth(role.value, **_principal(role))["Authorization"].removeprefix("Bearer ")
        client.cookies.set(COOKIE, token)
    wrong = []
    for (method, path), allowed in PAGES.items():
        if (method, path) in SESSION_PAGES:
            continue  # they change the session itself (tests/web/test_signin.py, test_oidc.py)
        url = re.sub(r"\{[^}]+\}", "1", path)
        answer = client.request(method, url, data={}, follow_redirects=False)
        if allowed is PUBLIC:
            ok = answer.status_code < 400
        elif role is None:
            ok = answer.status_code == 303 and answer.headers["location"] == "/web/login"
        elif role in allowed:
            ok = answer.status_code not in (401, 403) and answer.status_code < 500
        else:
            ok = answer.status_code == 403 and "nicht freigegeben" in answer.text
        if not ok:
            wrong.append(f"{method} {path}: {answer.status_code}")
    assert not wrong, wrong


# ----------------------------------------------------------------- writes across tenants

CROSS_TENANT_WRITES = [
    # (who, method, path template, body): each would change a record of another ABH or ZAB
    ("abh-koeln", "POST", "/api/v1/transport-requests/{essen}/close", {"outcome": "cancelled"}),
    ("zab-k", "POST", "/api/v1/transport-requests/{essen}/close", {"outcome": "cancelled"}),
    ("zab-k", "POST", "/api/v1/transport-requests/{essen}/reject", {"reason": "no_staff"}),
    ("zab-k", "POST", "/api/v1/transport-requests/{essen}/complete", {"returned": True}),
    ("abh-koeln", "POST", "/api/v1/transport-requests/{essen}/cancel", {"reason": "other"}),
    ("zab-k", "POST", "/api/v1/transport-requests/{essen}/cancel", {"reason": "other"}),
    ("abh-koeln", "PATCH", "/api/v1/transport-requests/{essen}", {"priority": 1}),
    ("zab-k", "PATCH", "/api/v1/transport-requests/{essen}", {"priority": 1}),
    (
        "zab-e",
        "POST",
        "/api/v1/dublin-transfers",
        {
            "request_id": "{koeln}",
            "facility_id": "FAC-EAE-E",
            "application_registered": "2026-10-01",
            "accepted_on": "2026-10-20",
        },
    ),
    ("zab-k", "POST", "/api/v1/plans", {"day": "2026-11-25", "zab_id": "ZAB-E"}),
    ("zab-k", "POST", "/api/v1/jobs", {"kind": "plan_day", "day": "2026-11-25", "zab_id": "ZAB-E"}),
    ("abh-koeln", "POST", "/api/v1/transport-requests", {"abh_id": "ABH-05113"}),
    ("zab-k", "POST", "/api/v1/transport-requests", {"abh_id": "ABH-05113"}),
    (
        "abh-koeln",
        "POST",
        "/api/v1/removal-cases",
        {
            "persons": [{"case_ref": "E-2026-0001", "nationality": "ALB", "gender": "m"}],
            "pickup_location": "ABH-05113",
            "destination_country": "ALB",
            "abh_id": "ABH-05113",
        },
    ),
]
WHO = {
    "abh-koeln": ("abh", {"abh": "ABH-05315"}),
    "zab-k": ("zab", {"zab": "ZAB-K"}),
    "zab-e": ("zab", {"zab": "ZAB-E"}),
}


@pytest.mark.parametrize(("who", "method", "path", "body"), CROSS_TENANT_WRITES)
def test_writes_that_would_move_or_change_another_tenants_record_are_refused(
    client: TestClient,
    auth: Callable[..., dict[str, str]],
    runtime: Runtime,
    who: str,
    method: str,
    path: str,
    body: dict[str, object],
) -> None:
    """A request of ABH Essen (ZAB Essen) and one of ABH Köln (ZAB Köln): no caller of the other
    tenant may cancel, reject, complete, re-home or submit for them; nothing changes."""
    requests = "/api/v1/transport-requests"
    essen = client.post(requests, json=request_body(), headers=auth("abh", abh="ABH-05113")).json()["id"]
    koeln = client.post(requests, json=request_body(), headers=auth("abh", abh="ABH-05315")).json()["id"]
    before = _owners(runtime)
    if path == requests:  # a submission: the body of an Essen request
        body = request_body(**body)
    text = json.dumps(body).replace("{essen}", essen).replace("{koeln}", koeln)
    role, units = WHO[who]
    answer = client.request(
        method,
        path.replace("{essen}", essen).replace("{koeln}", koeln),
        content=text,
        headers={**auth(role, **units), "Content-Type": "application/json"},
    )
    assert answer.status_code in (403, 404), (who, path, answer.status_code, answer.text)
    assert _owners(runtime) == before


def _owners(runtime: Runtime) -> list[tuple[str, str, str | None, str]]:
    with transaction(runtime.sessions) as session:
        rows = session.exec(select(TransportRequest).order_by(col(TransportRequest.id))).all()
        return [(r.id, r.zab_id, r.abh_id, r.status.value) for r in rows]
