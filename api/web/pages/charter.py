"""Sammelcharter pages: create one, choose it from the list, plan it (seats and feeders), its report.

Planning queues the same job as `POST /charters/{id}/plan` (kind charter_plan); the page
follows its progress and then shows the stored report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.web.pages.common import back_to, follow_job, page_solve, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core import policy
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.planning import charter as service
from ltrako.planning import charter_booking
from ltrako.planning.charter_list import list_charters
from ltrako.planning.names import read_names
from ltrako.workers import jobs

FIELDS = ("airport", "destination_country", "seats", "escort_seats", "check_in")
AIRPORTS = ("DUS", "CGN", "DTM", "FMO", "PAD", "NRN", "LEJ", "FRA")
STATUS_DE = {"draft": "angelegt", "planned": "geplant", "booked": "gebucht"}


@router.get("/zfa/charter", dependencies=[page_allow(*policy.CHARTER_REPORT)], response_class=HTMLResponse)
def charter_list(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _list(
        request, user, runtime, values={"airport": "DUS", "seats": "20", "escort_seats": "20"}, errors={}
    )


def _list(
    request: Request, user: Principal, runtime: Runtime, *, values: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            charters = list_charters(session, user)
            names = read_names(session, places={c.airport_location_id for c in charters})
    except LtrakoError as exc:
        return refusal(request, user, exc)
    rows = [
        {
            "charter": c,
            "airport": names.place(c.airport_location_id),
            "check_in": c.check_in.astimezone(runtime.zone).strftime("%d.%m.%Y %H:%M"),
            "status": STATUS_DE.get(c.status.value, c.status.value),
            "chosen": len((c.plan or {}).get("chosen", [])),
        }
        for c in charters
    ]
    response = render(
        request,
        "charter_list.html",
        user,
        rows=rows,
        values=values,
        errors=errors,
        airports=AIRPORTS,
        may_plan=policy.has_role(user, policy.CHARTER),
    )
    if errors:
        response.status_code = 422
    return response


@router.post("/zfa/charter", dependencies=[page_allow(*policy.CHARTER)])
async def create(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in FIELDS}
    errors: dict[str, str] = {}
    numbers = {}
    for key in ("seats", "escort_seats"):
        if not values[key].isdigit() or not 0 <= int(values[key]) <= 500:
            errors[key] = "Zahl von 0 bis 500."
        else:
            numbers[key] = int(values[key])
    try:
        check_in = dt.datetime.fromisoformat(values["check_in"])
        check_in = check_in if check_in.tzinfo else check_in.replace(tzinfo=runtime.zone)
    except ValueError:
        errors["check_in"] = "Datum und Uhrzeit angeben."
    if not errors:
        try:
            with transaction(runtime.sessions) as session:
                row = service.create_charter(
                    session,
                    user,
                    airport_iata=values["airport"],
                    destination_country=values["destination_country"],
                    seats=numbers["seats"],
                    escort_seats=numbers["escort_seats"],
                    check_in=check_in,
                    timezone=runtime.settings.timezone,
                )
                charter_id = row.id
        except InvalidInput as exc:
            for problem in exc.problems:
                errors[problem.field if problem.field in FIELDS else "form"] = problem.message
        except LtrakoError as exc:
            return back_to("/web/zfa/charter", exc.message, "error")
        else:
            return back_to(f"/web/zfa/charter/{charter_id}", f"Charter {charter_id} angelegt.")
    return _list(request, user, runtime, values=values, errors=errors)


@router.get(
    "/zfa/charter/{charter_id}",
    dependencies=[page_allow(*policy.CHARTER_REPORT)],
    response_class=HTMLResponse,
)
def report(charter_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            charter = service.get_charter(session, user, charter_id)
            plan: dict[str, Any] = charter.plan or {}
            rows = plan.get("chosen", []) + plan.get("not_chosen", [])
            names = read_names(
                session,
                places={charter.airport_location_id},
                vehicles={str(r["vehicle"]) for r in rows if r.get("vehicle")},
            )
    except LtrakoError as exc:
        return refusal(request, user, exc)

    def local(text: object) -> str:
        return dt.datetime.fromisoformat(str(text)).astimezone(runtime.zone).strftime("%H:%M") if text else ""

    chosen = [
        {
            **r,
            "authority": names.abh(r.get("abh_id")) or names.zab(r.get("zab_id")),
            "carrier": names.zab(r.get("carrier_zab_id")),
            "vehicle_name": names.vehicle(str(r.get("vehicle", ""))),
            "pickup": local(r.get("pickup_at")),
            "arrival": local(r.get("arrival_at")),
        }
        for r in plan.get("chosen", [])
    ]
    others = [
        {**r, "authority": names.abh(r.get("abh_id")) or names.zab(r.get("zab_id"))}
        for r in plan.get("not_chosen", [])
    ]
    return render(
        request,
        "charter.html",
        user,
        charter=charter,
        airport=names.place(charter.airport_location_id),
        check_in=charter.check_in.astimezone(runtime.zone).strftime("%d.%m.%Y %H:%M"),
        status=STATUS_DE.get(charter.status.value, charter.status.value),
        plan=plan,
        chosen=chosen,
        others=others,
        may_plan=policy.has_role(user, policy.CHARTER),
        may_book=policy.has_role(user, policy.CHARTER) and charter.status.value == "planned" and bool(plan),
    )


@router.post("/zfa/charter/{charter_id}/buchen", dependencies=[page_allow(*policy.CHARTER)])
def book(charter_id: int, user: UserDep, runtime: RuntimeDep) -> Response:
    """Book the planned selection: the feeders become committed tours of the ZABs' day plans."""
    page = f"/web/zfa/charter/{charter_id}"
    try:
        with transaction(runtime.sessions) as session:
            charter_booking.book_charter(
                session, user, charter_id=charter_id, timezone=runtime.settings.timezone
            )
    except LtrakoError as exc:
        return back_to(page, exc.message, "error")
    return back_to(page, f"Charter {charter_id} gebucht: die Zubringer sind festgelegte Touren.")


@router.post("/zfa/charter/{charter_id}/plan", dependencies=[page_allow(*policy.CHARTER)])
def plan(charter_id: int, user: UserDep, runtime: RuntimeDep) -> Response:
    """Queue the passenger choice and feeder planning (PLAN_SECONDS a round); the page follows it."""
    target = f"/web/zfa/charter/{charter_id}?geplant=1"
    return follow_job(
        runtime,
        target,
        lambda session: jobs.charter_job(
            session,
            user,
            charter_id=charter_id,
            target=target,
            **page_solve(runtime),
        ),
    )
