"""The ABH's pages: its transport requests and the request form."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import RuntimeDep
from api.web.pages.common import back_to, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.clock import OUT_OF_RANGE, in_service_range
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Location, RequestStatus
from ltrako.planning import dayplan
from ltrako.requests.lifecycle import LABELS_DE
from ltrako.requests.submission import PersonDraft, RequestDraft, StopDraft, list_requests, submit_request
from planner.model import LocationKind

ABH_FIELDS = (
    "case_ref",
    "nationality",
    "gender",
    "pickup_location",
    "pickup_from",
    "pickup_until",
    "dropoff_location",
    "dropoff_until",
    "priority",
)


@router.get("/abh", dependencies=[page_allow(Role.ABH)], response_class=HTMLResponse)
def abh_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _abh(request, user, runtime, values={}, errors={})


def _abh(
    request: Request, user: Principal, runtime: Runtime, *, values: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    with transaction(runtime.sessions) as session:
        records = list_requests(session, principal=user, limit=100, context="web abh")
        airports = session.exec(
            select(Location).where(Location.kind == LocationKind.AIRPORT).order_by(col(Location.name))
        ).all()
        rows = [
            {
                "id": r.request.id,
                "day": r.request.service_date,
                "status": LABELS_DE[RequestStatus(r.request.status)],
                "carrier": r.request.carrier_zab_id or "",
                "pickup": r.request.pickup_earliest.astimezone(runtime.zone).strftime("%d.%m. %H:%M"),
                "reason": dayplan.reason_label(r.request.pool_reason) or "",
            }
            for r in records
        ]
    defaults = {"pickup_location": user.abh_id or "", "gender": "m", "priority": "3", "nationality": ""}
    response = render(
        request, "abh.html", user, rows=rows, airports=airports, values={**defaults, **values}, errors=errors
    )
    if errors:
        response.status_code = 422
    return response


@router.post("/abh/auftraege", dependencies=[page_allow(Role.ABH)])
async def abh_submit(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ABH_FIELDS}
    errors: dict[str, str] = {}
    zone = runtime.zone

    def instant(key: str) -> dt.datetime | None:
        """Local time in the planning zone, or the offset the user gave."""
        try:
            given = dt.datetime.fromisoformat(values[key])
        except ValueError:
            errors[key] = "Datum und Uhrzeit angeben (TT.MM.JJJJ, hh:mm)."
            return None
        if not in_service_range(given.date()):
            errors[key] = OUT_OF_RANGE
            return None
        return given if given.tzinfo is not None else given.replace(tzinfo=zone)

    pickup_from, pickup_until, dropoff_until = (
        instant("pickup_from"),
        instant("pickup_until"),
        instant("dropoff_until"),
    )
    if values["gender"] not in ("m", "f", "d"):
        errors["gender"] = "Geschlecht wählen."
    if not values["priority"].isdigit() or not 1 <= int(values["priority"]) <= 5:
        errors["priority"] = "Priorität 1 bis 5."
    if not errors and pickup_from and pickup_until and dropoff_until:
        draft = RequestDraft(
            persons=(PersonDraft(values["case_ref"], values["nationality"].upper(), values["gender"]),),  # type: ignore[arg-type]
            pickup=StopDraft(values["pickup_location"], pickup_from, pickup_until, 20),
            dropoff=StopDraft(values["dropoff_location"], pickup_from, dropoff_until, 30),
            priority=int(values["priority"]),
        )
        try:
            with transaction(runtime.sessions) as session:
                record = submit_request(
                    session,
                    principal=user,
                    draft=draft,
                    timezone=runtime.settings.timezone,
                    travel=runtime.travel,
                )
                new_id = record.request.id
        except InvalidInput as exc:
            for problem in exc.problems:
                errors[_form_field(problem.field)] = problem.message
        except LtrakoError as exc:
            return back_to("/web/abh", exc.message, "error")
        else:
            return back_to("/web/abh", f"Auftrag {new_id} eingereicht.")
    return _abh(request, user, runtime, values=values, errors=errors)


def _form_field(api_field: str) -> str:
    """The form field an error of the service belongs to."""
    mapping = {
        "persons.0.case_ref": "case_ref",
        "persons.0.nationality": "nationality",
        "persons.0.gender": "gender",
        "pickup.location": "pickup_location",
        "pickup.earliest": "pickup_from",
        "pickup.latest": "pickup_until",
        "dropoff.location": "dropoff_location",
        "dropoff.latest": "dropoff_until",
        "dropoff.earliest": "dropoff_until",
        "priority": "priority",
    }
    for prefix, name in mapping.items():
        if api_field.startswith(prefix):
            return name
    return "form"
