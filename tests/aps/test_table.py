"""The parliamentary table from a case list: rows per area and nationality, half-year boundaries."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ltrako.aps.tables import country_name, half_year, parliamentary_table, read_cases
from ltrako.core.errors import InvalidInput

CASES = """case_ref,area,nationality,accompanied_on,returned_on
A1,kommunal,ALB,2022-01-01,2022-01-02
A2,kommunal,ALB,2022-06-30,
A3,kommunal,ALB,2021-12-31,2022-01-10
A4,kommunal,SYR,2022-07-01,2022-07-01
A5,landeseinrichtung,XXX,2022-03-03,2022-03-04
A6,landeseinrichtung,MKD,2022-05-05,
A7,kommunal,XKX,2022-02-02,2022-02-02
"""


def test_rows_per_area_and_nationality_sorted_with_half_year_boundaries() -> None:
    rows = parliamentary_table(read_cases(io.StringIO(CASES)), "2022-H1")
    got = [(r.area, r.code, r.name, r.begleitet, r.erfolgreich_rueckgefuehrt) for r in rows]
    assert got == [
        ("kommunal", "ALB", "Albanien", 2, 2),  # A1, A2 accompanied (30.6. counts); A1, A3 returned
        ("kommunal", "XKX", "Kosovo", 1, 1),
        ("landeseinrichtung", "MKD", "Nordmazedonien", 1, 0),
        ("landeseinrichtung", "XXX", "unbekannt", 1, 1),
    ]
    second = parliamentary_table(read_cases(io.StringIO(CASES)), "2022-H2")
    assert [(r.code, r.begleitet, r.erfolgreich_rueckgefuehrt) for r in second] == [("SYR", 1, 1)]


def test_half_years_and_names() -> None:
    assert half_year("2022-H2")[0].isoformat() == "2022-07-01"
    assert country_name("DEU") == "Deutschland"
    with pytest.raises(InvalidInput):
        half_year("2022-H3")


def test_bad_rows_name_line_and_column() -> None:
    bad = "case_ref,area,nationality,accompanied_on,returned_on\nB1,bund,QQQ,2022-13-01,\n"
    with pytest.raises(InvalidInput) as caught:
        read_cases(io.StringIO(bad))
    assert {p.field for p in caught.value.problems} == {
        "Zeile 2.area",
        "Zeile 2.nationality",
        "Zeile 2.accompanied_on",
    }


def test_cli_prints_the_csv(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(CASES, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["aps", "table", "--cases", str(path), "--half", "2022-H1", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["area", "code", "name", "begleitet", "erfolgreich_rueckgefuehrt"]
    assert rows[0] == {
        "area": "kommunal",
        "code": "ALB",
        "name": "Albanien",
        "begleitet": "2",
        "erfolgreich_rueckgefuehrt": "2",
    }
    assert CliRunner().invoke(app, ["aps", "table", "--cases", str(path), "--half", "2022"]).exit_code == 2
