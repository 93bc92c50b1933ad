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
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import pycountry
from sqlalchemy import and_, or_
from sqlalchemy import select as wide_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from fixtures.reference import landtag_rows
from ltrako.core import audit, policy
from ltrako.core.clock import FIRST_DAY, LAST_DAY, OUT_OF_RANGE, in_service_range
from ltrako.core.errors import FieldProblem, InvalidInput
from ltrako.core.security import Principal
from ltrako.models import (
    ApsCase,
    AuditAction,
    Person,
    RequestOrigin,
    RequestStatus,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests.lifecycle import RETURNED
from ltrako.requests.submission import EXTRA_NATIONALITIES, is_known_nationality

AREAS = ("kommunal", "landeseinrichtung")
HALF = re.compile(r"^(\d{4})-H([12])$")
BATCH = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
COLUMNS = ("area", "code", "name", "begleitet", "erfolgreich_rueckgefuehrt")


@dataclass(frozen=True, slots=True)
class Case:
    case_ref: str
    area: str
    nationality: str
    accompanied_on: dt.date | None
    returned_on: dt.date | None
    amit: bool = False  # Fokusprojekt aMIT: counted in Anlage 3 (published_tables)


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
    if not in_service_range(dt.date(max(year, 1), 1, 1)):
        raise InvalidInput(
            [FieldProblem("half", f"Jahr zwischen {FIRST_DAY.year} und {LAST_DAY.year}.", "year")]
        )
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


CASE_COLUMNS = ("case_ref", "area", "nationality", "accompanied_on", "returned_on")
OPTIONAL_COLUMNS = ("amit",)  # 1/ja/true for a case of the Fokusprojekt aMIT; empty or 0/nein else
MAX_REF_CHARS = 40  # the stored column
YES, NO = ("1", "ja", "true", "x"), ("", "0", "nein", "false")


def read_cases(lines: Iterable[str]) -> list[Case]:
    """Cases from CSV (case_ref, area, nationality, accompanied_on, returned_on[, amit]); errors
    name the row."""
    reader = csv.DictReader(lines)
    missing = [c for c in CASE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput([FieldProblem(c, "Spalte fehlt.", "missing") for c in missing])
    unknown = [c for c in reader.fieldnames or [] if c not in (*CASE_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        raise InvalidInput([FieldProblem(c[:40], "Unbekannte Spalte.", "unknown_column") for c in unknown])
    cases, problems = [], []
    for line, row in enumerate(reader, start=2):
        if None in row or any(v is None or "\x00" in v for v in row.values()):
            problems.append(FieldProblem(f"Zeile {line}", "Zeile unvollständig oder mit Nullzeichen.", "row"))
            continue
        ref = row["case_ref"].strip()
        if not 1 <= len(ref) <= MAX_REF_CHARS or not ref.isprintable():
            problems.append(
                FieldProblem(f"Zeile {line}.case_ref", f"Aktenzeichen mit 1–{MAX_REF_CHARS} Zeichen.", "ref")
            )
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
                day = dt.date.fromisoformat(text) if text else None
            except ValueError:
                problems.append(FieldProblem(f"Zeile {line}.{column}", "Datum als JJJJ-MM-TT.", "date"))
                day = None
            if day is not None and not in_service_range(day):
                problems.append(FieldProblem(f"Zeile {line}.{column}", OUT_OF_RANGE, "date_range"))
            dates.append(day)
        if dates[0] and dates[1] and dates[1] < dates[0]:
            problems.append(
                FieldProblem(f"Zeile {line}.returned_on", "Rückführung vor der Begleitung.", "order")
            )
        flag = (row.get("amit") or "").strip().lower()
        if flag not in (*YES, *NO):
            problems.append(FieldProblem(f"Zeile {line}.amit", "1/ja oder leer/0/nein.", "flag"))
        cases.append(Case(row["case_ref"].strip(), area, code, dates[0], dates[1], flag in YES))
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


# ---------------------------------------------------------------------------- stored cases


AREA_OF_ORIGIN = {RequestOrigin.MUNICIPAL: "kommunal", RequestOrigin.STATE_FACILITY: "landeseinrichtung"}
AREA_LABELS = {"kommunal": "Kommunaler Bereich", "landeseinrichtung": "Landeseinrichtungen"}
# Transports that are removals or transfers themselves (not a court date or a consulate visit).
REMOVAL_PURPOSES = (TransportPurpose.FLIGHT, TransportPurpose.DUBLIN_HANDOVER)


def import_cases(
    session: Session, principal: Principal, *, cases: Sequence[Case], batch: str
) -> ImportResult:
    """Store a historical case list under `batch`: new refs are added, known refs updated.

    One unit of work with the caller's session: a bad file (read_cases raises first) stores nothing.
    """
    policy.require_role(
        principal,
        policy.MINISTRY,
        "Fallimporte für die APS nehmen Ministerium und Betrieb vor.",
    )
    if not BATCH.match(batch):
        raise InvalidInput([FieldProblem("batch", "Name aus Buchstaben, Ziffern, - und _ (1–60).")])
    counts = Counter(c.case_ref for c in cases)
    duplicates = sorted(r for r, n in counts.items() if n > 1)
    if duplicates or "" in counts:
        listed = ", ".join(duplicates[:5]) or "(leer)"
        raise InvalidInput([FieldProblem("case_ref", f"Fallnummer leer oder doppelt: {listed}.")])
    known = {row.case_ref: row for row in session.exec(select(ApsCase).where(ApsCase.batch == batch)).all()}
    added = updated = 0
    for case in cases:
        row = known.get(case.case_ref)
        if row is None:
            row = ApsCase(
                batch=batch,
                case_ref=case.case_ref,
                area=case.area,
                nationality=case.nationality,
                imported_by=principal.subject,
            )
            added += 1
        else:
            updated += 1
        row.area, row.nationality = case.area, case.nationality
        row.accompanied_on, row.returned_on = case.accompanied_on, case.returned_on
        row.amit = case.amit
        session.add(row)
    audit.record(
        session,
        principal,
        action=AuditAction.CREATE,
        entity="aps_case_batch",
        entity_id=batch,
        context=f"import {added} neu, {updated} aktualisiert",
    )
    return ImportResult(batch, added, updated)


@dataclass(frozen=True, slots=True)
class ImportResult:
    batch: str
    added: int
    updated: int


def stored_cases(session: Session, first: dt.date, last: dt.date) -> Iterator[Case]:
    """Imported historical cases and ltrako's own executed removals touching [first, last].

    ltrako's cases: each person of a completed flight or Dublin hand-over transport is begleitet
    on the service date, and rückgeführt on it when the outcome was `returned`.
    """
    touching = or_(
        and_(col(ApsCase.accompanied_on) >= first, col(ApsCase.accompanied_on) <= last),
        and_(col(ApsCase.returned_on) >= first, col(ApsCase.returned_on) <= last),
    )
    for row in session.exec(select(ApsCase).where(touching).execution_options(yield_per=1000)):
        yield Case(row.case_ref, row.area, row.nationality, row.accompanied_on, row.returned_on, row.amit)
    query = (
        wide_select(
            col(TransportRequest.id),
            col(TransportRequest.origin),
            col(TransportRequest.service_date),
            col(TransportRequest.status_reason),
            col(TransportRequest.amit),
            col(Person.id),
            col(Person.nationality),
        )
        .join(TransportRequestPerson, col(TransportRequestPerson.request_id) == col(TransportRequest.id))
        .join(Person, col(Person.id) == col(TransportRequestPerson.person_id))
        .where(
            col(TransportRequest.status) == RequestStatus.COMPLETED,
            col(TransportRequest.purpose).in_(REMOVAL_PURPOSES),
            col(TransportRequest.service_date) >= first,
            col(TransportRequest.service_date) <= last,
        )
        .execution_options(yield_per=1000)
    )
    for request_id, origin, day, reason, amit, person_id, nationality in session.execute(query):
        returned = day if reason == RETURNED else None
        area = AREA_OF_ORIGIN[RequestOrigin(origin)]
        yield Case(f"{request_id}/{person_id}", area, nationality, day, returned, bool(amit))


def table_from_store(session: Session, principal: Principal, half: str) -> list[TableRow]:
    """The parliamentary table of a half-year from what is stored (ministry and admin)."""
    policy.require_role(
        principal,
        policy.MINISTRY,
        "Die Tabellen für Landtagsanfragen erstellt das Ministerium.",
    )
    first, last = half_year(half)
    return parliamentary_table(stored_cases(session, first, last), half)


def totals(rows: Iterable[TableRow]) -> dict[str, tuple[int, int]]:
    """Per area: (begleitet, erfolgreich rückgeführt)."""
    out = dict.fromkeys(AREAS, (0, 0))
    for r in rows:
        accompanied, returned = out[r.area]
        out[r.area] = (accompanied + r.begleitet, returned + r.erfolgreich_rueckgefuehrt)
    return out


# ------------------------------------------------------------------- tables as published

# The ministry's tables (Landtag NRW Drs. 18/97, Anlagen 1–3): both areas and the aMIT cases.
PUBLISHED = ("kommunal", "landeseinrichtung", "amit")
PUBLISHED_LABELS = {
    "kommunal": "kommunaler Bereich",
    "landeseinrichtung": "Landeseinrichtung",
    "amit": "aMIT",
}
PUBLISHED_ANLAGE = {"kommunal": "Anlage 1", "landeseinrichtung": "Anlage 2", "amit": "Anlage 3"}
UNCLEAR = "XXX"


def published_name(code: str) -> str:
    """The country as the ministry writes it ("Iran", "ungeklärt"); else pycountry's German
    short name (its common name where it has one: "Iran", not "Iran, Islamische Republik")."""
    for rows in landtag_rows().values():
        for listed, name in rows:
            if listed == code:
                return name
    if code == UNCLEAR:
        return "ungeklärt"
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return country_name(code)
    return _german().gettext(getattr(country, "common_name", None) or country.name)


def _order(listed: Sequence[str], extra: Iterable[str]) -> list[str]:
    """The listed codes in their order; others by code before the trailing X codes (XKX, XXX)."""
    trailing = [c for c in listed if c.startswith("X")]
    head = [c for c in listed if not c.startswith("X")]
    for code in sorted(set(extra) - set(listed)):
        if code.startswith("X"):
            trailing.append(code)
            continue
        position = next((i for i, c in enumerate(head) if c > code), len(head))
        head.insert(position, code)
    return head + trailing


def published_tables(cases: Iterable[Case], half: str) -> dict[str, list[TableRow]]:
    """The three tables of the half-year: every row the ministry lists (0/0 included) and every
    nationality with a count, in the ministry's order and with its names.

    An aMIT case counts in Anlage 3 only: the focus project keeps its own cases (in the
    published figures of 2022-H1 it has 73 from MKD where both areas together have 5)."""
    first, last = half_year(half)
    accompanied: Counter[tuple[str, str]] = Counter()
    returned: Counter[tuple[str, str]] = Counter()
    for case in cases:
        table = "amit" if case.amit else case.area
        if case.accompanied_on is not None and first <= case.accompanied_on <= last:
            accompanied[(table, case.nationality)] += 1
        if case.returned_on is not None and first <= case.returned_on <= last:
            returned[(table, case.nationality)] += 1
    listed = landtag_rows()
    out: dict[str, list[TableRow]] = {}
    for table in PUBLISHED:
        codes = [c for c, _ in listed.get(table, ())]
        counted = {code for (t, code) in set(accompanied) | set(returned) if t == table}
        out[table] = [
            TableRow(table, code, published_name(code), accompanied[(table, code)], returned[(table, code)])
            for code in _order(codes, counted)
        ]
    return out


def published_from_store(session: Session, principal: Principal, half: str) -> dict[str, list[TableRow]]:
    """The published tables of a half-year from what is stored (ministry and admin)."""
    policy.require_role(
        principal,
        policy.MINISTRY,
        "Die Tabellen für Landtagsanfragen erstellt das Ministerium.",
    )
    first, last = half_year(half)
    return published_tables(stored_cases(session, first, last), half)
