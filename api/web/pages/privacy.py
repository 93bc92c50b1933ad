"""The data protection officer's page: the audit trail of a case."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.routes.privacy import trail_download
from api.web.pages.common import back_to, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core import policy
from ltrako.core.db import transaction
from ltrako.core.errors import Forbidden, LtrakoError
from ltrako.privacy import audit_export


@router.get("/datenschutz", dependencies=[page_allow(*policy.AUDIT_EXPORT)], response_class=HTMLResponse)
def privacy_page(request: Request, user: UserDep) -> HTMLResponse:
    return render(request, "datenschutz.html", user, request_id=request.query_params.get("request_id"))


@router.get("/datenschutz/export", dependencies=[page_allow(*policy.AUDIT_EXPORT)])
def privacy_export(request: Request, user: UserDep, runtime: RuntimeDep, request_id: str = "") -> Response:
    try:
        with transaction(runtime.sessions) as session:
            entries = audit_export.case_audit_trail(session, user, request_id=request_id, fmt="csv")
    except Forbidden as exc:
        return refusal(request, user, exc)
    except LtrakoError as exc:
        return back_to("/web/datenschutz", exc.message, "error", request_id=request_id)
    return trail_download(entries, request_id)
