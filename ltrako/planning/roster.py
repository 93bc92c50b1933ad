"""Duty roster and fleet changes, and what they mean for the Restplatzbörse.

Every change of a ZAB's shifts, absences or vehicle availability for a day is recorded as a
ResourceChange. A ZAB that refused a request for lack of staff or vehicles is not offered that
request again by the Restplatzbörse, unless its roster or fleet for the request's day changed
after the refusal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from ltrako.core import audit, policy
from ltrako.core.errors import FieldProblem, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AbsenceKind,
    AuditAction,
    Escort,
    EscortAbsence,
    EscortShift,
    ResourceChange,
    Tour,
    TourEscort,
    TransportRequest,
    Vehicle,
    VehicleAvailability,
    ZabRefusal,
)
from ltrako.planning.names import natural_key

ABSENCE_LABELS_DE = {AbsenceKind.SICK: "krank", AbsenceKind.LEAVE: "im Urlaub"}

# Refusals for lack of staff or vehicles (RejectReason codes): a changed roster or fleet may
# answer them; the others (security, time windows) it does not.
RESOURCE_REASONS = frozenset(
    {"no_staff", "no_vehicle", "no_capacity", "no_qualified_escort", "no_wheelchair_vehicle"}
)


def record_refusal(session: Session, *, request_id: str, zab_id: str, reason: str) -> None:
    session.add(ZabRefusal(request_id=request_id, zab_id=zab_id, reason=reason))


def note_change(
    session: Session, principal: Principal, *, zab_id: str, day: dt.date, kind: str, subject: str
) -> None:
    """Record that `zab_id`'s roster or fleet for `day` changed (kind: shift, absence, vehicle)."""
    session.add(ResourceChange(zab_id=zab_id, day=day, kind=kind, subject=subject, actor=principal.subject))


def refused_unchanged(session: Session, zab_id: str, request_ids: Iterable[str]) -> dict[str, str]:
    """Request → reason, for those `zab_id` refused for lack of staff or vehicles with no change
    of its roster or fleet for the request's day since."""
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    found = session.exec(
        select(ZabRefusal)
        .where(
            ZabRefusal.zab_id == zab_id,
            col(ZabRefusal.request_id).in_(ids),
            col(ZabRefusal.reason).in_(sorted(RESOURCE_REASONS)),
        )
        .order_by(col(ZabRefusal.at), col(ZabRefusal.id))
    ).all()
    if not found:
        return {}
    refused_ids = sorted({f.request_id for f in found})
    rows = session.exec(select(TransportRequest).where(col(TransportRequest.id).in_(refused_ids))).all()
    day_of = {r.id: r.service_date for r in rows}
    changes: dict[dt.date, dt.datetime] = {}
    for change in session.exec(
        select(ResourceChange).where(
            ResourceChange.zab_id == zab_id, col(ResourceChange.day).in_(sorted(set(day_of.values())))
        )
    ).all():
        if change.day not in changes or change.at > changes[change.day]:
            changes[change.day] = change.at
    refusals = [(r, day_of[r.request_id]) for r in found]
    out: dict[str, str] = {}
    for refusal, day in refusals:  # the latest refusal of a request decides
        last_change = changes.get(day)
        if last_change is None or last_change <= refusal.at:
            out[refusal.request_id] = refusal.reason
        else:
            out.pop(refusal.request_id, None)
    return out


# ------------------------------------------------------------------- roster and fleet


def _dispatcher(principal: Principal) -> None:
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten pflegen Dienstplan und Fuhrpark.")


def _own(session: Session, principal: Principal, model: Any, entity_id: str, entity: str, label: str) -> Any:
    """The record of the caller's ZAB (operations: any); 404 if missing or another ZAB's."""
    _dispatcher(principal)
    row = session.get(model, entity_id)
    if row is None:
        raise NotFound(label, entity_id)
    if not policy.acts_for_zab(principal, row.zab_id):
        audit.not_found(session, principal, entity=entity, entity_id=entity_id, label=label)
    return row


def own_escort(session: Session, principal: Principal, escort_id: str) -> Escort:
    escort: Escort = _own(session, principal, Escort, escort_id, "escort", "Begleitkraft")
    return escort


def own_vehicle(session: Session, principal: Principal, vehicle_id: str) -> Vehicle:
    vehicle: Vehicle = _own(session, principal, Vehicle, vehicle_id, "vehicle", "Fahrzeug")
    return vehicle


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone)


def _window(
    day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo, field: str
) -> tuple[dt.datetime, dt.datetime]:
    if end <= start:
        raise InvalidInput([FieldProblem(field, "Das Ende muss nach dem Beginn liegen.", "window")])
    return _at(day, start, zone), _at(day, end, zone)


def set_shift(
    session: Session,
    principal: Principal,
    *,
    escort_id: str,
    day: dt.date,
    start: dt.time | None,
    end: dt.time | None,
    timezone: str,
) -> list[Tour]:
    """Set (or, without times, remove) the escort's shift of the day; the tours it endangers."""
    escort = own_escort(session, principal, escort_id)
    shift = session.exec(
        select(EscortShift).where(EscortShift.escort_id == escort_id, EscortShift.day == day)
    ).first()
    if start is None or end is None:
        if shift is not None:
            session.delete(shift)
    else:
        begin, finish = _window(day, start, end, ZoneInfo(timezone), "end")
        shift = shift or EscortShift(escort_id=escort_id, day=day, start=begin, end=finish)
        shift.start, shift.end = begin, finish
        session.add(shift)
    note_change(session, principal, zab_id=escort.zab_id, day=day, kind="shift", subject=escort_id)
    audit.updated(session, principal, "escort_shift", escort_id, f"{day} {start}-{end}")
    session.flush()
    return check_tours(session, escort.zab_id, day)


@dataclass(frozen=True, slots=True)
class RosterImport:
    shifts: int
    days: int
    endangered: list[Tour]


ROSTER_HEADER = ("begleitkraft", "datum", "beginn", "ende")


def import_roster(
    session: Session, principal: Principal, *, zab_id: str | None, month: str, text: str, timezone: str
) -> RosterImport:
    """Replace the ZAB's shifts of `month` (JJJJ-MM) by a roster CSV.

    Columns (`;` or `,`, a header row): Begleitkraft;Datum;Beginn;Ende, the date as TT.MM.JJJJ
    or JJJJ-MM-TT, the times as HH:MM; an empty Beginn means no shift that day.
    """
    _dispatcher(principal)
    zab = policy.planning_zab(principal, zab_id)
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise InvalidInput([FieldProblem("month", "Monat als JJJJ-MM angeben.", "month")]) from exc
    if first.month == 12:
        last = dt.date(first.year, 12, 31)
    else:
        last = first.replace(month=first.month + 1) - dt.timedelta(days=1)
    zone = ZoneInfo(timezone)
    own = {e.id for e in session.exec(select(Escort).where(Escort.zab_id == zab)).all()}
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = "," if header.count(",") > header.count(";") else ";"
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput([FieldProblem("csv", "Keine lesbare CSV-Datei.", "csv")]) from exc
    if not rows or tuple(c.strip().casefold() for c in rows[0][:4]) != ROSTER_HEADER:
        raise InvalidInput(
            [FieldProblem("csv", "Kopfzeile Begleitkraft;Datum;Beginn;Ende erwartet.", "header")]
        )
    shifts: dict[tuple[str, dt.date], tuple[dt.datetime, dt.datetime]] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        field = f"csv.zeile_{number}"
        cells = [c.strip() for c in row] + ["", "", "", ""]
        escort, day_text, start_text, end_text = cells[:4]
        if escort not in own:
            problems.append(
                FieldProblem(field, f"Begleitkraft {escort} gehört nicht zu Ihrer ZAB.", "escort")
            )
            continue
        try:
            day = _parse_day(day_text)
        except ValueError:
            problems.append(FieldProblem(field, f"Datum {day_text!r} unlesbar (TT.MM.JJJJ).", "date"))
            continue
        if not first <= day <= last:
            problems.append(FieldProblem(field, f"{day:%d.%m.%Y} liegt nicht im Monat {month}.", "month"))
            continue
        if not start_text:
            continue  # frei
        try:
            begin, finish = dt.time.fromisoformat(start_text), dt.time.fromisoformat(end_text)
        except ValueError:
            problems.append(FieldProblem(field, "Beginn und Ende als HH:MM angeben.", "time"))
            continue
        if finish <= begin:
            problems.append(FieldProblem(field, "Das Ende muss nach dem Beginn liegen.", "window"))
            continue
        if (escort, day) in shifts:
            problems.append(
                FieldProblem(field, f"Zweite Schicht für {escort} am {day:%d.%m.%Y}.", "duplicate")
            )
            continue
        shifts[(escort, day)] = (_at(day, begin, zone), _at(day, finish, zone))
    if problems:
        raise InvalidInput(problems[:20])
    session.exec(
        delete(EscortShift).where(
            col(EscortShift.escort_id).in_(sorted(own)),
            col(EscortShift.day) >= first,
            col(EscortShift.day) <= last,
        )
    )
    for (escort, day), (shift_start, shift_end) in sorted(shifts.items()):
        session.add(EscortShift(escort_id=escort, day=day, start=shift_start, end=shift_end))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for day in days:
        note_change(session, principal, zab_id=zab, day=day, kind="roster_import", subject=month)
    audit.updated(session, principal, "roster", zab, f"import {month}: {len(shifts)} shifts")
    session.flush()
    endangered = [t for day in days for t in check_tours(session, zab, day)]
    return RosterImport(len(shifts), len({d for _, d in shifts}), endangered)


def _parse_day(text: str) -> dt.date:
    if "." in text:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    return dt.date.fromisoformat(text)


def add_absence(
    session: Session,
    principal: Principal,
    *,
    escort_id: str,
    kind: AbsenceKind,
    first_day: dt.date,
    last_day: dt.date,
) -> tuple[EscortAbsence, list[Tour]]:
    """The escort is sick or on leave from `first_day` to `last_day`; the tours this endangers."""
    escort = own_escort(session, principal, escort_id)
    if last_day < first_day:
        raise InvalidInput([FieldProblem("last_day", "Das Ende liegt vor dem Beginn.", "window")])
    if (last_day - first_day).days > 366:
        raise InvalidInput([FieldProblem("last_day", "Höchstens ein Jahr am Stück.", "too_long")])
    absence = EscortAbsence(
        escort_id=escort_id, kind=kind, first_day=first_day, last_day=last_day, created_by=principal.subject
    )
    session.add(absence)
    session.flush()
    endangered = _changed_days(session, principal, escort.zab_id, escort_id, first_day, last_day)
    audit.record(
        session, principal, action=AuditAction.CREATE, entity="escort_absence", entity_id=str(absence.id)
    )
    return absence, endangered


def remove_absence(session: Session, principal: Principal, *, absence_id: int) -> list[Tour]:
    absence = session.get(EscortAbsence, absence_id)
    if absence is None:
        raise NotFound("Abwesenheit", str(absence_id))
    escort = own_escort(session, principal, absence.escort_id)
    first, last = absence.first_day, absence.last_day
    session.delete(absence)
    session.flush()
    audit.updated(session, principal, "escort_absence", absence_id, "delete")
    return _changed_days(session, principal, escort.zab_id, escort.id, first, last)


def _changed_days(
    session: Session, principal: Principal, zab_id: str, subject: str, first: dt.date, last: dt.date
) -> list[Tour]:
    endangered = []
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        note_change(session, principal, zab_id=zab_id, day=day, kind="absence", subject=subject)
        endangered += check_tours(session, zab_id, day)
    return endangered


def set_vehicle_day(
    session: Session,
    principal: Principal,
    *,
    vehicle_id: str,
    day: dt.date,
    in_service: bool,
    available_from: dt.time | None,
    available_until: dt.time | None,
    timezone: str,
) -> list[Tour]:
    """The vehicle's availability of one day (a breakdown: not in service); the tours it endangers."""
    vehicle = own_vehicle(session, principal, vehicle_id)
    row = session.exec(
        select(VehicleAvailability).where(
            VehicleAvailability.vehicle_id == vehicle_id, VehicleAvailability.day == day
        )
    ).first() or VehicleAvailability(vehicle_id=vehicle_id, day=day)
    row.in_service = in_service
    if in_service and available_from is not None and available_until is not None:
        row.available_from, row.available_until = _window(
            day, available_from, available_until, ZoneInfo(timezone), "available_until"
        )
    else:
        row.available_from = row.available_until = None
    session.add(row)
    note_change(session, principal, zab_id=vehicle.zab_id, day=day, kind="vehicle", subject=vehicle_id)
    audit.updated(session, principal, "vehicle_availability", vehicle_id, f"{day} in_service={in_service}")
    session.flush()
    return check_tours(session, vehicle.zab_id, day)


def check_tours(session: Session, zab_id: str, day: dt.date) -> list[Tour]:
    """Mark the ZAB's committed tours of the day gefährdet (with why, German) whose crew or
    vehicle is no longer there for the whole tour, and clear the mark where it is again.
    Returns the endangered tours."""
    tours = session.exec(
        select(Tour)
        .join(Vehicle, col(Vehicle.id) == col(Tour.vehicle_id))
        .where(Tour.day == day, col(Tour.is_committed).is_(True), Vehicle.zab_id == zab_id)
        .order_by(col(Tour.id))
    ).all()
    endangered = []
    for tour in tours:
        why = "; ".join(_tour_problems(session, tour)) or None
        if why is not None and len(why) > 400:
            why = why[:397] + "…"
        if why != tour.endangered:
            tour.endangered = why
            session.add(tour)
        if why:
            endangered.append(tour)
    session.flush()
    return endangered


def _tour_problems(session: Session, tour: Tour) -> list[str]:
    problems = []
    crew = session.exec(select(TourEscort.escort_id).where(TourEscort.tour_id == tour.id)).all()
    for escort_id in sorted(crew):
        escort = session.get(Escort, escort_id)
        name = (escort.display_name if escort else None) or escort_id
        absence = session.exec(
            select(EscortAbsence).where(
                EscortAbsence.escort_id == escort_id,
                EscortAbsence.first_day <= tour.day,
                EscortAbsence.last_day >= tour.day,
            )
        ).first()
        if absence is not None:
            problems.append(f"{name} {ABSENCE_LABELS_DE[AbsenceKind(absence.kind)]}")
            continue
        shift = session.exec(
            select(EscortShift).where(EscortShift.escort_id == escort_id, EscortShift.day == tour.day)
        ).first()
        if shift is None:
            problems.append(f"{name} ohne Dienst")
        elif (
            tour.start is not None
            and tour.end is not None
            and (shift.start > tour.start or shift.end < tour.end)
        ):
            problems.append(f"Dienst von {name} deckt die Tour nicht ab")
    vehicle = session.get(Vehicle, tour.vehicle_id)
    label = vehicle.label if vehicle is not None else tour.vehicle_id
    override = session.exec(
        select(VehicleAvailability).where(
            VehicleAvailability.vehicle_id == tour.vehicle_id, VehicleAvailability.day == tour.day
        )
    ).first()
    if vehicle is None or not vehicle.active or (override is not None and not override.in_service):
        problems.append(f"Fahrzeug {label} außer Betrieb")
    elif (
        override is not None
        and override.available_from is not None
        and override.available_until is not None
        and tour.start is not None
        and tour.end is not None
        and (override.available_from > tour.start or override.available_until < tour.end)
    ):
        problems.append(f"Fahrzeug {label} nicht für die ganze Tour verfügbar")
    return problems


@dataclass(frozen=True, slots=True)
class RosterDay:
    zab_id: str
    day: dt.date
    escorts: list[tuple[Escort, EscortShift | None, EscortAbsence | None]]
    vehicles: list[tuple[Vehicle, VehicleAvailability | None]]
    endangered: list[Tour]


def roster_day(session: Session, principal: Principal, *, zab_id: str | None, day: dt.date) -> RosterDay:
    """The ZAB's escorts with their shift and absence, vehicles with their availability, and
    the endangered tours of the day (staff and fleet data, no persons' data)."""
    _dispatcher(principal)
    zab = policy.planning_zab(principal, zab_id)
    escorts = session.exec(select(Escort).where(Escort.zab_id == zab, col(Escort.active).is_(True))).all()
    ids = [e.id for e in escorts]
    shifts = {
        s.escort_id: s
        for s in session.exec(
            select(EscortShift).where(EscortShift.day == day, col(EscortShift.escort_id).in_(ids))
        ).all()
    }
    absences = {
        a.escort_id: a
        for a in session.exec(
            select(EscortAbsence).where(
                col(EscortAbsence.escort_id).in_(ids),
                EscortAbsence.first_day <= day,
                EscortAbsence.last_day >= day,
            )
        ).all()
    }
    vehicles = session.exec(select(Vehicle).where(Vehicle.zab_id == zab)).all()
    availability = {
        a.vehicle_id: a
        for a in session.exec(
            select(VehicleAvailability).where(
                VehicleAvailability.day == day,
                col(VehicleAvailability.vehicle_id).in_([v.id for v in vehicles]),
            )
        ).all()
    }
    audit.record(
        session, principal, action=AuditAction.READ, entity="roster", entity_id=zab, context=str(day)
    )
    return RosterDay(
        zab,
        day,
        [(e, shifts.get(e.id), absences.get(e.id)) for e in sorted(escorts, key=lambda e: natural_key(e.id))],
        [(v, availability.get(v.id)) for v in sorted(vehicles, key=lambda v: natural_key(v.id))],
        check_tours(session, zab, day),
    )
