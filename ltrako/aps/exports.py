"""Exports of the APS figures: CSV (streamed), XLSX (openpyxl) and a printable HTML page.

The parliamentary table: one block per area with rows `Code Name | begleitet | erfolgreich
rückgeführt` and a sum, as the ministry publishes it. The statistics: one row per breakdown key
with every metric, the cancellations by reason and the charts as images.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from ltrako.aps import charts, statistics
from ltrako.aps.statistics import BREAKDOWNS, METRICS, Statistics, StatRow, cancel_reason_label
from ltrako.aps.tables import (
    AREA_LABELS,
    AREAS,
    COLUMNS,
    PUBLISHED,
    PUBLISHED_ANLAGE,
    PUBLISHED_LABELS,
    TableRow,
    half_year,
    totals,
)
from ltrako.core.cells import cells
from ltrako.core.clock import clock_of, local_label
from ltrako.core.security import Principal

ExportFormat = Literal["csv", "xlsx", "html"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)
TABLE_HEAD = ("Nationalität", "durch RRK begleitet", "erfolgreich rückgeführt")
PAGE_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #666; padding: 0.2em 0.6em; }
th { background: #dde4ee; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.sum td { font-weight: bold; border-top: 2px solid #111; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.meta { color: #333; font-size: 0.9em; }
@media print { body { margin: 0; } h2 { page-break-before: auto; } table { page-break-inside: auto; }
  tr { page-break-inside: avoid; } figure { page-break-inside: avoid; } }
"""

# ---------------------------------------------------------------------------- parliamentary table

# The ministry and the Landtag read German time: the stamp of an export is in it.
READER_ZONE = ZoneInfo("Europe/Berlin")


def table_xlsx(rows: list[TableRow], half: str) -> bytes:
    """One sheet per area, header, rows by code, and a sum row."""
    book = Workbook()
    book.remove(book.active)
    sums = totals(rows)
    for area in AREAS:
        sheet = book.create_sheet(AREA_LABELS[area])
        sheet.append(cells([f"{AREA_LABELS[area]} – {half_label(half)}"]))
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(["Code", "Name", TABLE_HEAD[1], TABLE_HEAD[2]])
        _style_header(sheet, 2)
        for r in rows:
            if r.area == area:
                sheet.append(cells([r.code, r.name, r.begleitet, r.erfolgreich_rueckgefuehrt]))
        sheet.append(["", "Summe", *sums[area]])
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD
        _widths(sheet, (8, 36, 20, 24))
        sheet.freeze_panes = "A3"
    return _save(book)


def table_html(rows: list[TableRow], half: str, created: dt.datetime) -> Iterator[str]:
    """A printable page: one table per area with its sum."""
    sums = totals(rows)
    yield _page_head(f"Rückführungen nach Nationalität – {half_label(half)}", created)
    for area in AREAS:
        yield f"<h2>{html.escape(AREA_LABELS[area])}</h2>\n<table>\n"
        yield "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in TABLE_HEAD) + "</tr></thead>\n"
        yield "<tbody>\n"
        for r in rows:
            if r.area == area:
                yield (
                    f"<tr><td>{r.code} {html.escape(r.name)}</td>"
                    f'<td class="n">{r.begleitet}</td><td class="n">{r.erfolgreich_rueckgefuehrt}</td></tr>\n'
                )
        accompanied, returned = sums[area]
        yield (
            f'<tr class="sum"><td>Summe</td><td class="n">{accompanied}</td>'
            f'<td class="n">{returned}</td></tr>\n'
        )
        yield "</tbody></table>\n"
    yield "</body></html>\n"


def half_label(half: str) -> str:
    year, part = half.split("-H")
    return f"{'1.' if part == '1' else '2.'} Halbjahr {year}"


def table_export(rows: list[TableRow], half: str, fmt: ExportFormat, created: dt.datetime) -> Iterator[bytes]:
    if fmt == "csv":
        return (line.encode() for line in table_csv(rows))
    if fmt == "xlsx":
        return iter([table_xlsx(rows, half)])
    return (part.encode() for part in table_html(rows, half, created))


# ---------------------------------------------------------------------------- statistics


def statistics_export(
    session: Session,
    principal: Principal,
    *,
    period: str,
    breakdown: str,
    fmt: ExportFormat,
) -> Iterator[bytes]:
    """The statistics of `period` by `breakdown` as of today by the session's clock; XLSX and
    HTML carry the trend and ZAB charts."""
    clock = clock_of(session)
    wanted = (breakdown,) if fmt == "csv" else (breakdown, "month", "zab")  # CSV carries no charts
    stats, *charted = statistics.compute_many(
        session, principal, period=period, breakdowns=wanted, as_of=clock.today()
    )
    if fmt == "csv":
        return (line.encode() for line in statistics_csv(stats))
    trend, by_zab = charted
    image: charts.ImageFormat = "png" if fmt == "xlsx" else "svg"
    drawn = {
        "Monatlicher Verlauf": charts.trend_chart(trend, image),
        "Vergleich der ZAB": charts.comparison_chart(by_zab, image),
    }
    if fmt == "xlsx":
        return iter([statistics_xlsx(stats, drawn)])
    return (part.encode() for part in statistics_html(stats, drawn, clock.now()))


def statistics_columns(stats: Statistics) -> list[str]:
    reasons = sorted({code for r in stats.rows for code in r.cancelled_by_reason})
    return ["key", "label", *METRICS, "rescue_rate", *(f"cancelled_{code}" for code in reasons)]


def _values(row: StatRow, columns: list[str]) -> list[object]:
    out: list[object] = [row.key, row.label]
    for column in columns[2:]:
        if column == "rescue_rate":
            out.append("" if row.rescue_rate is None else row.rescue_rate)
        elif column.startswith("cancelled_"):
            out.append(row.cancelled_by_reason[column.removeprefix("cancelled_")])
        else:
            out.append(row.counts[column])
    return out


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Rows as CSV lines, one at a time (streamed downloads)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in rows:
        writer.writerow(cells(values))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def table_csv(rows: Iterable[TableRow]) -> Iterator[str]:
    """The parliamentary table as CSV lines (header first)."""
    values = ((r.area, r.code, r.name, r.begleitet, r.erfolgreich_rueckgefuehrt) for r in rows)
    return csv_lines(chain([COLUMNS], values))


def statistics_csv(stats: Statistics) -> Iterator[str]:
    """Header with machine names, one line per key, the total last (key `total`)."""
    columns = statistics_columns(stats)
    return csv_lines(chain([columns], (_values(r, columns) for r in [*stats.rows, stats.total])))


def _german_header(columns: list[str]) -> list[str]:
    names = {"key": "Schlüssel", "label": "Bezeichnung", "rescue_rate": "Vermittlungsquote", **METRICS}
    return [
        names.get(c) or f"storniert: {cancel_reason_label(c.removeprefix('cancelled_'))}" for c in columns
    ]


def statistics_xlsx(stats: Statistics, charts: dict[str, bytes]) -> bytes:
    """Sheet "Statistik" (rows and total) and sheet "Diagramme" with the PNG charts."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Statistik"
    columns = statistics_columns(stats)
    sheet.append([_title(stats)])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(_german_header(columns))
    _style_header(sheet, 2)
    for row in stats.rows:
        sheet.append(cells(_values(row, columns)))
    sheet.append(cells(_values(stats.total, columns)))
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    rate = columns.index("rescue_rate") + 1
    for (cell,) in sheet.iter_rows(min_row=3, min_col=rate, max_col=rate):
        cell.number_format = "0.0%"
    _widths(sheet, (14, 34, *([14] * (len(columns) - 2))))
    sheet.freeze_panes = "C3"
    if charts:
        pictures = book.create_sheet("Diagramme")
        anchor_row = 1
        for name, png in charts.items():
            pictures.cell(anchor_row, 1, name).font = BOLD
            image = Image(io.BytesIO(png))
            pictures.add_image(image, f"A{anchor_row + 1}")
            anchor_row += 26
    return _save(book)


def statistics_html(stats: Statistics, charts_svg: dict[str, bytes], created: dt.datetime) -> Iterator[str]:
    columns = statistics_columns(stats)
    yield _page_head(_title(stats), created)
    for name, svg in charts_svg.items():
        yield f"<figure><figcaption>{html.escape(name)}</figcaption>\n{_inline_svg(svg)}</figure>\n"
    yield "<table>\n<thead><tr>"
    yield "".join(f'<th scope="col">{html.escape(h)}</th>' for h in _german_header(columns))
    yield "</tr></thead>\n<tbody>\n"
    for row in [*stats.rows, stats.total]:
        values = _values(row, columns)
        css = ' class="sum"' if row is stats.total else ""
        cells = [f"<td>{html.escape(str(values[0]))}</td>", f"<td>{html.escape(str(values[1]))}</td>"]
        cells += [f'<td class="n">{_number(v)}</td>' for v in values[2:]]
        yield f"<tr{css}>{''.join(cells)}</tr>\n"
    yield "</tbody></table>\n</body></html>\n"


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value * 100:.1f} %".replace(".", ",")
    return str(value)


def _inline_svg(svg: bytes) -> str:
    text = svg.decode()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype inside HTML


def _title(stats: Statistics) -> str:
    return f"APS-Statistik {stats.period.label} ({stats.scope}) nach {BREAKDOWNS[stats.breakdown]}"


# ---------------------------------------------------------------------------- shared


def _page_head(title: str, created: dt.datetime) -> str:
    stamp = local_label(created, READER_ZONE, "%d.%m.%Y %H:%M")
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>\n"
        f'<body><h1>{html.escape(title)}</h1>\n<p class="meta">Erstellt mit ltrako am {stamp}.</p>\n'
    )


def _style_header(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet: Worksheet, widths: Iterable[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------- tables as published

PUBLISHED_HEAD = ("Nationalität", "durch RRK begleitet", "erfolgreich rückgeführt")
EXCEL_CSV_HEAD = (
    "Anlage",
    "Bereich",
    "Code",
    "Nationalität",
    "durch RRK begleitet",
    "erfolgreich rückgeführt",
)
BOM = "\ufeff"  # Excel reads a semicolon CSV as UTF-8 only with it


def published_half_label(half: str) -> str:
    """As the ministry heads its tables: `1. JH 2022 (01.01.2022 - 30.06.2022)`."""
    first, last = half_year(half)
    return f"{half[-1]}. JH {first.year} ({first:%d.%m.%Y} - {last:%d.%m.%Y})"


def published_csv(tables: dict[str, list[TableRow]]) -> Iterator[str]:
    """All three tables in one semicolon CSV with German headers, UTF-8 with BOM (Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield BOM
    for values in chain(
        [EXCEL_CSV_HEAD],
        (
            (
                PUBLISHED_ANLAGE[t],
                PUBLISHED_LABELS[t],
                r.code,
                r.name,
                r.begleitet,
                r.erfolgreich_rueckgefuehrt,
            )
            for t in PUBLISHED
            for r in tables[t]
        ),
    ):
        writer.writerow(cells(values))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def published_xlsx(tables: dict[str, list[TableRow]], half: str) -> bytes:
    """One sheet per Anlage as the ministry lays it out: `Code Name | begleitet | rückgeführt`."""
    book = Workbook()
    book.remove(book.active)
    for table in PUBLISHED:
        sheet = book.create_sheet(f"{PUBLISHED_ANLAGE[table]} {PUBLISHED_LABELS[table]}"[:31])
        sheet.append(cells([f"{PUBLISHED_LABELS[table]} – {published_half_label(half)}"]))
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(list(PUBLISHED_HEAD))
        _style_header(sheet, 2)
        for r in tables[table]:
            sheet.append(cells([f"{r.code} {r.name}", r.begleitet, r.erfolgreich_rueckgefuehrt]))
        _widths(sheet, (40, 20, 24))
        sheet.freeze_panes = "A3"
    return _save(book)


def published_html(tables: dict[str, list[TableRow]], half: str, created: dt.datetime) -> Iterator[str]:
    yield _page_head(f"Fälle der RRK nach Nationalität – {published_half_label(half)}", created)
    for table in PUBLISHED:
        yield f"<h2>{PUBLISHED_ANLAGE[table]}: {html.escape(PUBLISHED_LABELS[table])}</h2>\n<table>\n"
        yield "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in PUBLISHED_HEAD) + "</tr></thead>\n"
        yield "<tbody>\n"
        for r in tables[table]:
            yield (
                f"<tr><td>{r.code} {html.escape(r.name)}</td>"
                f'<td class="n">{r.begleitet}</td><td class="n">{r.erfolgreich_rueckgefuehrt}</td></tr>\n'
            )
        yield "</tbody></table>\n"
    yield "</body></html>\n"


def published_export(
    tables: dict[str, list[TableRow]], half: str, fmt: ExportFormat, created: dt.datetime
) -> Iterator[bytes]:
    if fmt == "csv":
        return (part.encode("utf-8") for part in published_csv(tables))
    if fmt == "xlsx":
        return iter([published_xlsx(tables, half)])
    return (part.encode() for part in published_html(tables, half, created))
