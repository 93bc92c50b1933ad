"""The ZAB's duty roster and fleet: shifts of a day, a month's roster CSV, absences, vehicle
availability; endangered tours with the planner's repair proposal to confirm."""

from __future__ import annotations

import datetime as dt

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import RuntimeDep
from api.gates import DISPATCH
from api.web.pages.common import back_to, day_or_tomorrow, follow_job, refusal, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.db import transaction
from ltrako.core.errors import FieldProblem, InvalidInput, LtrakoError
from ltrako.models import AbsenceKind, RepairStatus, Tour, TourRepair
from ltrako.planning import convert, repair, roster
from ltrako.planning.names import read_names
from ltrako.planning.roster import ABSENCE_LABELS_DE
from ltrako.workers import jobs

PAGE = "/web/zab/dienstplan"


@router.get("/zab/dienstplan", dependencies=[page_allow(*DISPATCH)], response_class=HTMLResponse)
def roster_page(
    request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None, zab: str | None = None
) -> HTMLResponse:
    when = day_or_tomorrow(day, runtime.clock)
    tz = runtime.settings.timezone
    try:
        with transaction(runtime.sessions) as session:
            plan = roster.roster_day(session, user, zab_id=user.zab_id or zab, day=when)
            ids = [t.id for t in plan.endangered]
            repairs = {
                r.tour_id: r
                for r in session.exec(
                    select(TourRepair)
                    .where(col(TourRepair.tour_id).in_(ids), TourRepair.status == RepairStatus.OPEN)
                    .order_by(col(TourRepair.id))
                ).all()
            }
            proposals = {
                tid: [convert.offer_tour(t, r.day, tz) for t in r.tours] for tid, r in repairs.items()
            }
            names = read_names(
                session,
                vehicles={v.id for v, _ in plan.vehicles}
                | {t.vehicle for ts in proposals.values() for t in ts},
                escorts={e.id for e, _, _ in plan.escorts},
            )
    except LtrakoError as exc:
        return refusal(request, user, exc)
    return render(
        request,
        "dienstplan.html",
        user,
        day=when,
        plan=plan,
        repairs=repairs,
        proposals=proposals,
        names=names,
        zone=runtime.zone,
        absence_labels={k.value: v for k, v in ABSENCE_LABELS_DE.items()},
    )


def _done(day: str, tours: list[Tour], what: str) -> Response:
    if tours:
        return back_to(
            PAGE,
            f"{what} Gefährdet: {len(tours)} festgelegte Tour(en) – Reparatur vorschlagen.",
            "error",
            day=day,
        )
    return back_to(PAGE, what, day=day)


def _time(text: str, field: str) -> dt.time | None:
    if not text.strip():
        return None
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput([FieldProblem(field, "Uhrzeit als HH:MM angeben.", "time")]) from exc


@router.post("/zab/dienstplan/schicht", dependencies=[page_allow(*DISPATCH)])
def set_shift(
    user: UserDep,
    runtime: RuntimeDep,
    day: str = Form(...),
    escort_id: str = Form(..., max_length=32),
    start: str = Form(""),
    end: str = Form(""),
) -> Response:
    try:
        when = dt.date.fromisoformat(day)
        with transaction(runtime.sessions) as session:
            tours = roster.set_shift(
                session,
                user,
                escort_id=escort_id,
                day=when,
                start=_time(start, "start"),
                end=_time(end, "end"),
                timezone=runtime.settings.timezone,
            )
    except (LtrakoError, ValueError) as exc:
        return back_to(PAGE, getattr(exc, "message", "Ungültige Eingabe."), "error", day=day)
    return _done(day, tours, f"Schicht von {escort_id} gespeichert.")


@router.post("/zab/dienstplan/abwesenheit", dependencies=[page_allow(*DISPATCH)])
def add_absence(
    user: UserDep,
    runtime: RuntimeDep,
    day: str = Form(...),
    escort_id: str = Form(..., max_length=32),
    kind: AbsenceKind = Form(...),
    first_day: str = Form(...),
    last_day: str = Form(...),
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            _, tours = roster.add_absence(
                session,
                user,
                escort_id=escort_id,
                kind=kind,
                first_day=dt.date.fromisoformat(first_day),
                last_day=dt.date.fromisoformat(last_day),
            )
    except (LtrakoError, ValueError) as exc:
        return back_to(PAGE, getattr(exc, "message", "Datum als TT.MM.JJJJ angeben."), "error", day=day)
    return _done(day, tours, f"Abwesenheit von {escort_id} eingetragen.")


@router.post("/zab/dienstplan/abwesenheit/{absence_id}/loeschen", dependencies=[page_allow(*DISPATCH)])
def remove_absence(absence_id: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            tours = roster.remove_absence(session, user, absence_id=absence_id)
    except LtrakoError as exc:
        return back_to(PAGE, exc.message, "error", day=day)
    return _done(day, tours, "Abwesenheit gelöscht.")


@router.post("/zab/dienstplan/fahrzeug", dependencies=[page_allow(*DISPATCH)])
def set_vehicle(
    user: UserDep,
    runtime: RuntimeDep,
    day: str = Form(...),
    vehicle_id: str = Form(..., max_length=32),
    in_service: str = Form("ja"),
    available_from: str = Form(""),
    available_until: str = Form(""),
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            tours = roster.set_vehicle_day(
                session,
                user,
                vehicle_id=vehicle_id,
                day=dt.date.fromisoformat(day),
                in_service=in_service == "ja",
                available_from=_time(available_from, "available_from"),
                available_until=_time(available_until, "available_until"),
                timezone=runtime.settings.timezone,
            )
    except (LtrakoError, ValueError) as exc:
        return back_to(PAGE, getattr(exc, "message", "Ungültige Eingabe."), "error", day=day)
    return _done(day, tours, "Fahrzeug gespeichert.")


@router.post("/zab/dienstplan/import", dependencies=[page_allow(*DISPATCH)])
def import_roster(
    user: UserDep,
    runtime: RuntimeDep,
    day: str = Form(...),
    month: str = Form(..., max_length=7),
    csv: str = Form(..., max_length=500_000),
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            result = roster.import_roster(
                session, user, zab_id=user.zab_id, month=month, text=csv, timezone=runtime.settings.timezone
            )
    except LtrakoError as exc:
        return back_to(PAGE, exc.message, "error", day=day)
    return _done(day, result.endangered, f"Dienstplan {month} eingelesen: {result.shifts} Schichten.")


@router.post("/zab/dienstplan/tour/{tour_id}/reparatur", dependencies=[page_allow(*DISPATCH)])
def propose_repair(tour_id: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    target = f"{PAGE}?day={day}"
    return follow_job(
        runtime,
        target,
        lambda session: jobs.repair_job(
            session, user, tour_id=tour_id, limits=jobs.Limits.of(runtime.settings), target=target
        ),
    )


@router.post("/zab/dienstplan/reparatur/{repair_id}/bestaetigen", dependencies=[page_allow(*DISPATCH)])
def confirm_repair(repair_id: int, user: UserDep, runtime: RuntimeDep, day: str = Form(...)) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            done = repair.confirm(session, user, repair_id=repair_id, timezone=runtime.settings.timezone)
            pooled = len(done.pool)
    except LtrakoError as exc:
        return back_to(PAGE, exc.message, "error", day=day)
    extra = f" {pooled} Auftrag/Aufträge in die Restplatzbörse." if pooled else ""
    return back_to(PAGE, f"Reparatur bestätigt: die Tour ist neu festgelegt.{extra}", day=day)
