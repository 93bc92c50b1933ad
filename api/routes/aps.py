"""APS: statistics, the parliamentary table, charts and exports; historical case import."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import MINISTRY, STATISTICS, allow
from api.schemas.aps import ImportRead, ParliamentaryRowRead, PublishedTableRead, StatisticsRead
from api.schemas.common import ErrorRead, ValidationErrorRead
from ltrako.aps import charts, exports, statistics, tables
from ltrako.aps import tables as tables_service
from ltrako.core.clock import clock_of
from ltrako.core.errors import FieldProblem, InvalidInput

router = APIRouter(prefix="/aps", tags=["APS-Statistik"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}
PERIOD = Query(..., description="Zeitraum: JJJJ, JJJJ-H1/H2, JJJJ-Q1…Q4 oder JJJJ-MM.", examples=["2026-H1"])
BREAKDOWN = Query("total", description=f"Aufschlüsselung: {', '.join(statistics.BREAKDOWNS)}.")
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _today(runtime: RuntimeDep) -> dt.date:
    return runtime.clock.today()


def download(parts: Iterator[bytes], fmt: str, name: str) -> StreamingResponse:
    """An export as a file download (the API and the pages)."""
    return StreamingResponse(
        parts,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/statistics", dependencies=[allow(*STATISTICS)], response_model=StatisticsRead, responses=ERRORS)
def get_statistics(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    period: str = PERIOD,
    breakdown: str = BREAKDOWN,
) -> StatisticsRead:
    """Counts of the period per breakdown key (ministry: NRW; ZAB: its own). Aggregates only."""
    stats = statistics.compute(session, principal, period=period, breakdown=breakdown, as_of=_today(runtime))
    return StatisticsRead.of(stats)


@router.get(
    "/statistics/export",
    dependencies=[allow(*STATISTICS)],
    response_class=StreamingResponse,
    responses=ERRORS,
)
def export_statistics(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    period: str = PERIOD,
    breakdown: str = BREAKDOWN,
    format: Literal["csv", "xlsx", "html"] = "csv",
) -> StreamingResponse:
    """CSV, XLSX (with the charts as images) or a printable HTML page (with SVG charts)."""
    parts = exports.statistics_export(session, principal, period=period, breakdown=breakdown, fmt=format)
    return download(parts, format, f"aps-statistik-{period}-{breakdown}")


@router.get(
    "/charts/{chart}.{image}",
    dependencies=[allow(*STATISTICS)],
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
def chart(
    chart: Literal["trend", "zab"],
    image: Literal["png", "svg"],
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    period: str = PERIOD,
) -> Response:
    """The monthly trend (`trend`) or the comparison of the ZABs (`zab`) as PNG or SVG."""
    breakdown = "month" if chart == "trend" else "zab"
    stats = statistics.compute(session, principal, period=period, breakdown=breakdown, as_of=_today(runtime))
    draw = charts.trend_chart if chart == "trend" else charts.comparison_chart
    return Response(draw(stats, image), media_type=charts.MEDIA_TYPES[image])


@router.get(
    "/parliamentary-table",
    dependencies=[allow(*MINISTRY)],
    response_model=list[ParliamentaryRowRead],
    responses=ERRORS,
)
def parliamentary_table(
    session: SessionDep,
    principal: PrincipalDep,
    half: str = Query(..., description="Halbjahr JJJJ-H1 oder JJJJ-H2.", examples=["2026-H1"]),
    format: Literal["json", "csv", "xlsx", "html"] = "json",
) -> Any:
    """Per area and nationality: begleitet / erfolgreich rückgeführt (imported cases and ltrako's own)."""
    rows = tables.table_from_store(session, principal, half)
    if format == "json":
        return [ParliamentaryRowRead.model_validate(r, from_attributes=True) for r in rows]
    return download(
        exports.table_export(rows, half, format, clock_of(session).now()), format, f"landtag-tabelle-{half}"
    )


@router.get(
    "/landtag-tables",
    dependencies=[allow(*MINISTRY)],
    response_model=list[PublishedTableRead],
    responses=ERRORS,
)
def landtag_tables(
    session: SessionDep,
    principal: PrincipalDep,
    half: str = Query(..., description="Halbjahr JJJJ-H1 oder JJJJ-H2.", examples=["2022-H1"]),
    format: Literal["json", "csv", "xlsx", "html"] = "json",
) -> Any:
    """The three tables as the ministry publishes them (Anlage 1 kommunaler Bereich, Anlage 2
    Landeseinrichtung, Anlage 3 aMIT): every listed nationality, 0/0 rows included. CSV:
    semicolons, German headers, UTF-8 with BOM (Excel)."""
    tables = tables_service.published_from_store(session, principal, half)
    if format == "json":
        return [PublishedTableRead.of(table, rows) for table, rows in tables.items()]
    return download(
        exports.published_export(tables, half, format, clock_of(session).now()),
        format,
        f"landtag-anlagen-{half}",
    )


@router.post(
    "/cases/import",
    dependencies=[allow(*MINISTRY)],
    response_model=ImportRead,
    status_code=201,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "Spalten case_ref,area,nationality,accompanied_on,returned_on (UTF-8).",
        }
    },
)
async def import_cases(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    batch: str = Query(..., description="Name des Imports; ein erneuter Import aktualisiert ihn."),
) -> ImportRead:
    """Import historical cases (ministry, admin); a bad file stores nothing and names line and column."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInput([FieldProblem("body", "Datei größer als 20 MB.")])
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([FieldProblem("body", "Datei ist nicht UTF-8-kodiert.")]) from exc
    cases = tables.read_cases(io.StringIO(text, newline=""))
    result = tables.import_cases(session, principal, cases=cases, batch=batch)
    return ImportRead(batch=result.batch, added=result.added, updated=result.updated)
