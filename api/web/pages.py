"""The German pages: ZAB Tagesplan and Restplatzbörse, ABH requests, ZFA/ZRK queues, Statistik.

Server-rendered (Jinja2) with a little JavaScript for the job progress; every action calls
the same service functions as the API, so roles, rules and the audit trail are the same.
Outcomes come back as a short German message on the page (`msg`, `kind`): ids and texts of
the rules only, never personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH, STATISTICS, ZFA, ZRK, public
from api.routes.aps import download
from api.routes.privacy import trail_download
from api.web.gantt import bars, gantt_svg, map_svg
from api.web.session import COOKIE, UserDep, page_allow
from ltrako import access, audit_export, charts, dayplan, exports, jobs, ratelimit, restplatz, statistics
from ltrako.dayplan import REASON_LABELS_DE, RejectReason
from ltrako.db import transaction
from ltrako.errors import Forbidden, InvalidInput, LtrakoError
from ltrako.lifecycle import LABELS_DE
from ltrako.models import Abh, Job, Location, RequestStatus, Zab
from ltrako.requests import PersonDraft, RequestDraft, StopDraft, list_requests, submit_request
from ltrako.runtime import Runtime
from ltrako.security import LocalIssuer, Principal, Role, TokenError, local_issuer
from ltrako.tours import committed_tours
from planner.model import LocationKind
from zfa import medical, workflow

router = APIRouter(prefix="/web", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
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


def _page(request: Request, name: str, user: Principal | None, **context: Any) -> HTMLResponse:
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
            ("/web/statistik", "Statistik"),
        ],
        Role.ABH: [("/web/abh", "Transportaufträge")],
        Role.ZFA: [("/web/zfa", "Durchbeförderungen")],
        Role.ZRK: [("/web/zrk", "Medizinische Inempfangnahmen")],
        Role.MINISTRY: [("/web/statistik", "Statistik")],
        Role.ADMIN: [("/web/statistik", "Statistik"), ("/web/zab/restplatz", "Restplatzbörse")],
        Role.DPO: [("/web/datenschutz", "Protokoll je Vorgang")],
    }
    return items[user.role]


def _back(path: str, message: str, kind: str = "ok", **params: str) -> RedirectResponse:
    query = urlencode({**params, "msg": message, "kind": kind})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def _day(text: str | None) -> dt.date:
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return dt.date.today() + dt.timedelta(days=1)


# ---------------------------------------------------------------------------- login


@router.get("/login", dependencies=[public()], response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    zabs, abhs = _directory(request.app.state.runtime)
    return _page(request, "login.html", None, zabs=zabs, abhs=abhs, roles=[r.value for r in Role])


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    role: str = Form(...),
    name: str = Form(""),
    zab: str = Form(""),
    abh: str = Form(""),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    try:  # the service's own local issuer, else the refusal (an OIDC issuer is configured)
        verifier = request.app.state.verifier
        issuer = verifier if isinstance(verifier, LocalIssuer) else local_issuer(settings)
    except TokenError as exc:
        return _back("/web/login", str(exc.args[0]), "error")
    # Counted in the database (all instances), per keyed hash of the address, before anything else.
    client = ratelimit.client_hash(request.client.host if request.client else "-", issuer.secret)
    with transaction(runtime.sessions) as session:
        verdict = ratelimit.register_attempt(
            session,
            client=client,
            now=dt.datetime.now(dt.UTC),
            limit=settings.login_rate_limit,
            window_s=settings.login_rate_window_s,
        )
    if not verdict.allowed:
        zabs, abhs = _directory(runtime)
        context: dict[str, Any] = {"user": None, "nav": [], "msg": verdict.message, "kind": "error"}
        return templates.TemplateResponse(
            request,
            "login.html",
            {**context, "zabs": zabs, "abhs": abhs, "roles": [r.value for r in Role]},
            status_code=429,
            headers={"Retry-After": str(verdict.retry_after_s)},
        )
    try:
        token = issuer.issue(
            Role(role),
            subject=(name.strip() or None),
            zab=zab or None if role == "zab" else None,
            abh=abh or None if role == "abh" else None,
        )
    except (TokenError, ValueError) as exc:
        text = exc.args[0] if isinstance(exc, TokenError) else "Unbekannte Rolle."
        return _back("/web/login", str(text), "error")
    response = RedirectResponse(HOME[Role(role)], status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
    return response


@router.post("/logout", dependencies=[public()])
def logout() -> Response:
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("", dependencies=[page_allow()])
def home(user: UserDep) -> Response:
    return RedirectResponse(HOME[user.role], status_code=303)


def _directory(runtime: Runtime) -> tuple[list[Zab], list[Abh]]:
    with Session(runtime.engine) as session:
        zabs = list(session.exec(select(Zab).order_by(col(Zab.id))).all())
        abhs = list(session.exec(select(Abh).order_by(col(Abh.name))).all())
    return zabs, abhs


# ---------------------------------------------------------------------------- jobs


@router.get("/jobs/{job_id}", dependencies=[page_allow(*DISPATCH)])
def job_state(job_id: str, user: UserDep, runtime: RuntimeDep) -> JSONResponse:
    try:
        with transaction(runtime.sessions) as session:
            job = jobs.get_job(session, user, job_id)
    except LtrakoError:
        return JSONResponse({"status": "unknown"}, status_code=404)
    return JSONResponse(
        {
            "status": str(job.status),
            "progress": round(jobs.progress(job), 2),
            "label": job.label,
            "message": job.message or "",
            "target": job.target,
        }
    )


def _follow(runtime: Runtime, back: str, start: Callable[[Session], Job]) -> RedirectResponse:
    """Queue a job for the planning workers and show `back` following it."""
    try:
        with transaction(runtime.sessions) as session:
            job = start(session)
    except LtrakoError as exc:
        return _back(back.split("?")[0], exc.message, "error")
    return RedirectResponse(f"{job.target}&job={job.id}", status_code=303)


# ---------------------------------------------------------------------------- ZAB


@router.get("/zab/tag", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def zab_day(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None, zab: str | None = None
) -> HTMLResponse:
    when = _day(day)
    zab_id = user.zab_id or zab  # a dispatcher sees their own ZAB; admin names one
    with transaction(runtime.sessions) as session:
        versions = dayplan.versions_of(session, user, day=when, zab_id=zab_id)
        version = versions[-1] if versions else None
        committed = committed_tours(session, when)
        keys = {(k[0], tuple(sorted(k[1]))) for k in committed}
        plan = version.plan if version else {"tours": [], "unassigned": []}
        day_bars = bars(plan, keys)
        wanted = {s["location"] for t in plan["tours"] for s in t["stops"]}
        places = {
            p.id: (p.lat, p.lon)
            for p in session.exec(select(Location).where(col(Location.id).in_(wanted))).all()
        }
        records = {
            r.request.id: r
            for r in list_requests(session, principal=user, day=when, limit=500, context="web tagesplan")
        }
    tours = []
    for bar in day_bars:
        stops = [
            {"type": kind, "time": at.astimezone(runtime.zone).strftime("%H:%M"), "request": rid}
            for kind, at, rid in bar.stops
        ]
        persons = sum(
            records[rid].request.persons for rid in {s["request"] for s in stops if s["request"] in records}
        )
        tours.append({"bar": bar, "stops": stops, "persons": persons})
    unassigned = [
        {
            "request": u["request"],
            "reason": dayplan.reason_label(u["reason"]),
            "status": LABELS_DE[RequestStatus(records[u["request"]].request.status)]
            if u["request"] in records
            else "",
        }
        for u in plan.get("unassigned", [])
    ]
    return _page(
        request,
        "zab_day.html",
        user,
        day=when,
        version=version,
        tours=tours,
        unassigned=unassigned,
        gantt=gantt_svg(day_bars, runtime.zone),
        map=map_svg(plan, places),
        reasons=[
            (r.value, REASON_LABELS_DE[r])
            for r in (
                RejectReason.NO_STAFF,
                RejectReason.NO_VEHICLE,
                RejectReason.SECURITY,
                RejectReason.NO_CAPACITY,
            )
        ],
    )


@router.post("/zab/plan", dependencies=[page_allow(*DISPATCH)])
def start_plan(user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    when = _day(day)
    target = f"/web/zab/tag?day={when}"
    return _follow(
        runtime,
        target,
        lambda session: jobs.plan_day_job(
            session, user, day=when, zab_id=user.zab_id, time_limit_s=PLAN_SECONDS, target=target
        ),
    )


@router.post("/zab/versions/{version_id}/tours/{tour_index}/accept", dependencies=[page_allow(*DISPATCH)])
def accept(
    version_id: int, tour_index: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            tour_id = dayplan.accept_tour(
                session,
                user,
                version_id=version_id,
                tour_index=tour_index,
                timezone=runtime.settings.timezone,
            )
    except LtrakoError as exc:
        return _back("/web/zab/tag", exc.message, "error", day=day)
    return _back("/web/zab/tag", f"Tour {tour_index + 1} ist festgelegt (Tour-Nr. {tour_id}).", day=day)


@router.post("/zab/requests/{request_id}/reject", dependencies=[page_allow(*DISPATCH)])
def reject(
    request_id: str, user: UserDep, runtime: RuntimeDep, day: str = Form(...), reason: str = Form(...)
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            dayplan.reject_request(
                session, user, request_id=request_id, reason=RejectReason(reason), text=None
            )
    except (LtrakoError, ValueError) as exc:
        message = exc.message if isinstance(exc, LtrakoError) else "Unbekannter Ablehnungsgrund."
        return _back("/web/zab/tag", message, "error", day=day)
    return _back("/web/zab/tag", f"Auftrag {request_id} abgelehnt: er geht in die Restplatzbörse.", day=day)


@router.get("/zab/restplatz", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def restplatz_page(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None
) -> HTMLResponse:
    when = _day(day)
    with transaction(runtime.sessions) as session:
        offers = restplatz.offers(session, user, day=when)
        runs = restplatz.runs(session, day=when)
    return _page(
        request, "restplatz.html", user, day=when, offers=offers, last_run=runs[-1] if runs else None
    )


@router.post("/zab/restplatz/{offer_id}/take", dependencies=[page_allow(*DISPATCH)])
def take(offer_id: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            restplatz.take_over(session, user, offer_id=offer_id, timezone=runtime.settings.timezone)
    except LtrakoError as exc:
        return _back("/web/zab/restplatz", exc.message, "error", day=day)
    return _back("/web/zab/restplatz", f"Angebot {offer_id} übernommen: die Tour ist festgelegt.", day=day)


@router.post("/zab/restplatz/run", dependencies=[page_allow(*DISPATCH)])
def run_pool(user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    when = _day(day)
    target = f"/web/zab/restplatz?day={when}"
    return _follow(
        runtime,
        target,
        lambda session: jobs.restplatz_job(session, user, day=when, time_limit_s=PLAN_SECONDS, target=target),
    )


# ---------------------------------------------------------------------------- Datenschutz


@router.get(
    "/datenschutz", dependencies=[page_allow(*access.AUDIT_EXPORT_ROLES)], response_class=HTMLResponse
)
def privacy_page(request: Request, user: UserDep) -> HTMLResponse:
    return _page(request, "datenschutz.html", user, request_id=request.query_params.get("request_id"))


@router.get("/datenschutz/export", dependencies=[page_allow(*access.AUDIT_EXPORT_ROLES)])
def privacy_export(request: Request, user: UserDep, runtime: RuntimeDep, request_id: str = "") -> Response:
    try:
        with transaction(runtime.sessions) as session:
            entries = audit_export.case_audit_trail(session, user, request_id=request_id, fmt="csv")
    except Forbidden as exc:
        return _refused(request, user, exc)
    except LtrakoError as exc:
        return _back("/web/datenschutz", exc.message, "error", request_id=request_id)
    return trail_download(entries, request_id)


# ---------------------------------------------------------------------------- ABH


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
    response = _page(
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
        try:
            return dt.datetime.fromisoformat(values[key]).replace(tzinfo=zone)
        except ValueError:
            errors[key] = "Datum und Uhrzeit angeben (TT.MM.JJJJ, hh:mm)."
            return None

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
            return _back("/web/abh", exc.message, "error")
        else:
            return _back("/web/abh", f"Auftrag {new_id} eingereicht.")
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


# ---------------------------------------------------------------------------- ZFA, ZRK


@router.get("/zfa", dependencies=[page_allow(*ZFA)], response_class=HTMLResponse)
def zfa_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = workflow.queue(session, user)
    except LtrakoError as exc:
        return _refused(request, user, exc)
    return _page(request, "zfa.html", user, rows=rows, labels=workflow.STATUS_LABELS_DE, zone=runtime.zone)


@router.post("/zfa/transits/{transit_id}/{action}", dependencies=[page_allow(*ZFA)])
def zfa_action(transit_id: int, action: str, user: UserDep, runtime: RuntimeDep) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            if action == "submit":
                workflow.submit(session, user, transit_id=transit_id)
            elif action in ("approve", "reject"):
                workflow.decide(session, user, transit_id=transit_id, approved=action == "approve")
            else:
                return _back("/web/zfa", "Unbekannte Aktion.", "error")
    except LtrakoError as exc:
        return _back("/web/zfa", exc.message, "error")
    return _back("/web/zfa", f"Durchbeförderung {transit_id}: gespeichert.")


@router.get("/zfa/transits/{transit_id}/document", dependencies=[page_allow(*ZFA)])
def zfa_document(transit_id: int, user: UserDep, runtime: RuntimeDep) -> Response:
    """The request for the federal police airport office as a JSON download."""
    import json

    try:
        with transaction(runtime.sessions) as session:
            document = workflow.document(session, user, transit_id=transit_id)
    except LtrakoError as exc:
        return _back("/web/zfa", exc.message, "error")
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="durchbefoerderung-{transit_id}.json"'},
    )


@router.get("/zrk", dependencies=[page_allow(*ZRK)], response_class=HTMLResponse)
def zrk_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            rows = medical.queue(session, user, lead_days=runtime.settings.medical_reception_lead_days)
    except LtrakoError as exc:
        return _refused(request, user, exc)
    details = access.reads_medical_details(user)
    return _page(
        request, "zrk.html", user, rows=rows, labels=medical.LABELS_DE, zone=runtime.zone, details=details
    )


def refused_page(request: Request, user: Principal, reason: str) -> HTMLResponse:
    response = _page(request, "refused.html", user, reason=reason)
    response.status_code = 403
    return response


def _refused(request: Request, user: Principal, exc: LtrakoError) -> HTMLResponse:
    return refused_page(request, user, exc.message)


# ---------------------------------------------------------------------------- Statistik


@router.get("/statistik", dependencies=[page_allow(*STATISTICS)], response_class=HTMLResponse)
def statistik(
    request: Request, user: UserDep, runtime: RuntimeDep, period: str | None = None, breakdown: str = "zab"
) -> HTMLResponse:
    period = period or str(dt.date.today().year)
    try:
        with Session(runtime.engine) as session:
            stats, trend, by_zab = statistics.compute_many(
                session, user, period=period, breakdowns=(breakdown, "month", "zab")
            )
    except LtrakoError as exc:
        return _page(
            request,
            "statistik.html",
            user,
            period=period,
            breakdown=breakdown,
            stats=None,
            error=exc.message,
            breakdowns=statistics.BREAKDOWNS,
            metrics=statistics.METRICS,
        )
    return _page(
        request,
        "statistik.html",
        user,
        period=period,
        breakdown=breakdown,
        stats=stats,
        error=None,
        breakdowns=statistics.BREAKDOWNS,
        metrics=statistics.METRICS,
        trend=charts.trend_chart(trend, "svg").decode(),
        comparison=charts.comparison_chart(by_zab, "svg").decode(),
    )


@router.get("/statistik/export", dependencies=[page_allow(*STATISTICS)])
def statistik_export(
    user: UserDep, runtime: RuntimeDep, period: str, breakdown: str = "zab", format: str = "xlsx"
) -> Response:
    if format not in ("csv", "xlsx", "html"):
        return _back("/web/statistik", "Format csv, xlsx oder html.", "error")
    try:
        with Session(runtime.engine) as session:
            parts = list(
                exports.statistics_export(session, user, period=period, breakdown=breakdown, fmt=format)  # type: ignore[arg-type]
            )
    except LtrakoError as exc:
        return _back("/web/statistik", exc.message, "error", period=period)
    return download(iter(parts), format, f"aps-statistik-{period}-{breakdown}")
