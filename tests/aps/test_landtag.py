"""The tables as the ministry publishes them: Landtag NRW Drs. 18/97, Anlagen 1–3 (seed 002)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ltrako.aps.exports import published_csv
from ltrako.aps.tables import Case, published_tables, read_cases

PUBLISHED = Path(__file__).parent / "landtag_2022_h1.csv"  # the figures of seed 002, row by row


def _expected() -> list[dict[str, str]]:
    with open(PUBLISHED, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cases() -> list[Case]:
    """Cases that give exactly the published counts of 2022-H1 (returned cases may have been
    accompanied before the half-year: the two columns count independently)."""
    cases = []
    for row in _expected():
        accompanied, returned = int(row["begleitet"]), int(row["erfolgreich_rueckgefuehrt"])
        for i in range(max(accompanied, returned)):
            cases.append(
                Case(
                    f"{row['table']}-{row['code']}-{i}",
                    "kommunal" if row["table"] == "amit" else row["table"],
                    row["code"],
                    dt.date(2022, 3, 1) if i < accompanied else dt.date(2021, 12, 15),
                    dt.date(2022, 4, 1) if i < returned else None,
                    amit=row["table"] == "amit",
                )
            )
    return cases


def test_the_three_tables_reproduce_the_published_ones_row_for_row() -> None:
    tables = published_tables(_cases(), "2022-H1")
    got = [
        {
            "table": t,
            "code": r.code,
            "name": r.name,
            "begleitet": str(r.begleitet),
            "erfolgreich_rueckgefuehrt": str(r.erfolgreich_rueckgefuehrt),
        }
        for t in ("kommunal", "landeseinrichtung", "amit")
        for r in tables[t]
    ]
    assert got == _expected()
    kommunal = {r.code: r for r in tables["kommunal"]}
    assert kommunal["IRN"].name == "Iran" and kommunal["XXX"].name == "ungeklärt"
    assert (kommunal["KGZ"].begleitet, kommunal["KGZ"].erfolgreich_rueckgefuehrt) == (0, 0)  # listed 0/0


def test_every_listed_row_stays_in_an_empty_half_year_and_new_nationalities_join_in_code_order() -> None:
    extra = [
        Case("N-1", "kommunal", "FRA", dt.date(2022, 8, 1), None),
        Case("N-2", "kommunal", "XKX", None, None),
    ]
    tables = published_tables(extra, "2022-H2")
    codes = [r.code for r in tables["kommunal"]]
    assert len(codes) == 80 and codes.index("FRA") == codes.index("ETH") + 1  # after ETH, before GEO
    assert codes[-2:] == ["XKX", "XXX"]
    assert next(r for r in tables["kommunal"] if r.code == "FRA").name == "Frankreich"
    assert sum(r.begleitet for t in tables.values() for r in t) == 1
    assert len(tables["landeseinrichtung"]) == 48 and len(tables["amit"]) == 48


def test_excel_csv_has_semicolons_german_headers_and_a_bom() -> None:
    text = "".join(published_csv(published_tables(_cases(), "2022-H1")))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "Anlage",
        "Bereich",
        "Code",
        "Nationalität",
        "durch RRK begleitet",
        "erfolgreich rückgeführt",
    ]
    assert ["Anlage 1", "kommunaler Bereich", "SRB", "Serbien", "279", "3"] in rows
    assert ["Anlage 3", "aMIT", "DZA", "Algerien", "163", "12"] in rows
    assert len(rows) == 1 + 79 + 48 + 48


def test_the_amit_flag_comes_from_the_case_import() -> None:
    lines = (
        "case_ref,area,nationality,accompanied_on,returned_on,amit\n"
        "A1,kommunal,DZA,2022-02-01,,ja\nA2,kommunal,DZA,2022-02-01,,\n"
    )
    cases = read_cases(io.StringIO(lines))
    assert [c.amit for c in cases] == [True, False]
    tables = published_tables(cases, "2022-H1")
    assert next(r for r in tables["amit"] if r.code == "DZA").begleitet == 1
    assert next(r for r in tables["kommunal"] if r.code == "DZA").begleitet == 1


def test_api_and_page_download_the_tables(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    body = (
        "case_ref,area,nationality,accompanied_on,returned_on,amit\n"
        "A1,landeseinrichtung,IRN,2022-02-01,2022-03-01,\nA2,kommunal,MKD,2022-02-01,,1\n"
    )
    imported = client.post(
        "/api/v1/aps/cases/import",
        params={"batch": "rrk-2022"},
        content=body.encode(),
        headers={**auth("ministry"), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    answer = client.get("/api/v1/aps/landtag-tables", params={"half": "2022-H1"}, headers=auth("ministry"))
    assert answer.status_code == 200
    tables = {t["table"]: t for t in answer.json()}
    assert tables["landeseinrichtung"]["anlage"] == "Anlage 2"
    iran = next(r for r in tables["landeseinrichtung"]["rows"] if r["code"] == "IRN")
    assert (iran["name"], iran["begleitet"], iran["erfolgreich_rueckgefuehrt"]) == ("Iran", 1, 1)
    assert next(r for r in tables["amit"]["rows"] if r["code"] == "MKD")["begleitet"] == 1
    xlsx = client.get(
        "/api/v1/aps/landtag-tables", params={"half": "2022-H1", "format": "xlsx"}, headers=auth("ministry")
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Anlage 1 kommunaler Bereich", "Anlage 2 Landeseinrichtung", "Anlage 3 aMIT"]
    assert (
        book["Anlage 2 Landeseinrichtung"]["A1"].value
        == "Landeseinrichtung – 1. JH 2022 (01.01.2022 - 30.06.2022)"
    )
    assert (
        client.get(
            "/api/v1/aps/landtag-tables", params={"half": "2022-H1"}, headers=auth("zab", zab="ZAB-E")
        ).status_code
        == 403
    )
    token = auth("ministry")["Authorization"].removeprefix("Bearer ")
    client.cookies.set("ltrako_session", token)
    page = client.get("/web/statistik/landtag", params={"half": "2022-H1"})
    assert page.status_code == 200 and "IRN Iran" in page.text and "Anlage 3" in page.text
    csv_download = client.get("/web/statistik/landtag/export", params={"half": "2022-H1", "format": "csv"})
    assert csv_download.content.startswith("\ufeff".encode()) and b"Anlage;Bereich" in csv_download.content
    bad = client.get("/web/statistik/landtag", params={"half": "2022-H3"})
    assert bad.status_code == 422 and "Halbjahr" in bad.text
