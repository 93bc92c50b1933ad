"""The audit trail of one case for the data protection officer (dpo): complete, exclusive, audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from ltrako.core.clock import FixedClock
from ltrako.core.db import transaction
from ltrako.core.errors import Forbidden
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import AuditEvent, Person
from ltrako.privacy.audit_export import case_audit_trail
from tests.factories import request_body

Auth = Callable[..., dict[str, str]]
REQUESTS = "/api/v1/transport-requests"
ABH = {"abh": "ABH-05113"}


def _audit_url(request_id: str, fmt: str = "json") -> str:
    return f"/api/v1/privacy/cases/{request_id}/audit?format={fmt}"


@pytest.fixture
def cases(client: TestClient, auth: Auth, runtime: Runtime) -> dict[str, str]:
    """Two requests of ABH Essen: `mine` is read by ABH and ZAB, then cancelled; `other` only submitted."""
    ids = {}
    for name, ref in (("mine", "E-2026-0200"), ("other", "E-2026-0201")):
        body = request_body(persons=[{"case_ref": ref, "nationality": "ALB", "gender": "m"}])
        response = client.post(REQUESTS, json=body, headers=auth("abh", subject="sb-essen", **ABH))
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
        with Session(runtime.engine) as session:
            ids[f"{name}_person"] = str(session.exec(select(Person.id).where(Person.case_ref == ref)).one())
    mine = ids["mine"]
    assert client.get(f"{REQUESTS}/{mine}", headers=auth("abh", subject="sb-essen", **ABH)).status_code == 200
    assert (
        client.get(f"{REQUESTS}/{mine}", headers=auth("zab", subject="dispo-e", zab="ZAB-E")).status_code
        == 200
    )
    assert (
        client.get(f"{REQUESTS}/{mine}", headers=auth("zab", subject="dispo-k", zab="ZAB-K")).status_code
        == 404  # another tenant's request: not found, but audited as a refused read
    )
    closed = client.post(
        f"{REQUESTS}/{mine}/close",
        json={"outcome": "cancelled", "reason": "absconded"},
        headers=auth("abh", subject="sb-essen", **ABH),
    )
    assert closed.status_code == 200, closed.text
    return ids


def test_the_export_holds_the_reads_and_updates_of_the_case_and_nothing_else(
    client: TestClient, auth: Auth, cases: dict[str, str]
) -> None:
    """Create, reads (also a refused one), the update and the person, in order; nothing of the other case."""
    response = client.get(_audit_url(cases["mine"]), headers=auth("dpo", subject="dsb-1"))
    assert response.status_code == 200, response.text
    entries = response.json()
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    seen = {(e["actor"], e["role"], e["action"], e["outcome"], e["entity"], e["entity_id"]) for e in entries}
    mine, person = cases["mine"], cases["mine_person"]
    assert ("sb-essen", "abh", "create", "ok", "transport_request", mine) in seen
    assert ("sb-essen", "abh", "create", "ok", "person", person) in seen
    assert ("sb-essen", "abh", "read", "ok", "transport_request", mine) in seen
    assert ("dispo-e", "zab", "read", "ok", "transport_request", mine) in seen
    assert ("dispo-k", "zab", "read", "denied", "transport_request", mine) in seen
    assert ("sb-essen", "abh", "update", "ok", "transport_request", mine) in seen
    history = [e["context"] for e in entries if e["entity"] == "request_status_change"]
    assert history == ["- -> submitted", "submitted -> cancelled absconded"]
    others = {cases["other"], cases["other_person"]}
    assert not [e for e in entries if e["entity_id"] in others or cases["other"] in (e["context"] or "")]


def test_the_export_as_csv(client: TestClient, auth: Auth, cases: dict[str, str], clock: FixedClock) -> None:
    """CSV with a header row and the same entries as the JSON."""
    clock.advance(minutes=1)  # the export comes after the case's history
    as_json = client.get(_audit_url(cases["mine"]), headers=auth("admin")).json()
    response = client.get(_audit_url(cases["mine"], "csv"), headers=auth("admin"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["at", "actor", "role", "action", "outcome", "entity", "entity_id", "context"]
    # The first export is itself an event of the case now: the CSV has one more.
    assert len(rows) == len(as_json) + 1
    assert rows[-1]["action"] == "export" and rows[-1]["context"] == "audit-export json"


def test_the_export_is_audited(
    client: TestClient, auth: Auth, cases: dict[str, str], runtime: Runtime
) -> None:
    """Who exported which case's trail is recorded (EXPORT)."""
    assert (
        client.get(_audit_url(cases["mine"], "csv"), headers=auth("dpo", subject="dsb-1")).status_code == 200
    )
    with Session(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.actor, event.role, event.entity, event.entity_id, event.outcome) == (
        "dsb-1",
        "dpo",
        "transport_request",
        cases["mine"],
        "ok",
    )
    assert event.context == "audit-export csv"


@pytest.mark.parametrize(
    ("role", "claims"),
    [("abh", ABH), ("zab", {"zab": "ZAB-E"}), ("zfa", {}), ("zrk", {}), ("ministry", {})],
)
def test_other_roles_get_403(
    client: TestClient, auth: Auth, cases: dict[str, str], runtime: Runtime, role: str, claims: dict[str, str]
) -> None:
    """Only dpo and admin export; the refusal is German and audited, at the route and in the service."""
    response = client.get(_audit_url(cases["mine"]), headers=auth(role, subject=f"x-{role}", **claims))
    assert response.status_code == 403 and "nicht freigegeben" in response.json()["detail"]
    with Session(runtime.engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.actor == f"x-{role}")).one()
    assert (refused.outcome, refused.entity_id) == ("denied", cases["mine"])
    principal = Principal(f"y-{role}", Role(role), zab_id=claims.get("zab"), abh_id=claims.get("abh"))
    with pytest.raises(Forbidden, match="Datenschutzbeauftragte"), transaction(runtime.sessions) as session:
        case_audit_trail(session, principal, request_id=cases["mine"])
    with Session(runtime.engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.actor == f"y-{role}")).one()
    assert (refused.action, refused.outcome, refused.entity_id) == ("export", "denied", cases["mine"])


def test_unknown_case_is_404(client: TestClient, auth: Auth) -> None:
    response = client.get(_audit_url("TR-000000-NOPE"), headers=auth("dpo"))
    assert response.status_code == 404 and "nicht gefunden" in response.json()["detail"]


def test_dpo_sees_no_case_data(client: TestClient, auth: Auth, cases: dict[str, str]) -> None:
    """The dpo role reads neither requests nor the statistics."""
    dpo = auth("dpo")
    assert client.get(f"{REQUESTS}/{cases['mine']}", headers=dpo).status_code == 403
    assert client.get(REQUESTS, headers=dpo).status_code == 403
    assert client.get("/api/v1/aps/statistics?period=2026", headers=dpo).status_code == 403


def test_cli_audit_export(cases: dict[str, str], db_url: str, tmp_path: Path) -> None:
    """`ltrako retention audit-export ID --out f.csv` writes the trail of that case."""
    out = tmp_path / "trail.csv"
    env = {"DATABASE_URL": db_url, "LTRAKO_LOCAL_KEY_FILE": str(tmp_path / "k"), "LTRAKO_JWT_SECRET": ""}
    result = CliRunner().invoke(
        app, ["retention", "audit-export", cases["mine"], "--out", str(out), "--actor", "dsb-cli"], env=env
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["entity_id"] for r in rows if r["entity"] == "transport_request"} == {cases["mine"]}
    missing = CliRunner().invoke(app, ["retention", "audit-export", "TR-NOPE"], env=env)
    assert missing.exit_code == 2 and "nicht gefunden" in missing.output
