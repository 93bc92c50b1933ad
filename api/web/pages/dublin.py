"""The ZAB's Dublin transfers: register one for a request, the list with its deadlines."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH
from api.web.pages.common import back_to, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import Location, RequestStatus, TransportPurpose
from ltrako.planning.names import place_label, read_names
from ltrako.requests import transfers
from ltrako.requests.dublin import Extension
from ltrako.requests.submission import list_requests
from planner.model import LocationKind

FIELDS = (
    "request_id",
    "facility_id",
    "application_registered",
    "accepted_on",
    "court_decision_on",
    "extension",
)
EXTENSIONS = {
    Extension.NONE.value: "keine",
    Extension.IMPRISONED.value: "Haft (bis 12 Monate)",
    Extension.ABSCONDED.value: "flüchtig (bis 18 Monate, AMMR 36)",
}
OPEN = (RequestStatus.SUBMITTED, RequestStatus.PLANNED, RequestStatus.ACCEPTED, RequestStatus.IN_POOL)


@router.get("/zab/dublin", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def dublin_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _page(request, user, runtime, values={"extension": "none"}, errors={})


def _page(
    request: Request, user: Principal, runtime: Runtime, *, values: dict[str, str], errors: dict[str, str]
) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            views = transfers.list_transfers(session, user)
            candidates = [
                r.request
                for r in list_requests(session, principal=user, limit=300, context="web dublin")
                if RequestStatus(r.request.status) in OPEN
                and r.request.purpose in (TransportPurpose.DUBLIN_HANDOVER, TransportPurpose.FLIGHT)
            ]
            facilities = session.exec(
                select(Location).where(Location.kind == LocationKind.FACILITY).order_by(col(Location.name))
            ).all()
            names = read_names(
                session,
                places={v.row.facility_location_id for v in views}
                | {r.dropoff_location_id for r in candidates},
            )
    except LtrakoError as exc:
        return refusal(request, user, exc)
    today = runtime.clock.today()
    rows = [
        {
            "view": v,
            "facility": names.place(v.row.facility_location_id),
            "zab": names.zab(v.zab_id),
            "left": (v.deadline - today).days,
            "expired": v.deadline < today,
        }
        for v in views
    ]
    response = render(
        request,
        "dublin.html",
        user,
        rows=rows,
        candidates=[
            (r.id, f"{r.id} – {r.service_date:%d.%m.%Y}, {names.place(r.dropoff_location_id)}")
            for r in candidates
        ],
        facilities=[(f.id, place_label(f)) for f in facilities if f.regierungsbezirk_id],
        extensions=EXTENSIONS,
        values=values,
        errors=errors,
    )
    if errors:
        response.status_code = 422
    return response


@router.post("/zab/dublin", dependencies=[page_allow(*DISPATCH)])
async def register(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in FIELDS}
    errors: dict[str, str] = {}

    def day(key: str, required: bool = True) -> dt.date | None:
        if not values[key]:
            if required:
                errors[key] = "Datum angeben."
            return None
        try:
            return dt.date.fromisoformat(values[key])
        except ValueError:
            errors[key] = "Datum als TT.MM.JJJJ angeben."
            return None

    registered, accepted = day("application_registered"), day("accepted_on")
    court = day("court_decision_on", required=False)
    if not values["request_id"]:
        errors["request_id"] = "Auftrag wählen."
    if values["extension"] not in EXTENSIONS:
        errors["extension"] = "Verlängerung wählen."
    if not errors and registered and accepted:
        try:
            with transaction(runtime.sessions) as session:
                view = transfers.register(
                    session,
                    user,
                    request_id=values["request_id"],
                    facility_id=values["facility_id"],
                    application_registered=registered,
                    accepted_on=accepted,
                    court_decision_on=court,
                    extension=Extension(values["extension"]),
                )
        except InvalidInput as exc:
            for problem in exc.problems:
                errors[problem.field if problem.field in FIELDS else "form"] = problem.message
        except LtrakoError as exc:
            return back_to("/web/zab/dublin", exc.message, "error")
        else:
            return back_to(
                "/web/zab/dublin",
                f"Dublin-Überstellung zu {view.row.request_id} erfasst: Frist bis {view.deadline:%d.%m.%Y}.",
            )
    return _page(request, user, runtime, values=values, errors=errors)
