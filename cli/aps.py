"""`ltrako aps …`: statistics, the parliamentary table, charts and the historical case import."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import typer

from ltrako.core.config import Settings
from ltrako.core.db import transaction, upgrade
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime, open_runtime
from ltrako.core.security import SYSTEM
from planner.params import SolveParams

aps_app = typer.Typer(help="APS: Planungsstatistik und Tabellen für Landtagsanfragen.", no_args_is_help=True)
FORMATS = ("csv", "xlsx", "html")


def _runtime() -> Runtime:
    runtime = open_runtime(Settings())
    upgrade(runtime.engine)
    return runtime


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"Fehler: {message}", err=True)
    raise typer.Exit(code)


def _format(value: str, allowed: Iterable[str] = FORMATS) -> str:
    if value not in allowed:
        _fail(f"--format: eines von {', '.join(allowed)}.")
    return value


def _write(parts: Iterable[bytes], out: Path | None, fmt: str) -> None:
    """To the file, or to standard output for the text formats."""
    if out is None:
        if fmt == "xlsx":
            _fail("--out: XLSX wird in eine Datei geschrieben (z. B. --out tabelle.xlsx).")
        for part in parts:
            sys.stdout.write(part.decode())
        return
    with open(out, "wb") as handle:
        for part in parts:
            handle.write(part)
    typer.echo(f"geschrieben: {out}", err=True)


@aps_app.command("table")
def table(
    half: str = typer.Option(..., "--half", help="Halbjahr, z. B. 2022-H1."),
    cases: Path | None = typer.Option(
        None, "--cases", exists=True, dir_okay=False, help="Fallliste (CSV); ohne: aus der Datenbank."
    ),
    format_: str = typer.Option("csv", "--format", help="csv, xlsx oder html (druckbar)."),
    out: Path | None = typer.Option(None, "--out", help="Ausgabedatei (Standard: Standardausgabe)."),
) -> None:
    """The parliamentary table of a half-year, from a case list or from the stored data."""
    from ltrako.aps.exports import table_export
    from ltrako.aps.tables import parliamentary_table, read_cases, table_from_store

    fmt = _format(format_)
    runtime = _runtime()
    try:
        if cases is not None:
            with open(cases, encoding="utf-8-sig", newline="") as handle:
                rows = parliamentary_table(read_cases(handle), half)
        else:
            with transaction(runtime.sessions) as session:
                rows = table_from_store(session, SYSTEM, half)
    except InvalidInput as exc:
        _fail(exc.message)
        return
    _write(table_export(rows, half, fmt, runtime.clock.now()), out, fmt)  # type: ignore[arg-type]


@aps_app.command("stats")
def stats(
    period: str = typer.Option(..., "--period", help="JJJJ, JJJJ-H1/H2, JJJJ-Q1…Q4 oder JJJJ-MM."),
    breakdown: str = typer.Option("total", "--breakdown", help="total, month, zab, regierungsbezirk, …"),
    format_: str = typer.Option("csv", "--format", help="csv, xlsx (mit Diagrammen) oder html."),
    out: Path | None = typer.Option(None, "--out", help="Ausgabedatei (Standard: Standardausgabe)."),
) -> None:
    """Planning statistics of a period from the stored data."""
    from ltrako.aps.exports import statistics_export

    fmt = _format(format_)
    try:
        with transaction(_runtime().sessions) as session:
            parts = list(
                statistics_export(session, SYSTEM, period=period, breakdown=breakdown, fmt=fmt)  # type: ignore[arg-type]
            )
    except InvalidInput as exc:
        _fail(exc.message)
        return
    _write(parts, out, fmt)


@aps_app.command("chart")
def chart(
    kind: str = typer.Argument(..., help="trend (monatlicher Verlauf) oder zab (Vergleich der ZAB)."),
    period: str = typer.Option(..., "--period", help="Zeitraum, z. B. 2026 oder 2026-H1."),
    out: Path = typer.Option(..., "--out", help="Bilddatei, .png oder .svg."),
) -> None:
    """A chart of the statistics as PNG or SVG."""
    from ltrako.aps import charts, statistics

    _format(kind, ("trend", "zab"))
    image: Literal["png", "svg"] = "svg" if out.suffix.lower() == ".svg" else "png"
    if out.suffix.lower() not in (".png", ".svg"):
        _fail("--out: Dateiendung .png oder .svg.")
    breakdown = "month" if kind == "trend" else "zab"
    try:
        runtime = _runtime()
        with transaction(runtime.sessions) as session:
            figures = statistics.compute(
                session, SYSTEM, period=period, breakdown=breakdown, as_of=runtime.clock.today()
            )
    except InvalidInput as exc:
        _fail(exc.message)
        return
    draw = charts.trend_chart if kind == "trend" else charts.comparison_chart
    out.write_bytes(draw(figures, image))
    typer.echo(f"geschrieben: {out}", err=True)


@aps_app.command("import")
def import_cases(
    cases: Path = typer.Argument(..., exists=True, dir_okay=False, help="Fallliste (CSV)."),
    batch: str = typer.Option(..., "--batch", help="Name des Imports; erneuter Import aktualisiert ihn."),
) -> None:
    """Import historical cases for the parliamentary tables (all or nothing)."""
    from ltrako.aps.tables import import_cases as store
    from ltrako.aps.tables import read_cases

    try:
        with open(cases, encoding="utf-8-sig", newline="") as handle:
            rows = read_cases(handle)
        with transaction(_runtime().sessions) as session:
            result = store(session, SYSTEM, cases=rows, batch=batch)
    except LtrakoError as exc:
        _fail(exc.message)
        return
    typer.echo(f"Import {result.batch}: {result.added} neu, {result.updated} aktualisiert.")


charter_app = typer.Typer(help="Sammelcharter: anlegen, Auswahl und Zubringer planen.", no_args_is_help=True)
aps_app.add_typer(charter_app, name="charter")


@charter_app.command("create")
def charter_create(
    airport: str = typer.Option(..., "--airport", help="IATA-Code, z. B. DUS."),
    destination: str = typer.Option(..., "--destination", help="Zielstaat ISO alpha-3, z. B. ALB."),
    seats: int = typer.Option(..., "--seats", help="Plätze für Rückzuführende."),
    escort_seats: int = typer.Option(..., "--escort-seats", help="Plätze für Begleitkräfte (PBL)."),
    check_in: str = typer.Option(..., "--check-in", help="Check-in, z. B. 2026-12-02T11:00+01:00."),
) -> None:
    """Record a charter; prints its id."""
    import datetime as dt

    from ltrako.planning.charter import create_charter

    try:
        instant = dt.datetime.fromisoformat(check_in)
    except ValueError:
        _fail("--check-in: ISO-Zeit mit Versatz angeben.")
        return
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            charter = create_charter(
                session,
                SYSTEM,
                airport_iata=airport,
                destination_country=destination,
                seats=seats,
                escort_seats=escort_seats,
                check_in=instant,
                timezone=runtime.settings.timezone,
            )
            charter_id = charter.id
    except LtrakoError as exc:
        _fail(exc.message)
        return
    typer.echo(f"Charter {charter_id} angelegt.")


@charter_app.command("plan")
def charter_plan(
    charter_id: int = typer.Argument(..., help="Nummer des Charters."),
    time_limit: float = typer.Option(20.0, "--time-limit", min=1.0, help="Rechenzeit je Runde (s)."),
    out: Path | None = typer.Option(None, "--out", help="Bericht als JSON-Datei."),
) -> None:
    """Choose the passengers and plan the feeders; prints who flies and why others do not."""
    import json

    from ltrako.planning.charter import plan_charter

    try:
        charter = plan_charter(
            _runtime(), SYSTEM, charter_id=charter_id, params=SolveParams(time_limit_s=time_limit)
        )
    except LtrakoError as exc:
        _fail(exc.message)
        return
    report = charter.plan or {}
    typer.echo(
        f"Charter {charter_id} {report['airport']} → {report['destination_country']}, "
        f"{report['flight_date']}: "
        f"{report['seats_used']}/{report['seats']} Plätze, {report['escort_seats_used']}/"
        f"{report['escort_seats']} Begleitplätze, {len(report['chosen'])} Fälle gewählt."
    )
    for row in report["chosen"]:
        typer.echo(
            f"  Fall {row['case_id']} ({row['persons']} P., Prio {row['priority']}): {row['carrier_zab_id']} "
            f"{row['vehicle']}, Abholung {row['pickup_at'][11:16]}, Ankunft {row['arrival_at'][11:16]}"
        )
    for row in report["not_chosen"]:
        typer.echo(f"  nicht gewählt: Fall {row['case_id']} – {row['reason_label']}")
    if report["feeder_violations"]:
        typer.echo(f"Regelverstöße der Zubringer: {len(report['feeder_violations'])}", err=True)
        raise typer.Exit(1)
    if out is not None:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
