"""Domain errors and validation failures as HTTP answers, in German, naming the field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ltrako.errors import Conflict, FieldProblem, Forbidden, InvalidInput, LtrakoError, NotFound
from ltrako.security import TokenError

log = logging.getLogger(__name__)

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}

MESSAGES_DE = {
    "missing": "Pflichtfeld fehlt.",
    "extra_forbidden": "Unbekanntes Feld.",
    "int_parsing": "Ganze Zahl erwartet.",
    "int_type": "Ganze Zahl erwartet.",
    "int_from_float": "Ganze Zahl erwartet.",
    "float_parsing": "Zahl erwartet.",
    "bool_parsing": "true oder false erwartet.",
    "bool_type": "true oder false erwartet.",
    "string_type": "Text erwartet.",
    "list_type": "Liste erwartet.",
    "model_attributes_type": "Objekt erwartet.",
    "dict_type": "Objekt erwartet.",
    "json_invalid": "Ungültiges JSON.",
    "date_from_datetime_parsing": "Datum im Format JJJJ-MM-TT erwartet.",
    "date_parsing": "Datum im Format JJJJ-MM-TT erwartet.",
    "datetime_parsing": "Zeitpunkt nach ISO 8601 erwartet, z. B. 2026-11-24T06:30:00+01:00.",
    "datetime_from_date_parsing": "Zeitpunkt nach ISO 8601 erwartet, z. B. 2026-11-24T06:30:00+01:00.",
    "datetime_type": "Zeitpunkt nach ISO 8601 erwartet.",
    "timezone_aware": "Zeitpunkt mit UTC-Versatz angeben, z. B. +01:00.",
    "string_pattern_mismatch": "Format ungültig.",
}


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in MESSAGES_DE:
        return MESSAGES_DE[kind]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        return {
            "greater_than_equal": f"Wert muss mindestens {bound} sein.",
            "greater_than": f"Wert muss größer als {bound} sein.",
            "less_than_equal": f"Wert darf höchstens {bound} sein.",
            "less_than": f"Wert muss kleiner als {bound} sein.",
        }[kind]
    if kind in ("too_short", "string_too_short"):
        return f"Zu kurz (mindestens {ctx.get('min_length')})."
    if kind in ("too_long", "string_too_long"):
        return f"Zu lang (höchstens {ctx.get('max_length')})."
    if kind in ("enum", "literal_error"):
        return f"Zulässige Werte: {ctx.get('expected')}."
    return "Ungültiger Wert."


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def _unprocessable(items: list[dict[str, Any]]) -> JSONResponse:
    fields = ", ".join(dict.fromkeys(item["field"] for item in items))
    return JSONResponse(status_code=422, content={"message": f"Eingabe ungültig: {fields}", "detail": items})


async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return _unprocessable(
        [
            {
                "field": _field(e["loc"]),
                "loc": list(e["loc"]),
                "msg": _message(e),
                "type": e.get("type", "invalid"),
            }
            for e in exc.errors()
        ]
    )


def _problem(p: FieldProblem) -> dict[str, Any]:
    loc: list[str | int] = ["body", *(int(x) if x.isdigit() else x for x in p.field.split("."))]
    return {"field": p.field, "loc": loc, "msg": p.message, "type": p.code}


async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LtrakoError)
    if isinstance(exc, InvalidInput):
        return _unprocessable([_problem(p) for p in exc.problems])
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return JSONResponse(status_code=status, content={"detail": exc.message})


async def on_token_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=401, content={"detail": str(exc)}, headers={"WWW-Authenticate": "Bearer"})


async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The type only: messages of foreign exceptions may carry data we must not log.
    log.error("unerwarteter Fehler: %s", type(exc).__name__)
    return JSONResponse(
        status_code=500, content={"detail": "Interner Fehler. Der Vorgang wurde nicht gespeichert."}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(LtrakoError, on_domain_error)
    app.add_exception_handler(TokenError, on_token_error)
    app.add_exception_handler(Exception, on_unexpected)
