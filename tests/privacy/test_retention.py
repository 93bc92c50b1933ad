"""Retention: closed old cases lose their personal data, the figures stay the same (both backends)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from cli.main import app
from ltrako.aps.statistics import BREAKDOWNS, compute_many
from ltrako.aps.tables import table_from_store
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import (
    ApsCase,
    AuditEvent,
    Flight,
    MedicalReception,
    Person,
    RequestStatusChange,
    TransitRequest,
    TransportRequest,
)
from ltrako.privacy.retention import RETENTION, RetentionReport, pseudonymise_closed
from tests.aps.history import AS_OF
from tests.factories import request_body
from tests.privacy.conftest import DAYS, OLD, OPEN, RECENT, SECRET, TODAY, person_of

MINISTRY = Principal("ministerium-1", Role.MINISTRY)


def _run(runtime: Runtime, today: dt.date = TODAY, days: int = DAYS) -> RetentionReport:
    with transaction(runtime.sessions) as session:
        return pseudonymise_closed(session, today=today, retention_days=days, actor=RETENTION)


def _figures(runtime: Runtime) -> Any:
    """Every breakdown of 2026 and its halves, and both parliamentary tables of 2026."""
    with Session(runtime.engine) as session:
        stats = [
            compute_many(session, MINISTRY, period=period, breakdowns=list(BREAKDOWNS), as_of=AS_OF)
            for period in ("2026", "2026-H1", "2026-H2", "2026-06")
        ]
        tables = [table_from_store(session, MINISTRY, half) for half in ("2026-H1", "2026-H2")]
    return stats, tables


def _texts(session: Session, request_ids: list[str]) -> set[str | None]:
    return set(
        session.exec(
            select(RequestStatusChange.reason_text).where(
                col(RequestStatusChange.request_id).in_(request_ids)
            )
        ).all()
    )


def test_retention_keeps_statistics_and_parliamentary_table(private: Runtime) -> None:
    """All breakdowns of the statistics and both tables are identical before and after."""
    before = _figures(private)
    assert before[0][1][0].total.counts["requested"] == 31 and before[1][0]  # not trivially empty
    report = _run(private)
    assert report.requests == len(OLD) and report.persons > 0
    assert _figures(private) == before


def test_retention_removes_case_refs_and_texts_of_closed_old_cases(private: Runtime) -> None:
    """Old closed requests lose texts, medical details and flags; their persons get a pseudonym."""
    with Session(private.engine) as session:
        refs = {rid: session.get(Person, person_of(session, rid)).case_ref for rid in OLD}  # type: ignore[union-attr]
    report = _run(private)
    with Session(private.engine) as session:
        assert _texts(session, OLD) == {None}
        for rid in OLD:
            row = session.get(TransportRequest, rid)
            assert row is not None and row.pseudonymised_at is not None and not row.requires_medical_escort
        for reception in session.exec(
            select(MedicalReception).where(col(MedicalReception.request_id).in_(OLD))
        ).all():
            assert reception.medical_details is None and reception.contact is None
            assert reception.status is not None  # counted by the statistics: kept
        pseudonymised = {rid: session.get(Person, person_of(session, rid)) for rid in OLD}
        kept = {"H-002"}  # waits in an open removal case
        for rid, person in pseudonymised.items():
            assert person is not None
            if rid in kept:
                assert person.case_ref == refs[rid] and person.pseudonymised_at is None
                continue
            assert person.case_ref.startswith("PSEUDO-") and person.case_ref != refs[rid]
            assert person.pseudonymised_at is not None and person.nationality and person.gender
        old_flights = session.exec(
            select(Flight).join(TransportRequest, col(TransportRequest.flight_id) == col(Flight.id))
        ).all()
        assert {f.booking_ref for f in old_flights if f.id != _flight_of(session, RECENT)} == {None}
        assert report.transit_reasons == 3 and report.flights == 3
    assert report.medical_receptions == 2 and report.status_texts > len(OLD)


def _flight_of(session: Session, request_id: str) -> int | None:
    row = session.get(TransportRequest, request_id)
    return row.flight_id if row else None


def test_retention_leaves_open_and_recent_cases_alone(private: Runtime) -> None:
    """Open and recent requests, their persons, flight, transit and medical reception keep everything."""
    with Session(private.engine) as session:
        refs = {rid: session.get(Person, person_of(session, rid)).case_ref for rid in [*OPEN, RECENT]}  # type: ignore[union-attr]
    _run(private)
    with Session(private.engine) as session:
        assert _texts(session, [*OPEN, RECENT]) == {SECRET}
        for rid in [*OPEN, RECENT]:
            row = session.get(TransportRequest, rid)
            assert row is not None and row.pseudonymised_at is None and row.requires_medical_escort
            person = session.get(Person, person_of(session, rid))
            assert person is not None and person.case_ref == refs[rid] and person.pseudonymised_at is None
        flight = session.get(Flight, _flight_of(session, RECENT))
        assert flight is not None and flight.booking_ref == "PNR9QQ"
        transit = session.exec(select(TransitRequest).where(TransitRequest.flight_id == flight.id)).one()
        assert transit.reason == SECRET
        reception = session.exec(select(MedicalReception).where(MedicalReception.request_id == RECENT)).one()
        assert reception.medical_details == "Dialyse"


def test_a_person_also_on_an_open_request_or_case_keeps_the_case_ref(private: Runtime) -> None:
    """H-001 is old, but one of its persons also travels on open H-029: that person stays; a person
    in an open removal case stays, one in a removal case closed long ago does not."""
    with Session(private.engine) as session:
        shared = person_of(session, "H-029")
        before = session.get(Person, shared)
        assert before is not None
        ref = before.case_ref
    _run(private)
    with Session(private.engine) as session:
        person = session.get(Person, shared)
        assert person is not None and person.case_ref == ref
        waiting = session.get(Person, person_of(session, "H-002"))
        closed_case = session.get(Person, person_of(session, "H-003"))
        assert waiting is not None and waiting.pseudonymised_at is None
        assert closed_case is not None and closed_case.pseudonymised_at is not None


def test_imported_cases_are_pseudonymised_when_dates_and_import_are_old(private: Runtime) -> None:
    """H3 (2025/26, imported in January 2026) gets a pseudonym; H1/H2 imported just now keep theirs."""
    _run(private)
    with Session(private.engine) as session:
        refs = {c.id: c.case_ref for c in session.exec(select(ApsCase)).all()}
    assert sorted(r for r in refs.values() if not r.startswith("PSEUDO-")) == ["H1", "H2"]
    assert len(refs) == 3


def _snapshot(runtime: Runtime) -> Any:
    with Session(runtime.engine) as session:
        return [
            [row.model_dump() for row in session.exec(select(table)).all()]
            for table in (
                Person,
                TransportRequest,
                RequestStatusChange,
                MedicalReception,
                Flight,
                TransitRequest,
            )
        ] + [session.exec(select(func.count()).select_from(AuditEvent)).one()]


def test_retention_twice_changes_nothing(private: Runtime) -> None:
    """A second run finds nothing: same rows, same pseudonyms, no new audit events."""
    first = _run(private)
    assert first.total > 0
    after_first = _snapshot(private)
    second = _run(private)
    assert second == RetentionReport() and second.total == 0
    assert _snapshot(private) == after_first


def test_retention_is_audited_by_id_only(private: Runtime) -> None:
    """Each changed record has an audit event of the retention actor; none names a case ref or text."""
    with Session(private.engine) as session:
        refs = {p.case_ref for p in session.exec(select(Person)).all()}
    report = _run(private)
    with Session(private.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.actor == RETENTION.subject)).all()
    kinds = {(e.entity, e.action) for e in events}
    assert ("person", "update") in kinds and ("transport_request", "update") in kinds
    assert ("medical_reception", "delete") in kinds and ("retention", "update") in kinds
    assert sum(e.entity == "person" for e in events) == report.persons
    for event in events:
        text = f"{event.entity_id} {event.context}"
        assert SECRET not in text and not any(ref in text for ref in refs)


def test_nothing_is_old_with_a_long_period(private: Runtime) -> None:
    """With ten years kept, nothing of 2026 is touched."""
    assert _run(private, days=3650) == RetentionReport()


def test_retention_of_a_case_handled_through_the_api(
    client: TestClient, auth: Callable[..., dict[str, str]], runtime: Runtime
) -> None:
    """A cancelled request with a free text loses it and its case ref; a submitted one keeps both."""
    abh = auth("abh", abh="ABH-05113")
    ids = []
    for ref in ("E-2026-0100", "E-2026-0101"):
        body = request_body(persons=[{"case_ref": ref, "nationality": "ALB", "gender": "m"}])
        response = client.post("/api/v1/transport-requests", json=body, headers=abh)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    closed = client.post(
        f"/api/v1/transport-requests/{ids[0]}/close",
        json={"outcome": "cancelled", "reason": "absconded", "reason_text": SECRET},
        headers=abh,
    )
    assert closed.status_code == 200, closed.text
    report = _run(runtime, today=dt.date(2028, 1, 1))
    assert report.requests == 1 and report.persons == 1
    after = {rid: client.get(f"/api/v1/transport-requests/{rid}", headers=abh).json() for rid in ids}
    assert after[ids[0]]["persons"][0]["case_ref"].startswith("PSEUDO-")
    assert after[ids[1]]["persons"][0]["case_ref"] == "E-2026-0101"
    with Session(runtime.engine) as session:
        assert _texts(session, [ids[0]]) == {None}


def test_cli_dry_run_counts_and_stores_nothing(private: Runtime, db_url: str, tmp_path: Path) -> None:
    """`ltrako retention run --dry-run` reports what would change and changes nothing; without it, it does."""
    env = {"DATABASE_URL": db_url, "LTRAKO_LOCAL_KEY_FILE": str(tmp_path / "k"), "LTRAKO_JWT_SECRET": ""}
    before = _snapshot(private)
    runner = CliRunner()
    # The real today is after 1.7.2026; with one day kept every closed request of the history is old.
    result = runner.invoke(app, ["retention", "run", "--days", "1", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "Probelauf" in result.output and "Personen pseudonymisiert: " in result.output
    assert _snapshot(private) == before
    result = runner.invoke(app, ["retention", "run", "--days", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert f"Aufträge (Freitexte, Gesundheitsangaben): {len(OLD) + 1}" in result.output
    with Session(private.engine) as session:
        assert _texts(session, [RECENT]) == {None} and _texts(session, OPEN) == {SECRET}
