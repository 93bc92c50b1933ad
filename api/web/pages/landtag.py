"""The ministry's tables for the Landtag (Anlage 1–3 per half-year) as a page and downloads."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.gates import MINISTRY
from api.routes.aps import download
from api.web.pages.common import back_to, render, router
from api.web.session import UserDep, page_allow
from ltrako.aps import exports, tables
from ltrako.core.errors import LtrakoError


def _default_half(runtime: RuntimeDep) -> str:
    """The last complete half-year by the service's clock."""
    today = runtime.clock.today()
    return f"{today.year}-H1" if today.month > 6 else f"{today.year - 1}-H2"


@router.get("/statistik/landtag", dependencies=[page_allow(*MINISTRY)], response_class=HTMLResponse)
def landtag_page(
    request: Request, user: UserDep, runtime: RuntimeDep, half: str | None = None
) -> HTMLResponse:
    half = (half or _default_half(runtime)).strip()
    try:
        with runtime.sessions() as session:
            found = tables.published_from_store(session, user, half)
    except LtrakoError as exc:
        response = render(request, "landtag.html", user, half=half, tables=None, error=exc.message)
        response.status_code = 422
        return response
    return render(
        request,
        "landtag.html",
        user,
        half=half,
        error=None,
        tables=[(tables.PUBLISHED_ANLAGE[t], tables.PUBLISHED_LABELS[t], found[t]) for t in tables.PUBLISHED],
        period=exports.published_half_label(half),
    )


@router.get("/statistik/landtag/export", dependencies=[page_allow(*MINISTRY)])
def landtag_export(user: UserDep, runtime: RuntimeDep, half: str, format: str = "csv") -> Response:
    if format not in ("csv", "xlsx", "html"):
        return back_to("/web/statistik/landtag", "Format csv, xlsx oder html.", "error", half=half)
    try:
        with runtime.sessions() as session:
            found = tables.published_from_store(session, user, half)
    except LtrakoError as exc:
        return back_to("/web/statistik/landtag", exc.message, "error")
    parts = exports.published_export(found, half, format, runtime.clock.now())  # type: ignore[arg-type]
    return download(parts, format, f"landtag-anlagen-{half}")
