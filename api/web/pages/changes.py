"""Pages for changes under way: the ABH's request (edit, cancel, its history) and notifications;
the ZAB's committed tours with cancellation and un-commit, and the amendments it confirms.

Every action calls the services of `ltrako.planning.changes` and `ltrako.requests.notifications`
as the API does; times are local with their zone ("06:00 (MEZ)")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import RuntimeDep
from api.web.pages.abh import booked_flights
from api.web.pages.common import back_to, day_or_tomorrow, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core import audit, policy
from ltrako.core.clock import local_label
from ltrako.core.db import transaction
from ltrako.core.errors import FieldProblem, InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import AuditAction, RequestStatus, RequestStatusChange, TransportRequest, Vehicle
from ltrako.planning import changes, convert
from ltrako.planning.names import read_names
from ltrako.planning.tours import committed_tours
from ltrako.requests import notifications
from ltrako.requests.lifecycle import CANCEL_REASONS, LABELS_DE, TERMINAL, CancelReason
from ltrako.requests.submission import StopDraft, get_request
from planner.model import StopType

STOP_LABELS = {StopType.PICKUP: "Abholung", StopType.DROPOFF: "Übergabe", StopType.BREAK: "Pause"}
CHANGERS = (Role.ABH, Role.ZAB, Role.ADMIN)
# What the status history's event codes mean (reason codes of cancellations and rejections are
# the lifecycle's and the planning's, `notifications.REASON_LABELS`).
HISTORY_LABELS = {
    "plan": "vom Planer vorgeschlagen",
    "accepted": "Tour festgelegt",
    "takeover": "aus der Restplatzbörse übernommen",
    "tour_retimed": "Tour neu berechnet",
    "amended": "geändert",
    "amendment_requested": "Änderung beantragt",
    "amendment_confirmed": "Änderung bestätigt",
    "amendment_rejected": "Änderung abgelehnt",
    "uncommitted": "Tour aufgehoben",
}


def history_label(code: str | None) -> str:
    if not code:
        return ""
    return HISTORY_LABELS.get(code) or notifications.REASON_LABELS.get(code, code)


def _at(instant: dt.datetime | None, runtime: Runtime, fmt: str = "%d.%m.%Y %H:%M") -> str:
    return local_label(instant, runtime.zone, fmt) if instant is not None else ""


def _back(form: Any, fallback: str) -> str:
    target = str(form.get("back", ""))
    return target if target.startswith("/web/") and "//" not in target else fallback


def _to(back: str, message: str, kind: str = "ok") -> Response:
    """Back to the page the form came from, its own query (the day) kept."""
    path, _, query = back.partition("?")
    params = {k: v for k, v in parse_qsl(query) if k not in ("msg", "kind")}
    return back_to(path, message, kind, **params)


# ---------------------------------------------------------------- ABH: notifications


@router.get("/abh/benachrichtigungen", dependencies=[page_allow(Role.ABH)], response_class=HTMLResponse)
def abh_notifications(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    assert user.abh_id is not None
    with transaction(runtime.sessions) as session:
        rows = notifications.of_abh(session, user.abh_id)
        for row in rows:
            audit.record(session, user, action=AuditAction.READ, entity="notification", entity_id=str(row.id))
        items = [
            {
                "id": r.id,
                "request_id": r.request_id,
                "kind": notifications.kind_label(r.kind),
                "text": r.text,
                "at": _at(r.created_at, runtime),
                "read": r.read_at is not None,
            }
            for r in rows
        ]
    unread = sum(1 for i in items if not i["read"])
    return render(request, "benachrichtigungen.html", user, items=items, unread=unread)


@router.post("/abh/benachrichtigungen/{notification_id}/gelesen", dependencies=[page_allow(Role.ABH)])
def abh_mark_read(notification_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    assert user.abh_id is not None
    try:
        with transaction(runtime.sessions) as session:
            notifications.mark_read(session, user.abh_id, notification_id)
            audit.updated(session, user, "notification", notification_id, "read")
    except LtrakoError as exc:
        return refusal(request, user, exc)
    return back_to("/web/abh/benachrichtigungen", "Als gelesen markiert.")


@router.post("/abh/benachrichtigungen/gelesen", dependencies=[page_allow(Role.ABH)])
def abh_mark_all_read(user: UserDep, runtime: RuntimeDep) -> Response:
    assert user.abh_id is not None
    with transaction(runtime.sessions) as session:
        marked = notifications.mark_read(session, user.abh_id)
        audit.updated(session, user, "notification", "*", f"read {marked}")
    return back_to("/web/abh/benachrichtigungen", f"{marked} Benachrichtigung(en) als gelesen markiert.")


# ---------------------------------------------------------- one request: edit, cancel


@router.get("/auftraege/{request_id}", dependencies=[page_allow(*CHANGERS)], response_class=HTMLResponse)
def request_page(request_id: str, request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _request_page(request, user, runtime, request_id, values={}, errors={})


def _request_page(
    request: Request,
    user: Principal,
    runtime: Runtime,
    request_id: str,
    *,
    values: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    try:
        with transaction(runtime.sessions) as session:
            record = get_request(session, principal=user, request_id=request_id, context="web request")
            row = record.request
            tour = changes.tour_of(session, row)
            history = session.exec(
                select(RequestStatusChange)
                .where(RequestStatusChange.request_id == row.id)
                .order_by(col(RequestStatusChange.id))
            ).all()
            names = read_names(session, places={row.pickup_location_id, row.dropoff_location_id})
            pending = changes.pending_of(session, row.id)
            flights = booked_flights(session, runtime)
            detail = _detail(row, tour, names, runtime)
            steps = [
                {
                    "at": _at(h.at, runtime),
                    "status": LABELS_DE[RequestStatus(h.to_status)],
                    "reason": history_label(h.reason_code),
                }
                for h in history
            ]
    except LtrakoError as exc:
        return refusal(request, user, exc)
    local = {
        "pickup_from": row.pickup_earliest,
        "pickup_until": row.pickup_latest,
        "dropoff_until": row.dropoff_latest,
    }
    defaults = {k: v.astimezone(runtime.zone).strftime("%Y-%m-%dT%H:%M") for k, v in local.items()}
    defaults["priority"] = str(row.priority)
    defaults["flight_id"] = str(row.flight_id or "")
    open_ = RequestStatus(row.status) not in TERMINAL
    response = render(
        request,
        "auftrag.html",
        user,
        r=detail,
        history=steps,
        values={**defaults, **values},
        errors=errors,
        reasons=CANCEL_REASONS,
        flights=flights,
        can_change=open_ and policy.decides_request(user, row),
        can_cancel=open_ and policy.cancels_request(user, row),
        pending=pending.id if pending is not None else None,
        back=_home(user),
    )
    if errors:
        response.status_code = 422
    return response


def _home(user: Principal) -> str:
    return "/web/abh" if policy.abh_of(user) is not None else "/web/zab/aenderungen"


def _detail(row: TransportRequest, tour: Any, names: Any, runtime: Runtime) -> dict[str, Any]:
    pickup = next(
        (s.start for s in (tour.stops if tour else ()) if s.request == row.id and s.type is StopType.PICKUP),
        None,
    )
    return {
        "id": row.id,
        "status": LABELS_DE[RequestStatus(row.status)],
        "day": row.service_date.strftime("%d.%m.%Y"),
        "pickup": names.place(row.pickup_location_id),
        "dropoff": names.place(row.dropoff_location_id),
        "window": f"{_at(row.pickup_earliest, runtime)} bis {_at(row.pickup_latest, runtime, '%H:%M')}",
        "arrival": _at(row.dropoff_latest, runtime),
        "planned": _at(pickup, runtime) if pickup else "",
        "committed": tour is not None,
        "persons": row.persons,
        "carrier": names.zab(row.carrier_zab_id),
    }


@router.post("/auftraege/{request_id}/aendern", dependencies=[page_allow(*CHANGERS)])
async def request_amend(request_id: str, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    keys = ("pickup_from", "pickup_until", "dropoff_until", "priority", "flight_id")
    values = {k: str(form.get(k, "")).strip() for k in keys}
    errors: dict[str, str] = {}
    instants: dict[str, dt.datetime] = {}
    for key in ("pickup_from", "pickup_until", "dropoff_until"):
        try:
            given = dt.datetime.fromisoformat(values[key])
        except ValueError:
            errors[key] = "Datum und Uhrzeit angeben (TT.MM.JJJJ, hh:mm)."
            continue
        instants[key] = given if given.tzinfo is not None else given.replace(tzinfo=runtime.zone)
    if not values["priority"].isdigit() or not 1 <= int(values["priority"]) <= 5:
        errors["priority"] = "Priorität 1 bis 5."
    if values["flight_id"] and not values["flight_id"].isdigit():
        errors["flight_id"] = "Flug aus der Liste wählen."
    if errors:
        return _request_page(request, user, runtime, request_id, values=values, errors=errors)
    try:
        with transaction(runtime.sessions) as session:
            row = _row(session, request_id)
            change = changes.Changes(
                pickup=StopDraft(
                    row.pickup_location_id,
                    instants["pickup_from"],
                    instants["pickup_until"],
                    row.pickup_service_min,
                ),
                dropoff=StopDraft(
                    row.dropoff_location_id,
                    min(row.dropoff_earliest, instants["dropoff_until"]),
                    instants["dropoff_until"],
                    row.dropoff_service_min,
                ),
                priority=int(values["priority"]),
                flight_id=int(values["flight_id"]) if values["flight_id"] else None,
                clear_flight=not values["flight_id"],
            )
            result = changes.amend_request(
                session,
                user,
                request_id=request_id,
                changes=change,
                timezone=runtime.settings.timezone,
                travel=runtime.travel,
            )
    except InvalidInput as exc:
        errors = {_form_field(p): p.message for p in exc.problems}
        return _request_page(request, user, runtime, request_id, values=values, errors=errors)
    except LtrakoError as exc:
        return back_to(f"/web/auftraege/{request_id}", exc.message, "error")
    if result.amendment is not None:
        message = f"Änderung {result.amendment.id} wartet auf die Bestätigung der ZAB (Tour neu berechnet)."
    else:
        message = f"Auftrag {request_id} geändert."
    return back_to(f"/web/auftraege/{request_id}", message)


def _row(session: Session, request_id: str) -> TransportRequest:
    row = session.get(TransportRequest, request_id)
    if row is None:
        raise InvalidInput([FieldProblem("request_id", "Unbekannter Auftrag.", "unknown")])
    return row


def _form_field(problem: FieldProblem) -> str:
    mapping = {
        "pickup.earliest": "pickup_from",
        "pickup.latest": "pickup_until",
        "dropoff.latest": "dropoff_until",
        "dropoff.earliest": "dropoff_until",
        "priority": "priority",
        "flight_id": "flight_id",
        "dropoff.location": "flight_id",  # the form keeps the place: a flight from elsewhere
    }
    return mapping.get(problem.field, "form")


@router.post("/auftraege/{request_id}/stornieren", dependencies=[page_allow(*CHANGERS)])
async def request_cancel(request_id: str, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    back = _back(form, _home(user))
    reason = str(form.get("reason", ""))
    text = str(form.get("reason_text", "")).strip() or None
    if reason not in CANCEL_REASONS:
        return _to(back, "Grund der Stornierung wählen.", "error")
    try:
        with transaction(runtime.sessions) as session:
            changes.cancel_request(
                session,
                user,
                request_id=request_id,
                reason=CancelReason(reason),
                text=text,
                timezone=runtime.settings.timezone,
                travel=runtime.travel,
            )
    except LtrakoError as exc:
        return _to(back, exc.message, "error")
    return _to(back, f"Auftrag {request_id} storniert.")


# ------------------------------------------------------- ZAB: tours and amendments


@router.get("/zab/aenderungen", dependencies=[page_allow(Role.ZAB, Role.ADMIN)], response_class=HTMLResponse)
def zab_changes(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    day = day_or_tomorrow(request.query_params.get("day"), runtime.clock)
    with transaction(runtime.sessions) as session:
        tours = [
            t
            for t in committed_tours(session, day).values()
            if policy.uncommits_tour(user, _vehicle_zab(session, t.vehicle))
        ]
        names = read_names(
            session,
            places={s.location for t in tours for s in t.stops},
            vehicles={t.vehicle for t in tours},
            escorts={e for t in tours for e in t.escorts},
        )
        shown = [
            {
                "id": t.tour_id,
                "vehicle": names.vehicle(t.vehicle),
                "crew": names.crew(t.escorts),
                "times": f"{_at(t.start, runtime, '%H:%M')} – {_at(t.end, runtime, '%H:%M')}",
                "stops": [
                    {
                        "kind": STOP_LABELS[s.type],
                        "request": s.request,
                        "place": names.place(s.location),
                        "at": _at(s.start, runtime, "%H:%M"),
                    }
                    for s in t.stops
                ],
                "requests": sorted(t.requests),
            }
            for t in sorted(
                tours, key=lambda t: (t.vehicle, t.start or dt.datetime.min.replace(tzinfo=dt.UTC))
            )
        ]
        amendments = [
            {
                "id": a.id,
                "request": a.request_id,
                "at": _at(a.requested_at, runtime),
                "pickup": _window(a.changes.get("pickup"), runtime),
                "dropoff": _window(a.changes.get("dropoff"), runtime),
                "priority": a.changes.get("priority"),
                "tour": _amended_times(a.tour, _service_day(session, a.request_id), runtime),
            }
            for a in changes.pending_amendments(session, user)
        ]
    return render(
        request,
        "zab_aenderungen.html",
        user,
        day=day,
        tours=shown,
        amendments=amendments,
        reasons=CANCEL_REASONS,
        back=f"/web/zab/aenderungen?day={day.isoformat()}",
    )


def _service_day(session: Session, request_id: str) -> dt.date:
    row = session.get(TransportRequest, request_id)
    assert row is not None
    return row.service_date


def _vehicle_zab(session: Session, vehicle_id: str) -> str:
    vehicle = session.get(Vehicle, vehicle_id)
    return vehicle.zab_id if vehicle is not None else ""


def _window(stop: dict[str, Any] | None, runtime: Runtime) -> str:
    if not stop:
        return ""
    earliest = dt.datetime.fromisoformat(stop["earliest"])
    latest = dt.datetime.fromisoformat(stop["latest"])
    return f"{_at(earliest, runtime, '%d.%m. %H:%M')} – {_at(latest, runtime, '%H:%M')}"


def _amended_times(tour: dict[str, Any], day: dt.date, runtime: Runtime) -> str:
    """The re-timed tour's start and end (local, with the zone)."""
    timed = convert.offer_tour(tour, day, runtime.settings.timezone)
    return f"{_at(timed.start, runtime, '%H:%M')} – {_at(timed.end, runtime, '%H:%M')}"


@router.post("/zab/touren/{tour_id}/aufheben", dependencies=[page_allow(Role.ZAB, Role.ADMIN)])
async def zab_uncommit(tour_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    back = _back(form, "/web/zab/aenderungen")
    try:
        with transaction(runtime.sessions) as session:
            ids = changes.uncommit_tour(session, user, tour_id=tour_id, reason=str(form.get("reason", "")))
    except LtrakoError as exc:
        return _to(back, exc.message, "error")
    return _to(back, f"Tour aufgehoben; {len(ids)} Auftrag/Aufträge werden neu geplant.")


@router.post("/zab/aenderungen/{amendment_id}/entscheidung", dependencies=[page_allow(Role.ZAB, Role.ADMIN)])
async def zab_decide(amendment_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    back = _back(form, "/web/zab/aenderungen")
    approve = str(form.get("decision", "")) == "confirm"
    try:
        with transaction(runtime.sessions) as session:
            changes.decide_amendment(
                session,
                user,
                amendment_id=amendment_id,
                approve=approve,
                reason=str(form.get("reason", "")).strip() or None,
                timezone=runtime.settings.timezone,
            )
    except LtrakoError as exc:
        return _to(back, exc.message, "error")
    return _to(back, f"Änderung {amendment_id} {'bestätigt' if approve else 'abgelehnt'}.")
