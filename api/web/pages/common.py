"""What every page shares: the router, templates, navigation, messages, days, jobs.

Server-rendered (Jinja2) with a little JavaScript for the job progress; every action calls
the same service functions as the API, so roles, rules and the audit trail are the same.
Outcomes come back as a short German message on the page (`msg`, `kind`): ids and texts of
the rules only, never personal data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH, ZFA, audit_refusal
from api.web.session import UserDep, page_allow
from ltrako.core.clock import Clock
from ltrako.core.db import transaction
from ltrako.core.errors import Conflict, Forbidden, InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import Abh, Job, Zab
from ltrako.workers import jobs
from planner.params import SolveParams

router = APIRouter(prefix="/web", include_in_schema=False)


templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


HOME = {
    Role.ZAB: "/web/zab/tag",
    Role.ABH: "/web/abh",
    Role.ZFA: "/web/zfa",
    Role.ZRK: "/web/zrk",
    Role.MINISTRY: "/web/statistik",
    Role.ADMIN: "/web/statistik",
    Role.DPO: "/web/datenschutz",
}


PLAN_SECONDS = 10.0


def page_solve(runtime: Runtime) -> dict[str, Any]:
    """The search parameters and queue bounds of a job a page starts (PLAN_SECONDS, seed 0)."""
    return {"params": SolveParams(time_limit_s=PLAN_SECONDS), "limits": jobs.Limits.of(runtime.settings)}


def render(request: Request, name: str, user: Principal | None, **context: Any) -> HTMLResponse:
    message = request.query_params.get("msg")
    kind = request.query_params.get("kind", "ok")
    return templates.TemplateResponse(
        request, name, {"user": user, "msg": message, "kind": kind, "nav": _nav(user), **context}
    )


def _nav(user: Principal | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = {
        Role.ZAB: [
            ("/web/zab/tag", "Tagesplan"),
            ("/web/zab/restplatz", "Restplatzbörse"),
            ("/web/zab/dienstplan", "Dienstplan und Fuhrpark"),
            ("/web/zab/dublin", "Dublin-Überstellungen"),
            ("/web/zab/aenderungen", "Stornierungen und Änderungen"),
            ("/web/zfa/charter", "Sammelcharter"),
            ("/web/statistik", "Statistik"),
        ],
        Role.ABH: [("/web/abh", "Transportaufträge"), ("/web/abh/benachrichtigungen", "Benachrichtigungen")],
        Role.ZFA: [
            ("/web/zfa", "Durchbeförderungen"),
            ("/web/zfa/fluege", "Flüge"),
            ("/web/zfa/charter", "Sammelcharter"),
        ],
        Role.ZRK: [("/web/zrk", "Medizinische Inempfangnahmen")],
        Role.MINISTRY: [("/web/statistik", "Statistik"), ("/web/statistik/landtag", "Landtagstabellen")],
        Role.ADMIN: [
            ("/web/statistik", "Statistik"),
            ("/web/statistik/landtag", "Landtagstabellen"),
            ("/web/zab/restplatz", "Restplatzbörse"),
            ("/web/zab/dienstplan", "Dienstplan und Fuhrpark"),
            ("/web/zab/dublin", "Dublin-Überstellungen"),
            ("/web/zab/aenderungen", "Stornierungen und Änderungen"),
            ("/web/zfa", "Durchbeförderungen"),
            ("/web/zfa/fluege", "Flüge"),
            ("/web/zfa/charter", "Sammelcharter"),
            ("/web/zrk", "Inempfangnahmen"),
        ],
        Role.DPO: [("/web/datenschutz", "Protokoll je Vorgang")],
    }
    return items[user.role]


def back_to(path: str, message: str, kind: str = "ok", **params: str) -> RedirectResponse:
    query = urlencode({**params, "msg": message, "kind": kind})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def day_or_tomorrow(text: str | None, clock: Clock) -> dt.date:
    """The day a page asks for, else tomorrow by the service's clock."""
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return clock.today() + dt.timedelta(days=1)


def directory(runtime: Runtime) -> tuple[list[Zab], list[Abh]]:
    with Session(runtime.engine) as session:
        zabs = list(session.exec(select(Zab).order_by(col(Zab.id))).all())
        abhs = list(session.exec(select(Abh).order_by(col(Abh.name))).all())
    return zabs, abhs


@router.get("/jobs/{job_id}", dependencies=[page_allow(*(DISPATCH | ZFA))])
def job_state(job_id: str, user: UserDep, runtime: RuntimeDep) -> JSONResponse:
    try:
        with transaction(runtime.sessions) as session:
            job = jobs.get_job(session, user, job_id)
    except LtrakoError:
        return JSONResponse({"status": "unknown"}, status_code=404)
    return JSONResponse(
        {
            "status": str(job.status),
            "progress": round(jobs.progress(job, runtime.clock.now()), 2),
            "label": job.label,
            "message": job.message or "",
            "target": job.target,
        }
    )


def follow_job(runtime: Runtime, back: str, start: Callable[[Session], Job]) -> RedirectResponse:
    """Queue a job for the planning workers and show `back` following it."""
    try:
        with transaction(runtime.sessions) as session:
            job = start(session)
    except LtrakoError as exc:
        return back_to(back.split("?")[0], exc.message, "error")
    return RedirectResponse(f"{job.target}&job={job.id}", status_code=303)


def refused_page(request: Request, user: Principal, reason: str) -> HTMLResponse:
    """The German refusal page (403); the refused access is recorded in the audit trail."""
    runtime: Runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        audit_refusal(session, user, request)
    response = render(request, "refused.html", user, reason=reason)
    response.status_code = 403
    return response


def refusal(request: Request, user: Principal, exc: LtrakoError) -> HTMLResponse:
    """A page whose service refused (or failed with a German message)."""
    if isinstance(exc, Forbidden):
        return refused_page(request, user, exc.message)
    response = render(request, "refused.html", user, reason=exc.message)
    response.status_code = 409 if isinstance(exc, Conflict) else 422 if isinstance(exc, InvalidInput) else 404
    return response
