"""The ZFA's pages: booking flights with their legs, the transit queue and its history, documents."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.gates import ZFA
from api.web.pages.common import back_to, refusal, render, router
from api.web.session import UserDep, page_allow
from fixtures.reference import airport_timezone, is_known_airport
from ltrako.core.clock import local_label
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import FlightKind
from zfa import flights, workflow
from zfa.transit import rules_from

MAX_LEGS = 6
LEG_FIELDS = ("flight_number", "from", "to", "departure", "arrival")
BASIS_DE = {"directive_2003_110": "RL 2003/110/EG", "bilateral": "bilateral"}


def airport_local(instant: dt.datetime, airport: str) -> str:
    """`25.11. 15:40 (+02:00)`: the time at that airport."""
    zone = ZoneInfo(airport_timezone(airport)) if is_known_airport(airport) else dt.UTC
    local = instant.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%d.%m. %H:%M} ({offset[:3]}:{offset[3:]})"


@router.get("/zfa", dependencies=[page_allow(*ZFA)], response_class=HTMLResponse)
def zfa_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = workflow.queue(session, user)
            done = workflow.history(session, user)
    except LtrakoError as exc:
        return refusal(request, user, exc)

    def view(t: Any) -> dict[str, Any]:
        return {
            "row": t,
            "arrival": airport_local(t.arrival, t.airport),
            "departure": airport_local(t.departure, t.airport),
            "due": airport_local(t.request_due, t.airport),
            "basis": BASIS_DE.get(t.basis, t.basis),
            "decided": local_label(t.decided_at, runtime.zone, "%d.%m.%Y %H:%M") if t.decided_at else "",
        }

    return render(
        request,
        "zfa.html",
        user,
        rows=[view(t) for t in rows],
        history=[view(t) for t in done],
        labels=workflow.STATUS_LABELS_DE,
    )


@router.post("/zfa/transits/{transit_id}/{action}", dependencies=[page_allow(*ZFA)])
def zfa_action(transit_id: int, action: str, user: UserDep, runtime: RuntimeDep) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            if action == "submit":
                workflow.submit(session, user, transit_id=transit_id)
            elif action in ("approve", "reject"):
                workflow.decide(session, user, transit_id=transit_id, approved=action == "approve")
            elif action == "withdraw":
                workflow.withdraw(session, user, transit_id=transit_id)
            else:
                return back_to("/web/zfa", "Unbekannte Aktion.", "error")
    except LtrakoError as exc:
        return back_to("/web/zfa", exc.message, "error")
    return back_to("/web/zfa", f"Durchbeförderung {transit_id}: gespeichert.")


@router.get("/zfa/transits/{transit_id}/document", dependencies=[page_allow(*ZFA)])
def zfa_document(transit_id: int, user: UserDep, runtime: RuntimeDep) -> Response:
    """The request for the federal police airport office as a JSON download (the PDF: antrag.pdf)."""
    try:
        with transaction(runtime.sessions) as session:
            document = workflow.document(session, user, transit_id=transit_id)
    except LtrakoError as exc:
        return back_to("/web/zfa", exc.message, "error")
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="durchbefoerderung-{transit_id}.json"'},
    )


# ------------------------------------------------------------------------------- flights


@router.get("/zfa/fluege", dependencies=[page_allow(*ZFA)], response_class=HTMLResponse)
def flights_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _flights(
        request, user, runtime, values={"kind": "scheduled", "escorted": "on"}, legs=[{}, {}], errors={}
    )


def _flights(
    request: Request,
    user: Principal,
    runtime: Runtime,
    *,
    values: dict[str, str],
    legs: list[dict[str, str]],
    errors: dict[str, str],
) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            booked = [
                {
                    "flight": f,
                    "legs": [
                        {
                            "leg": g,
                            "departure": airport_local(g.departure, g.origin_iata),
                            "arrival": airport_local(g.arrival, g.destination_iata),
                        }
                        for g in legs_
                    ],
                }
                for f, legs_ in flights.booked(session, user)
            ]
    except LtrakoError as exc:
        return refusal(request, user, exc)
    response = render(
        request,
        "zfa_fluege.html",
        user,
        values=values,
        legs=legs,
        errors=errors,
        booked=booked,
        max_legs=MAX_LEGS,
        kinds={"scheduled": "Linienflug", "charter": "Charter"},
    )
    if errors:
        response.status_code = 422
    return response


@router.post("/zfa/fluege", dependencies=[page_allow(*ZFA)])
async def book_flight(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    count = str(form.get("legs_count", "1"))
    total = max(1, min(int(count) if count.isdigit() else 1, MAX_LEGS))
    legs = [{k: str(form.get(f"{k}_{i}", "")).strip() for k in LEG_FIELDS} for i in range(total)]
    values = {
        "kind": str(form.get("kind", "scheduled")),
        "booking_ref": str(form.get("booking_ref", "")).strip(),
        "escorted": "on" if form.get("escorted") else "",
    }
    action = str(form.get("action", "book"))
    if action == "add":
        if len(legs) < MAX_LEGS:
            legs.append({})
        return _flights(request, user, runtime, values=values, legs=legs, errors={})
    if action == "remove" and len(legs) > 1:
        legs.pop()
        return _flights(request, user, runtime, values=values, legs=legs, errors={})
    errors: dict[str, str] = {}
    if values["kind"] not in ("scheduled", "charter"):
        errors["kind"] = "Linienflug oder Charter wählen."
    if len(values["booking_ref"]) > 40:
        errors["booking_ref"] = "Höchstens 40 Zeichen."
    for i, leg in enumerate(legs):
        if not 2 <= len(leg["flight_number"]) <= 12:
            errors[f"flight_number_{i}"] = "Flugnummer mit 2–12 Zeichen (z. B. A3 711)."
    if not errors:
        try:
            with transaction(runtime.sessions) as session:
                flight, found = flights.book(
                    session,
                    user,
                    kind=FlightKind(values["kind"]),
                    legs=[{**leg, "flight_number": leg["flight_number"].upper()} for leg in legs],
                    booked_at=runtime.clock.now(),
                    escorted=bool(values["escorted"]),
                    booking_ref=values["booking_ref"] or None,
                    rules=rules_from(runtime.settings.transit_refusing_states),
                )
                flight_id = flight.id
                stops = ", ".join(t.airport for t in found)
        except InvalidInput as exc:
            for problem in exc.problems:
                errors[_leg_field(problem.field)] = problem.message
        except LtrakoError as exc:
            return back_to("/web/zfa/fluege", exc.message, "error")
        else:
            transit = f" Durchbeförderung nötig über {stops}." if stops else " Keine Durchbeförderung nötig."
            return back_to("/web/zfa/fluege", f"Flug {flight_id} gebucht.{transit}")
    return _flights(request, user, runtime, values=values, legs=legs, errors=errors)


def _leg_field(api_field: str) -> str:
    """`legs[1].departure` → `departure_1` (the form's field)."""
    if api_field.startswith("legs[") and "]" in api_field:
        index, _, rest = api_field[5:].partition("]")
        name = rest.lstrip(".") or "flight_number"
        return f"{name}_{index}"
    return "form"
