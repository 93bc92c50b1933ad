"""The ZRK's page: medical receptions."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.gates import ZRK
from api.web.pages.common import refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from zfa import medical


@router.get("/zrk", dependencies=[page_allow(*ZRK)], response_class=HTMLResponse)
def zrk_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = medical.queue(session, user, lead_days=runtime.settings.medical_reception_lead_days)
            details = medical.read_cases(session, user, rows, "web zrk")
    except LtrakoError as exc:
        return refusal(request, user, exc)
    return render(
        request, "zrk.html", user, rows=rows, labels=medical.LABELS_DE, zone=runtime.zone, details=details
    )
