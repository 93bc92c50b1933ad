"""The ZFA's pages: transit requests (Durchbeförderung) and their documents."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.gates import ZFA
from api.web.pages.common import back_to, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from zfa import workflow


@router.get("/zfa", dependencies=[page_allow(*ZFA)], response_class=HTMLResponse)
def zfa_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = workflow.queue(session, user)
    except LtrakoError as exc:
        return refusal(request, user, exc)
    return render(request, "zfa.html", user, rows=rows, labels=workflow.STATUS_LABELS_DE, zone=runtime.zone)


@router.post("/zfa/transits/{transit_id}/{action}", dependencies=[page_allow(*ZFA)])
def zfa_action(transit_id: int, action: str, user: UserDep, runtime: RuntimeDep) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            if action == "submit":
                workflow.submit(session, user, transit_id=transit_id)
            elif action in ("approve", "reject"):
                workflow.decide(session, user, transit_id=transit_id, approved=action == "approve")
            else:
                return back_to("/web/zfa", "Unbekannte Aktion.", "error")
    except LtrakoError as exc:
        return back_to("/web/zfa", exc.message, "error")
    return back_to("/web/zfa", f"Durchbeförderung {transit_id}: gespeichert.")


@router.get("/zfa/transits/{transit_id}/document", dependencies=[page_allow(*ZFA)])
def zfa_document(transit_id: int, user: UserDep, runtime: RuntimeDep) -> Response:
    """The request for the federal police airport office as a JSON download."""
    import json

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
