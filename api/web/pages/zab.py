"""The ZAB's pages: Tagesplan (plan, commit, reject) and the Restplatzbörse."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH
from api.web.gantt import bars, gantt_svg, map_svg
from api.web.pages.common import PLAN_SECONDS, back_to, day_or_tomorrow, follow_job, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from ltrako.models import Location, RequestStatus
from ltrako.planning import dayplan, restplatz
from ltrako.planning.dayplan import REASON_LABELS_DE, RejectReason
from ltrako.planning.tour import DayPlan
from ltrako.requests.lifecycle import LABELS_DE
from ltrako.requests.submission import list_requests
from ltrako.workers import jobs


@router.get("/zab/tag", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def zab_day(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None, zab: str | None = None
) -> HTMLResponse:
    when = day_or_tomorrow(day, runtime.clock)
    zab_id = user.zab_id or zab  # a dispatcher sees their own ZAB; admin names one
    with transaction(runtime.sessions) as session:
        versions = dayplan.versions_of(session, user, day=when, zab_id=zab_id)
        version = versions[-1] if versions else None
        tz = runtime.settings.timezone
        plan = dayplan.read_version(session, version, tz) if version else DayPlan(when, (), ())
        day_bars = bars(plan.tours)
        wanted = {s.location for t in plan.tours for s in t.stops}
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
            "request": u.request,
            "reason": dayplan.reason_label(u.reason.value),
            "status": LABELS_DE[RequestStatus(records[u.request].request.status)]
            if u.request in records
            else "",
        }
        for u in plan.unassigned
    ]
    return render(
        request,
        "zab_day.html",
        user,
        day=when,
        version=version,
        tours=tours,
        unassigned=unassigned,
        gantt=gantt_svg(day_bars, runtime.zone),
        map=map_svg(plan.tours, places),
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
    when = day_or_tomorrow(day, runtime.clock)
    target = f"/web/zab/tag?day={when}"
    return follow_job(
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
        return back_to("/web/zab/tag", exc.message, "error", day=day)
    return back_to("/web/zab/tag", f"Tour {tour_index + 1} ist festgelegt (Tour-Nr. {tour_id}).", day=day)


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
        return back_to("/web/zab/tag", message, "error", day=day)
    return back_to("/web/zab/tag", f"Auftrag {request_id} abgelehnt: er geht in die Restplatzbörse.", day=day)


@router.get("/zab/restplatz", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def restplatz_page(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None
) -> HTMLResponse:
    when = day_or_tomorrow(day, runtime.clock)
    with transaction(runtime.sessions) as session:
        offers = restplatz.offers(session, user, day=when)
        runs = restplatz.runs(session, day=when)
    return render(
        request, "restplatz.html", user, day=when, offers=offers, last_run=runs[-1] if runs else None
    )


@router.post("/zab/restplatz/{offer_id}/take", dependencies=[page_allow(*DISPATCH)])
def take(offer_id: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            restplatz.take_over(session, user, offer_id=offer_id, timezone=runtime.settings.timezone)
    except LtrakoError as exc:
        return back_to("/web/zab/restplatz", exc.message, "error", day=day)
    return back_to("/web/zab/restplatz", f"Angebot {offer_id} übernommen: die Tour ist festgelegt.", day=day)


@router.post("/zab/restplatz/run", dependencies=[page_allow(*DISPATCH)])
def run_pool(user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    when = day_or_tomorrow(day, runtime.clock)
    target = f"/web/zab/restplatz?day={when}"
    return follow_job(
        runtime,
        target,
        lambda session: jobs.restplatz_job(session, user, day=when, time_limit_s=PLAN_SECONDS, target=target),
    )
