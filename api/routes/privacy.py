"""Data protection: the audit trail of a case for the data protection officer (dpo) and admin."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import PrincipalDep, SessionDep
from api.gates import allow
from api.schemas.common import ErrorRead, ValidationErrorRead
from ltrako.core import policy
from ltrako.privacy import audit_export
from ltrako.privacy.audit_export import TrailEntry

router = APIRouter(prefix="/privacy", tags=["Datenschutz"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    404: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}


@router.get(
    "/cases/{request_id}/audit",
    dependencies=[allow(*policy.AUDIT_EXPORT)],
    response_model=list[TrailEntry],
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
)
def case_audit(
    request_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    format: Literal["json", "csv"] = Query("json", description="json oder csv."),
) -> Any:
    """Every audit event concerning the transport request, oldest first (the export is audited)."""
    entries = audit_export.case_audit_trail(session, principal, request_id=request_id, fmt=format)
    if format == "csv":
        return trail_download(entries, request_id)
    return entries  # ids, roles and actions only


def trail_download(entries: list[TrailEntry], request_id: str) -> Response:
    """A case's audit trail as a CSV download (the API and the page)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", request_id)
    return Response(
        audit_export.trail_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="protokoll-{name}.csv"'},
    )
