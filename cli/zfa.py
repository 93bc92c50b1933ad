"""`ltrako zfa …`: checks for support and scripting (registered by the composition root, cli.main)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from ltrako.core.errors import InvalidInput
from zfa.itinerary import read_itinerary
from zfa.transit import check_document

zfa_app = typer.Typer(help="ZFA: Durchbeförderung (Richtlinie 2003/110/EG) prüfen.", no_args_is_help=True)


@zfa_app.command("check")
def check(
    itinerary_file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="ITINERARY.json"),
) -> None:
    """Print as JSON which stops abroad need a transit request, by when, and what is late or too long."""
    try:
        data = json.loads(itinerary_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("Objekt mit legs, escorted, booked_at erwartet.")
        booked = data.get("booked_at")
        booked_at = dt.datetime.fromisoformat(booked) if booked else None
        if booked_at is not None and booked_at.tzinfo is None:
            raise ValueError("booked_at: Zeitpunkt mit Zeitzone angeben (z. B. +01:00).")
        itinerary = read_itinerary(data.get("legs"))
    except InvalidInput as exc:
        typer.echo(
            json.dumps(
                {"errors": [{"field": p.field, "message": p.message} for p in exc.problems]},
                ensure_ascii=False,
            ),
            err=True,
        )
        raise typer.Exit(2) from exc
    except ValueError as exc:
        typer.echo(json.dumps({"errors": [{"field": "", "message": str(exc)}]}, ensure_ascii=False), err=True)
        raise typer.Exit(2) from exc
    document = check_document(itinerary, booked_at, bool(data.get("escorted", True)))
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
