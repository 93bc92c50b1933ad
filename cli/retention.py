"""`ltrako retention …`: pseudonymise closed cases; export a case's audit trail for the DPO."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from ltrako.core.config import Settings
from ltrako.core.db import transaction, upgrade
from ltrako.core.errors import LtrakoError
from ltrako.core.runtime import Runtime, open_runtime
from ltrako.core.security import Principal, Role
from ltrako.privacy.audit_export import case_audit_trail, trail_csv
from ltrako.privacy.retention import RETENTION, pseudonymise_closed

retention_app = typer.Typer(
    help="Datenschutz: abgeschlossene Fälle pseudonymisieren, Zugriffsprotokoll eines Falls.",
    no_args_is_help=True,
)
LABELS = {
    "requests": "Aufträge (Freitexte, Gesundheitsangaben)",
    "status_texts": "Freitexte der Statuswechsel",
    "medical_receptions": "med. Inempfangnahmen (Angaben, Kontakt)",
    "persons": "Personen pseudonymisiert",
    "flights": "Flüge (Buchungsreferenz)",
    "transit_reasons": "Begründungen von Durchbeförderungen",
    "aps_cases": "importierte APS-Fälle pseudonymisiert",
}


def _runtime() -> Runtime:
    runtime = open_runtime(Settings())
    upgrade(runtime.engine)
    return runtime


@retention_app.command("run")
def run(
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Aufbewahrungsfrist in Tagen (Standard: LTRAKO_RETENTION_DAYS)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Nur zählen, nichts speichern.")] = False,
) -> None:
    """Pseudonymise the personal data of cases closed longer than the retention period ago."""
    runtime = _runtime()
    days = days or runtime.settings.retention_days
    today = runtime.clock.today()
    session = runtime.sessions()
    try:
        report = pseudonymise_closed(session, today=today, retention_days=days, actor=RETENTION)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    cutoff = today - dt.timedelta(days=days)
    typer.echo(f"Aufbewahrungsfrist {days} Tage: abgeschlossene Fälle mit Leistungstag vor {cutoff:%d.%m.%Y}")
    for name, label in LABELS.items():
        typer.echo(f"  {label}: {getattr(report, name)}")
    typer.echo("Probelauf: nichts gespeichert." if dry_run else "gespeichert.")


@retention_app.command("audit-export")
def audit_export(
    request_id: Annotated[str, typer.Argument(help="Transportauftrag, z. B. TR-261125-1A2B3C.")],
    out: Annotated[Path | None, typer.Option("--out", help="CSV-Datei (Standard: Standardausgabe).")] = None,
    actor: Annotated[str, typer.Option("--actor", help="Ihre Kennung (für das Protokoll).")] = "betrieb-cli",
) -> None:
    """Every audit event concerning one transport request, as CSV (the export itself is audited)."""
    runtime = _runtime()
    try:
        with transaction(runtime.sessions) as session:
            entries = case_audit_trail(
                session, Principal(actor, Role.ADMIN), request_id=request_id, fmt="csv"
            )
    except LtrakoError as exc:
        typer.echo(f"Fehler: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    text = trail_csv(entries)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"{len(entries)} Einträge geschrieben: {out}", err=True)
