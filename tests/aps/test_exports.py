"""The parliamentary table and statistics from stored data: exports that spreadsheet and image
readers open, the API with its roles, the historical import and the `ltrako aps` commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from cli.main import app
from ltrako.aps.tables import table_from_store
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import ApsCase, RequestStatus, RequestStatusChange, TransportRequest
from tests.aps.history import (
    EXPECTED_H1,
    EXPECTED_TABLE_H1,
    Cohort,
    add_request,
    seed_history,
)

Headers = dict[str, str]
MINISTRY = Principal("ministerium-1", Role.MINISTRY)
runner = CliRunner()


@pytest.fixture
def history(runtime: Runtime) -> Runtime:
    with transaction(runtime.sessions) as session:
        seed_history(session)
    return runtime


def _table(rows) -> list[tuple[str, str, int, int]]:  # type: ignore[no-untyped-def]
    return [(r.area, r.code, r.begleitet, r.erfolgreich_rueckgefuehrt) for r in rows]


def test_parliamentary_table_from_stored_data(history: Runtime) -> None:
    """Persons of executed removals (returned or not) plus imported cases, by area and code."""
    with Session(history.engine) as session:
        rows = table_from_store(session, MINISTRY, "2026-H1")
        assert _table(rows) == EXPECTED_TABLE_H1
        assert _table(table_from_store(session, MINISTRY, "2026-H2")) == [("kommunal", "ALB", 1, 1)]


def test_table_exports_open_in_a_spreadsheet_reader(
    history: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    ministry = auth("ministry")
    answer = client.get("/api/v1/aps/parliamentary-table", params={"half": "2026-H1"}, headers=ministry)
    assert answer.status_code == 200
    got = [(r["area"], r["code"], r["begleitet"], r["erfolgreich_rueckgefuehrt"]) for r in answer.json()]
    assert got == EXPECTED_TABLE_H1
    xlsx = client.get(
        "/api/v1/aps/parliamentary-table", params={"half": "2026-H1", "format": "xlsx"}, headers=ministry
    )
    assert xlsx.status_code == 200
    assert "landtag-tabelle-2026-H1.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Kommunaler Bereich", "Landeseinrichtungen"]
    municipal = [tuple(r) for r in book["Kommunaler Bereich"].iter_rows(min_row=3, values_only=True)]
    assert municipal == [
        ("ALB", "Albanien", 16, 12),
        ("SYR", "Syrien, Arabische Republik", 6, 6),
        (None, "Summe", 22, 18),
    ]
    state = [tuple(r) for r in book["Landeseinrichtungen"].iter_rows(min_row=3, values_only=True)]
    assert state == [("MKD", "Nordmazedonien", 5, 5), ("XXX", "unbekannt", 0, 1), (None, "Summe", 5, 6)]
    page = client.get(
        "/api/v1/aps/parliamentary-table", params={"half": "2026-H1", "format": "html"}, headers=ministry
    )
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in page.text and page.text.count("<table>") == 2
    assert '<td>ALB Albanien</td><td class="n">16</td><td class="n">12</td>' in page.text
    text = client.get(
        "/api/v1/aps/parliamentary-table", params={"half": "2026-H1", "format": "csv"}, headers=ministry
    ).text
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["area", "code", "name", "begleitet", "erfolgreich_rueckgefuehrt"]
    assert lines[1] == ["kommunal", "ALB", "Albanien", "16", "12"]


def test_the_table_is_for_the_ministry(
    history: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    for headers in (auth("zab", zab="ZAB-E"), auth("abh", abh="ABH-05113"), auth("zfa")):
        answer = client.get("/api/v1/aps/parliamentary-table", params={"half": "2026-H1"}, headers=headers)
        assert answer.status_code == 403
    bad = client.get("/api/v1/aps/parliamentary-table", params={"half": "2026-H3"}, headers=auth("ministry"))
    assert bad.status_code == 422 and "half" in bad.text


def test_statistics_api_and_scopes(
    history: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    answer = client.get(
        "/api/v1/aps/statistics", params={"period": "2026-H1", "breakdown": "zab"}, headers=auth("ministry")
    )
    assert answer.status_code == 200
    body = answer.json()
    returned = body["total"]["counts"]["returned"]
    assert body["scope"] == "NRW" and returned == EXPECTED_H1["returned"]
    assert {r["key"]: r["counts"]["requested"] for r in body["rows"]} == {"ZAB-E": 21, "ZAB-K": 10}
    assert body["total"]["rescue_rate"] == pytest.approx(3 / 7, abs=1e-4)
    own = client.get(
        "/api/v1/aps/statistics", params={"period": "2026-H1"}, headers=auth("zab", zab="ZAB-E")
    ).json()
    assert own["scope"] == "ZAB-E" and own["total"]["counts"]["requested"] == 21
    denied = client.get("/api/v1/aps/statistics", params={"period": "2026-H1"}, headers=auth("zrk"))
    assert denied.status_code == 403
    bad = client.get(
        "/api/v1/aps/statistics", params={"period": "2026", "breakdown": "colour"}, headers=auth("ministry")
    )
    assert bad.status_code == 422 and "breakdown" in bad.text
    assert "case_ref" not in answer.text and "H-001" not in answer.text  # aggregates only


def test_statistics_exports_carry_valid_charts(
    history: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    ministry = auth("ministry")
    params = {"period": "2026-H1", "breakdown": "nationality"}
    xlsx = client.get("/api/v1/aps/statistics/export", params={**params, "format": "xlsx"}, headers=ministry)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Statistik"]
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["Schlüssel", "Bezeichnung", "beantragt", "eingeplant (angenommen/übernommen)"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["ALB"][2] == 14 and rows["total"][2] == EXPECTED_H1["requested"]
    assert "storniert: untergetaucht" in header
    assert len(book["Diagramme"]._images) == 2  # the trend and the ZAB comparison
    csv_text = client.get(
        "/api/v1/aps/statistics/export", params={**params, "format": "csv"}, headers=ministry
    ).text
    table = list(csv.DictReader(io.StringIO(csv_text)))
    assert table[-1]["key"] == "total" and int(table[-1]["dublin_expired"]) == 2
    html = client.get("/api/v1/aps/statistics/export", params={**params, "format": "html"}, headers=ministry)
    assert html.text.count("<svg") == 2 and "XXX unbekannt" in html.text
    for chart in ("trend", "zab"):
        png = client.get(f"/api/v1/aps/charts/{chart}.png", params={"period": "2026"}, headers=ministry)
        assert png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        image.verify()
        assert image.format == "PNG" and image.size[0] > 400
        svg = client.get(f"/api/v1/aps/charts/{chart}.svg", params={"period": "2026"}, headers=ministry)
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"


IMPORT = (
    "case_ref,area,nationality,accompanied_on,returned_on\n"
    "N1,kommunal,IRQ,2026-02-02,\n"
    "N2,landeseinrichtung,GEO,2026-03-03,2026-03-04\n"
)


def test_import_is_all_or_nothing_and_updates_on_reimport(
    history: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    ministry = {**auth("ministry"), "Content-Type": "text/csv"}
    url = "/api/v1/aps/cases/import"
    broken = IMPORT + "N3,kommunal,QQQ,2026-13-01,\n"
    answer = client.post(url, params={"batch": "rrk-2026"}, content=broken.encode(), headers=ministry)
    assert answer.status_code == 422
    fields = {p["field"] for p in answer.json()["detail"]}
    assert fields == {"Zeile 4.nationality", "Zeile 4.accompanied_on"}
    with Session(history.engine) as session:
        assert session.exec(select(func.count()).where(col(ApsCase.batch) == "rrk-2026")).one() == 0
    created = client.post(url, params={"batch": "rrk-2026"}, content=IMPORT.encode(), headers=ministry)
    assert created.status_code == 201 and created.json() == {"batch": "rrk-2026", "added": 2, "updated": 0}
    again = IMPORT.replace("N1,kommunal,IRQ,2026-02-02,", "N1,kommunal,IRQ,2026-02-02,2026-02-20")
    updated = client.post(url, params={"batch": "rrk-2026"}, content=again.encode(), headers=ministry)
    assert updated.json() == {"batch": "rrk-2026", "added": 0, "updated": 2}
    table = client.get(
        "/api/v1/aps/parliamentary-table", params={"half": "2026-H1"}, headers=auth("ministry")
    )
    rows = {(r["area"], r["code"]): (r["begleitet"], r["erfolgreich_rueckgefuehrt"]) for r in table.json()}
    assert rows[("kommunal", "IRQ")] == (1, 1) and rows[("landeseinrichtung", "GEO")] == (1, 1)
    zab = {**auth("zab", zab="ZAB-E"), "Content-Type": "text/csv"}
    assert client.post(url, params={"batch": "x"}, content=IMPORT.encode(), headers=zab).status_code == 403
    bad_batch = client.post(url, params={"batch": "a b"}, content=IMPORT.encode(), headers=ministry)
    assert bad_batch.status_code == 422 and "batch" in bad_batch.text


def _accepted(runtime: Runtime, day: dt.date, rid: str = "H-900") -> str:
    cohort = Cohort("accepted", 1, day, ((RequestStatus.ACCEPTED, None),))
    with transaction(runtime.sessions) as session:
        add_request(session, cohort, rid, first=False, second=False)
    return rid


def test_the_driving_zab_reports_execution_and_outcome(
    runtime: Runtime, client: TestClient, auth: Callable[..., Headers]
) -> None:
    past = _accepted(runtime, dt.date(2026, 1, 5))
    future = _accepted(runtime, dt.date(2099, 1, 5), "H-901")
    url = "/api/v1/transport-requests/{}/complete"
    cologne = client.post(url.format(past), json={"returned": True}, headers=auth("zab", zab="ZAB-K"))
    assert cologne.status_code == 403
    early = client.post(url.format(future), json={"returned": True}, headers=auth("zab", zab="ZAB-E"))
    assert early.status_code == 422
    done = client.post(url.format(past), json={"returned": False}, headers=auth("zab", zab="ZAB-E"))
    assert done.status_code == 200 and done.json()["status"] == "completed"
    twice = client.post(url.format(past), json={"returned": True}, headers=auth("zab", zab="ZAB-E"))
    assert twice.status_code == 409
    with Session(runtime.engine) as session:
        last = session.exec(
            select(RequestStatusChange)
            .where(RequestStatusChange.request_id == past)
            .order_by(col(RequestStatusChange.id).desc())
        ).first()
        assert last is not None and last.reason_code == "not_returned"
        assert session.get(TransportRequest, past).status_reason == "not_returned"  # type: ignore[union-attr]


def test_cli_table_stats_chart_and_import(db_url: str, history: Runtime, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url}
    cases = tmp_path / "cases.csv"
    cases.write_text(IMPORT, encoding="utf-8")
    imported = runner.invoke(app, ["aps", "import", str(cases), "--batch", "cli-1"], env=env)
    assert imported.exit_code == 0 and "2 neu" in imported.output
    out = tmp_path / "tabelle.xlsx"
    made = runner.invoke(
        app, ["aps", "table", "--half", "2026-H1", "--format", "xlsx", "--out", str(out)], env=env
    )
    assert made.exit_code == 0, made.output
    municipal = [
        r[0] for r in load_workbook(out)["Kommunaler Bereich"].iter_rows(min_row=3, values_only=True)
    ]
    assert municipal == ["ALB", "IRQ", "SYR", None]
    from_file = runner.invoke(app, ["aps", "table", "--half", "2026-H1", "--cases", str(cases)], env=env)
    assert from_file.output.splitlines()[1:] == [
        "kommunal,IRQ,Irak,1,0",
        "landeseinrichtung,GEO,Georgien,1,1",
    ]
    stats = runner.invoke(app, ["aps", "stats", "--period", "2026-H1", "--breakdown", "month"], env=env)
    assert stats.exit_code == 0 and stats.output.splitlines()[1].startswith("2026-01,2026-01,10,")
    chart = tmp_path / "trend.svg"
    drawn = runner.invoke(app, ["aps", "chart", "trend", "--period", "2026", "--out", str(chart)], env=env)
    assert drawn.exit_code == 0 and ET.parse(chart).getroot().tag.endswith("svg")
    bad = runner.invoke(app, ["aps", "stats", "--period", "2026-X"], env=env)
    assert bad.exit_code == 2 and "period" in bad.output
    no_out = runner.invoke(app, ["aps", "table", "--half", "2026-H1", "--format", "xlsx"], env=env)
    assert no_out.exit_code == 2 and "--out" in no_out.output
