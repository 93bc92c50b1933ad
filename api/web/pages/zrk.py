"""The ZRK's page: medical receptions to request, confirm or decline, and their medical details."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.gates import ZRK
from api.web.pages.common import back_to, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.clock import local_label
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from ltrako.planning.names import read_names
from ltrako.requests.submission import get_request
from zfa import medical


@router.get("/zrk", dependencies=[page_allow(*ZRK)], response_class=HTMLResponse)
def zrk_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = medical.queue(session, user, lead_days=runtime.settings.medical_reception_lead_days)
            details = medical.read_cases(session, user, rows, "web zrk")
            transports = {
                r.request_id: get_request(session, principal=user, request_id=r.request_id, context="web zrk")
                for r in rows
            }
            names = read_names(session, places={t.request.dropoff_location_id for t in transports.values()})
    except LtrakoError as exc:
        return refusal(request, user, exc)
    cases = []
    for case in rows:
        record = transports[case.request_id]
        person = next((p for p in record.persons if p.id == case.person_id), None)
        cases.append(
            {
                "case": case,
                "case_ref": person.case_ref if person else "",
                "pickup": local_label(record.request.pickup_earliest, runtime.zone, "%d.%m.%Y %H:%M"),
                "destination": names.place(record.request.dropoff_location_id),
                "authority": names.abh(record.request.abh_id) or names.zab(record.request.zab_id),
            }
        )
    return render(
        request, "zrk.html", user, cases=cases, labels=medical.LABELS_DE, zone=runtime.zone, details=details
    )


@router.post("/zrk/cases/{case_id}/{action}", dependencies=[page_allow(*ZRK)])
def zrk_action(
    case_id: int, action: str, user: UserDep, runtime: RuntimeDep, details: str = Form("")
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            if action == "request":
                medical.request_reception(session, user, case_id=case_id)
                done = "angefragt"
            elif action in ("confirm", "decline"):
                medical.decide(session, user, case_id=case_id, confirmed=action == "confirm")
                done = "bestätigt" if action == "confirm" else "abgelehnt"
            elif action == "details":
                medical.set_details(session, user, case_id=case_id, details=details.strip())
                done = "medizinische Angaben gespeichert"
            else:
                return back_to("/web/zrk", "Unbekannte Aktion.", "error")
    except LtrakoError as exc:
        return back_to("/web/zrk", exc.message, "error")
    return back_to("/web/zrk", f"Inempfangnahme {case_id}: {done}.")
