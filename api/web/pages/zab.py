"""The ZAB's pages: Tagesplan (plan, commit, reject) and the Restplatzbörse."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH
from api.web.gantt import bars, gantt_svg, map_svg
from api.web.pages.common import (
    back_to,
    day_or_tomorrow,
    follow_job,
    page_solve,
    refusal,
    render,
    router,
)
from api.web.session import UserDep, page_allow
from ltrako.core import policy
from ltrako.core.clock import local_label
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from ltrako.models import RequestStatus, Tour
from ltrako.planning import board, convert, dayplan, restplatz
from ltrako.planning.clearance import HELD_PREFIX
from ltrako.planning.dayplan import REASON_LABELS_DE, RejectReason
from ltrako.planning.names import read_names
from ltrako.planning.tour import DayPlan
from ltrako.requests.lifecycle import LABELS_DE
from ltrako.requests.submission import list_requests
from ltrako.workers import jobs


@router.get("/zab/tag", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def zab_day(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None, zab: str | None = None
) -> HTMLResponse:
    when = day_or_tomorrow(day, runtime.clock)
    try:
        with transaction(runtime.sessions) as session:
            zab_id = policy.planning_zab(user, user.zab_id or zab)  # admin names one
            versions = dayplan.versions_of(session, user, day=when, zab_id=zab_id)
            version = versions[-1] if versions else None
            tz = runtime.settings.timezone
            plan = dayplan.read_version(session, version, tz) if version else DayPlan(when, (), ())
            day_board = board.day_board(session, plan, zab_id)
            endangered = {
                t.id: t.endangered
                for t in session.exec(
                    select(Tour).where(Tour.day == when, col(Tour.endangered).is_not(None))
                ).all()
            }
            tours = [row.tour for row in day_board.tours]
            wanted = {s.location for t in tours for s in t.stops}
            records = {
                r.request.id: r
                for r in list_requests(session, principal=user, day=when, limit=500, context="web tagesplan")
            }
            wanted |= {r.request.pickup_location_id for r in records.values()}
            names = read_names(
                session,
                places=wanted,
                vehicles={t.vehicle for t in tours},
                escorts={e for t in tours for e in t.escorts},
            )
    except LtrakoError as exc:
        return refusal(request, user, exc)
    day_bars = bars(day_board.tours, names)
    by_position = {b.tour_index: b for b in day_bars}
    rows = []
    for position, row in enumerate(day_board.tours):
        tour = row.tour
        stops = [
            {
                "type": s.type.value,
                "time": local_label(at, runtime.zone) if (at := s.start or s.arrival) else "",
                "request": s.request or "",
                "place": names.place(s.location),
                "blocked": row.blocked.get(s.request or ""),
            }
            for s in tour.stops
        ]
        persons = sum(records[r].request.persons for r in tour.requests if r in records)
        rows.append(
            {
                "position": position,
                "index": row.index,
                "tour": tour,
                "bar": by_position.get(position),
                "vehicle": names.vehicle(tour.vehicle),
                "crew": names.crew(tour.escorts),
                "crew_links": [(e, names.escort(e)) for e in tour.escorts],
                "stops": stops,
                "persons": persons,
                "blocked": row.blocked,
                "endangered": endangered.get(tour.tour_id) if tour.committed else None,
                "start": local_label(tour.start, runtime.zone) if tour.start else "",
                "end": local_label(tour.end, runtime.zone) if tour.end else "",
            }
        )
    unassigned = [
        {
            "request": u.request,
            "reason": u.detail if u.detail.startswith(HELD_PREFIX) else dayplan.reason_label(u.reason.value),
            "status": LABELS_DE[RequestStatus(records[u.request].request.status)]
            if u.request in records
            else "",
            "place": names.place(records[u.request].request.pickup_location_id)
            if u.request in records
            else "",
            "blocked": day_board.blocked.get(u.request),
        }
        for u in day_board.unassigned
    ]
    coordinates = {p.id: (p.lat, p.lon) for p in names.places.values() if p.id in wanted}
    route_places = {s.location for t in tours for s in t.stops}
    return render(
        request,
        "zab_day.html",
        user,
        day=when,
        zab_name=names.zab(zab_id),
        version=version,
        tours=rows,
        stale=day_board.stale,
        unassigned=unassigned,
        gantt=gantt_svg(day_bars, runtime.zone),
        map=map_svg(tours, {k: v for k, v in coordinates.items() if k in route_places}, names),
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
            session,
            user,
            day=when,
            zab_id=user.zab_id,
            target=target,
            **page_solve(runtime),
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
    tz = runtime.settings.timezone
    with transaction(runtime.sessions) as session:
        entries = restplatz.pool_board(session, user, day=when)
        runs = restplatz.runs(session, day=when)
        tours = {o.id: convert.offer_tour(o.tour, o.day, tz) for e in entries for o in e.offers}
        names = read_names(
            session,
            places={
                p for e in entries for p in (e.request.pickup_location_id, e.request.dropoff_location_id)
            },
            vehicles={o.vehicle_id for e in entries for o in e.offers},
            escorts={x for t in tours.values() for x in t.escorts},
        )
    return render(
        request,
        "restplatz.html",
        user,
        day=when,
        entries=entries,
        medical=policy.sees_medical(user),
        tours=tours,
        names=names,
        zone=runtime.zone,
        last_run=runs[-1] if runs else None,
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
        lambda session: jobs.restplatz_job(
            session,
            user,
            day=when,
            target=target,
            **page_solve(runtime),
        ),
    )
