"""APS (Abschiebungs-/Ausreiseplanungsstatistik): the parliamentary table per half-year.

One table per area (kommunaler Bereich, Landeseinrichtung), one row per nationality
`code, name | begleitet | erfolgreich rückgeführt`, sorted by code, as the ministry publishes
them. A case counts as begleitet when it was accompanied in the half-year and as rückgeführt
when it was returned in it (the two dates are counted independently). Country names are the
German names of ISO 3166-1 from `pycountry`'s translations; `XXX` is "unbekannt", `XKX` Kosovo.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import pycountry

from ltrako.errors import FieldProblem, InvalidInput
from ltrako.requests import EXTRA_NATIONALITIES, is_known_nationality

AREAS = ("kommunal", "landeseinrichtung")
HALF = re.compile(r"^(\d{4})-H([12])$")
COLUMNS = ("area", "code", "name", "begleitet", "erfolgreich_rueckgefuehrt")


@dataclass(frozen=True, slots=True)
class Case:
    case_ref: str
    area: str
    nationality: str
    accompanied_on: dt.date | None
    returned_on: dt.date | None


@dataclass(frozen=True, slots=True)
class TableRow:
    area: str
    code: str
    name: str
    begleitet: int
    erfolgreich_rueckgefuehrt: int


def half_year(text: str) -> tuple[dt.date, dt.date]:
    """`2022-H1` → 1.1.–30.6.2022, `2022-H2` → 1.7.–31.12.2022."""
    match = HALF.match(text)
    if match is None:
        raise InvalidInput([FieldProblem("half", "Halbjahr als JJJJ-H1 oder JJJJ-H2 angeben.", "half")])
    year, half = int(match[1]), int(match[2])
    return (
        (dt.date(year, 1, 1), dt.date(year, 6, 30))
        if half == 1
        else (dt.date(year, 7, 1), dt.date(year, 12, 31))
    )


@cache
def _german() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)


def country_name(code: str) -> str:
    if code in EXTRA_NATIONALITIES:
        return EXTRA_NATIONALITIES[code]
    country = pycountry.countries.get(alpha_3=code)
    return _german().gettext(country.name) if country is not None else code


def read_cases(lines: Iterable[str]) -> list[Case]:
    """Cases from CSV (case_ref, area, nationality, accompanied_on, returned_on); errors name the row."""
    reader = csv.DictReader(lines)
    missing = [
        c
        for c in ("case_ref", "area", "nationality", "accompanied_on", "returned_on")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise InvalidInput([FieldProblem(c, "Spalte fehlt.", "missing") for c in missing])
    cases, problems = [], []
    for line, row in enumerate(reader, start=2):
        area, code = row["area"].strip().lower(), row["nationality"].strip().upper()
        if area not in AREAS:
            problems.append(FieldProblem(f"Zeile {line}.area", "kommunal oder landeseinrichtung.", "area"))
        if not is_known_nationality(code):
            problems.append(
                FieldProblem(f"Zeile {line}.nationality", f"Unbekannter Code {code!r} (ISO alpha-3).", "code")
            )
        dates = []
        for column in ("accompanied_on", "returned_on"):
            text = row[column].strip()
            try:
                dates.append(dt.date.fromisoformat(text) if text else None)
            except ValueError:
                problems.append(FieldProblem(f"Zeile {line}.{column}", "Datum als JJJJ-MM-TT.", "date"))
                dates.append(None)
        cases.append(Case(row["case_ref"].strip(), area, code, dates[0], dates[1]))
    if problems:
        raise InvalidInput(problems)
    return cases


def parliamentary_table(cases: Iterable[Case], half: str) -> list[TableRow]:
    """Rows per area and nationality with at least one count in the half-year, sorted by area and code."""
    first, last = half_year(half)
    accompanied: Counter[tuple[str, str]] = Counter()
    returned: Counter[tuple[str, str]] = Counter()
    for case in cases:
        if case.accompanied_on is not None and first <= case.accompanied_on <= last:
            accompanied[(case.area, case.nationality)] += 1
        if case.returned_on is not None and first <= case.returned_on <= last:
            returned[(case.area, case.nationality)] += 1
    keys = sorted(set(accompanied) | set(returned), key=lambda k: (AREAS.index(k[0]), k[1]))
    return [
        TableRow(area, code, country_name(code), accompanied[(area, code)], returned[(area, code)])
        for area, code in keys
    ]


def table_csv(rows: Iterable[TableRow]) -> Iterator[str]:
    """The table as CSV lines (header first), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in [
        COLUMNS,
        *((r.area, r.code, r.name, r.begleitet, r.erfolgreich_rueckgefuehrt) for r in rows),
    ]:
        writer.writerow(values)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
