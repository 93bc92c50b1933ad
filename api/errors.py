"""Domain errors and validation failures as HTTP answers, in German, naming the field."""

from __future__ import annotations

import http
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.gates import audit_refusal
from api.schemas.common import DB_INT_MAX
from ltrako.core.clock import FIRST_DAY, LAST_DAY
from ltrako.core.db import transaction
from ltrako.core.errors import (
    Busy,
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    LtrakoError,
    NotFound,
    PlanInvalid,
)
from ltrako.core.runtime import Runtime
from ltrako.core.security import TokenError

log = logging.getLogger(__name__)

STATUS = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 422,
    Busy: 429,
    PlanInvalid: 500,
}

MESSAGES_DE = {
    "missing": "Pflichtfeld fehlt.",
    "extra_forbidden": "Unbekanntes Feld.",
    "int_parsing": "Ganze Zahl erwartet.",
    "int_type": "Ganze Zahl erwartet.",
    "int_from_float": "Ganze Zahl erwartet.",
    "float_parsing": "Zahl erwartet.",
    "float_type": "Zahl erwartet.",
    "bool_parsing": "true oder false erwartet.",
    "bool_type": "true oder false erwartet.",
    "string_type": "Text erwartet.",
    "list_type": "Liste erwartet.",
    "model_attributes_type": "Objekt erwartet.",
    "dict_type": "Objekt erwartet.",
    "json_invalid": "Ungültiges JSON.",
    "date_from_datetime_parsing": "Datum im Format JJJJ-MM-TT erwartet.",
    "date_parsing": "Datum im Format JJJJ-MM-TT erwartet.",
    "date_type": "Datum im Format JJJJ-MM-TT erwartet.",
    "date_range": f"Datum zwischen {FIRST_DAY} und {LAST_DAY} erwartet.",
    "datetime_parsing": "Zeitpunkt nach ISO 8601 erwartet, z. B. 2026-11-24T06:30:00+01:00.",
    "datetime_from_date_parsing": "Zeitpunkt nach ISO 8601 erwartet, z. B. 2026-11-24T06:30:00+01:00.",
    "datetime_type": "Zeitpunkt nach ISO 8601 erwartet.",
    "timezone_aware": "Zeitpunkt mit UTC-Versatz angeben, z. B. +01:00.",
    "string_pattern_mismatch": "Format ungültig.",
    "string_nul": "Nullzeichen (\\x00) sind nicht erlaubt.",
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
    if kind in ("enum", "literal_error"):  # pydantic lists them as "'a', 'b' or 'c'"
        expected = str(ctx.get("expected", "")).replace(" or ", " oder ")
        return f"Zulässige Werte: {expected}."
    return "Ungültiger Wert."


def _field(loc: tuple[Any, ...] | list[Any], kind: str = "") -> str:
    if kind == "json_invalid":  # its loc carries the character position, not a field
        return "body"
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
                "field": _field(e["loc"], e.get("type", "")),
                "loc": list(e["loc"]),
                "msg": _message(e),
                "type": e.get("type", "invalid"),
            }
            for e in exc.errors()
        ]
    )


def _problem(p: FieldProblem) -> dict[str, Any]:
    parts: list[str | int] = [int(x) if x.isdigit() else x for x in p.field.split(".")]
    if parts[0] == "header":  # a request header (e.g. header.Idempotency-Key), not the body
        return {"field": str(parts[1]), "loc": parts, "msg": p.message, "type": p.code}
    return {"field": p.field, "loc": ["body", *parts], "msg": p.message, "type": p.code}


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LtrakoError)
    if isinstance(exc, Forbidden):
        await run_in_threadpool(record_refusal, request, exc)
    if isinstance(exc, InvalidInput):
        return _unprocessable([_problem(p) for p in exc.problems])
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Busy) else None
    return JSONResponse(status_code=status, content={"detail": exc.message}, headers=headers)


def record_refusal(request: Request, exc: Forbidden) -> None:
    """A refusal a service decided (the gates record their own) goes into the audit trail."""
    principal = getattr(request.state, "principal", None)
    if exc.audited or principal is None:
        return
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        audit_refusal(session, principal, request)
    exc.audited = True


async def on_token_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=401, content={"detail": str(exc)}, headers={"WWW-Authenticate": "Bearer"})


async def on_database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """The database went away (restart, failover): nothing was stored, the client may retry."""
    log.warning("Datenbank nicht erreichbar: %s", type(exc).__name__)
    return JSONResponse(
        status_code=503,
        content={
            "detail": "Datenbank vorübergehend nicht erreichbar. Der Vorgang wurde nicht gespeichert; "
            "bitte erneut senden (Aufträge mit demselben Idempotency-Key)."
        },
        headers={"Retry-After": "2"},
    )


# What Starlette and FastAPI answer on their own (unknown path, wrong method, unreadable body)
# comes with the English reason phrase as `detail`; users get German.
HTTP_MESSAGES_DE = {
    400: "Ungültige Anfrage.",
    401: "Anmeldung erforderlich (Bearer-Token).",
    403: "Keine Berechtigung für diesen Vorgang.",
    404: "Kein Endpunkt unter diesem Pfad.",
    405: "Diese Methode ist für diesen Pfad nicht zulässig.",
    406: "Das verlangte Antwortformat wird nicht angeboten.",
    413: "Anfrage zu groß.",
    415: "Dieser Medientyp wird nicht angenommen.",
    429: "Zu viele Anfragen. Bitte später erneut senden.",
}
ENGLISH_DETAILS = {s.phrase for s in http.HTTPStatus} | {"Not authenticated"}
BODY_UNREADABLE = "There was an error parsing the body"


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Framework refusals in German; an unreadable body (not UTF-8, …) is a 422 at `body`."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == BODY_UNREADABLE:
        return _unprocessable(
            [
                {
                    "field": "body",
                    "loc": ["body"],
                    "msg": "Inhalt nicht lesbar (JSON in UTF-8 erwartet).",
                    "type": "body_unreadable",
                }
            ]
        )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route on the path (RFC 9110: all of them).
        headers["Allow"] = ", ".join(_allowed_methods(request)) or headers.get("Allow", "")
    detail = exc.detail
    if detail in ENGLISH_DETAILS:
        detail = HTTP_MESSAGES_DE.get(exc.status_code, f"Anfrage abgelehnt (HTTP {exc.status_code}).")
    return await http_exception_handler(request, HTTPException(exc.status_code, detail, headers=headers))


def _allowed_methods(request: Request) -> list[str]:
    routes = request.app.router.routes
    return [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


INTEGER = re.compile(r"^[+-]?[0-9]+$")


def _unstorable_parameters(request: Request) -> list[dict[str, Any]]:
    """Path and query parameters the database cannot take: integers beyond its range, NUL bytes."""
    items = [("path", k, str(v)) for k, v in request.path_params.items()]
    items += [("query", k, v) for k, v in request.query_params.multi_items()]
    problems = []
    for where, name, value in items:
        if "\x00" in value:
            msg, kind = "Nullzeichen (\\x00) sind nicht erlaubt.", "string_nul"
        elif INTEGER.match(value) and (len(value) > 11 or not -DB_INT_MAX - 1 <= int(value) <= DB_INT_MAX):
            msg, kind = f"Wert außerhalb des zulässigen Bereichs (höchstens {DB_INT_MAX}).", "int_range"
        else:
            continue
        problems.append({"field": name, "loc": [where, name], "msg": msg, "type": kind})
    return problems


async def on_data_error(request: Request, exc: Exception) -> Response:
    """The database refused a value (int out of range, NUL byte): 422 at the parameter that carried it.

    Body fields are bounded in api.schemas; path and query parameters are declared in the
    routes, and a value the routes let through must still not end in a 500.
    """
    problems = _unstorable_parameters(request)
    if not problems:
        return await on_unexpected(request, exc)
    return _unprocessable(problems)


async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The type only: messages of foreign exceptions may carry data we must not log.
    log.error("unerwarteter Fehler: %s", type(exc).__name__)
    return JSONResponse(
        status_code=500, content={"detail": "Interner Fehler. Der Vorgang wurde nicht gespeichert."}
    )


async def on_integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    """A unique key or reference another request got first (a race): nothing was stored."""
    log.warning("Schlüsselkonflikt: %s", type(exc).__name__)
    return JSONResponse(
        status_code=409,
        content={
            "detail": "Gleichzeitige Änderung desselben Datensatzes: der Vorgang wurde nicht gespeichert; "
            "bitte den aktuellen Stand laden und erneut senden."
        },
    )


class ContainErrors:
    """The last line: an exception no handler took becomes a German 500 here, logged by type.

    Starlette's error middleware would answer too, but then re-raise, and the server would
    log the traceback with the exception's message (SQL parameters, case references)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            response = await on_unexpected(Request(scope), exc)
            if not started:  # else the client already has a status line: the connection just ends
                await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(LtrakoError, on_domain_error)
    app.add_exception_handler(TokenError, on_token_error)
    app.add_exception_handler(OperationalError, on_database_unavailable)
    app.add_exception_handler(InterfaceError, on_database_unavailable)
    app.add_exception_handler(PoolTimeout, on_database_unavailable)  # every connection busy
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(DataError, on_data_error)
    app.add_exception_handler(OverflowError, on_data_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(ContainErrors)
