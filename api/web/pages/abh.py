"""The ABH's pages: its transport requests (with the planned pickup) and the full request form.

The form carries several persons (each with gender and needs), the purpose, any kind of
destination (airport, Dublin hand-over point at the border, consulate, court, facility) and
an optional booked flight. Without JavaScript: "Weitere Person" sends the form back with one
more person; nothing typed is lost. A woman always gets a female escort.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import RuntimeDep
from api.web.pages.common import back_to, render, router
from api.web.session import UserDep, page_allow
from ltrako.core.clock import OUT_OF_RANGE, in_service_range, local_label
from ltrako.core.db import transaction
from ltrako.core.errors import InvalidInput, LtrakoError
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role
from ltrako.models import (
    Flight,
    FlightLeg,
    Gender,
    Location,
    RequestStatus,
    Tour,
    TourStop,
    TransportPurpose,
)
from ltrako.planning import dayplan
from ltrako.planning.names import place_label, read_names
from ltrako.requests import notifications
from ltrako.requests.lifecycle import LABELS_DE
from ltrako.requests.submission import (
    PersonDraft,
    RequestDraft,
    StopDraft,
    check_persons,
    list_requests,
    submit_request,
)
from planner.model import LocationKind, StopType

MAX_PERSONS = 9
REQUEST_FIELDS = (
    "purpose",
    "pickup_location",
    "pickup_from",
    "pickup_until",
    "dropoff_location",
    "dropoff_until",
    "flight_id",
    "priority",
)
PERSON_FIELDS = ("case_ref", "nationality", "gender")
PERSON_FLAGS = {
    "female_escort": "weibliche Begleitung",
    "medical_escort": "medizinische Begleitung",
    "wheelchair": "Rollstuhl",
    "medical_reception": "medizinische Inempfangnahme",
}
PURPOSES = {
    "": "nach Ziel (automatisch)",
    TransportPurpose.FLIGHT.value: "zum Flughafen (Abschiebung/Überstellung per Flug)",
    TransportPurpose.DUBLIN_HANDOVER.value: "Dublin-Übergabe an der Grenze",
    TransportPurpose.CONSULATE.value: "Vorführung bei Botschaft/Konsulat",
    TransportPurpose.COURT.value: "Gerichtstermin",
    TransportPurpose.DETENTION.value: "Verbringung in Haft",
    TransportPurpose.OTHER.value: "sonstiger Transport",
}
DESTINATION_GROUPS = (
    (LocationKind.AIRPORT, "Flughäfen"),
    (LocationKind.BORDER, "Dublin-Übergabeorte an der Grenze"),
    (LocationKind.EMBASSY, "Botschaften und Konsulate"),
    (LocationKind.COURT, "Gerichte"),
    (LocationKind.FACILITY, "Einrichtungen (Haft, Landeseinrichtungen)"),
)
PICKUP_GROUPS = (
    (LocationKind.ABH, "Ausländerbehörden"),
    (LocationKind.FACILITY, "Einrichtungen"),
    (LocationKind.COURT, "Gerichte"),
)
GENDERS = (("", "– bitte wählen –"), ("f", "weiblich"), ("m", "männlich"), ("d", "divers"))


@router.get("/abh", dependencies=[page_allow(Role.ABH)], response_class=HTMLResponse)
def abh_page(request: Request, user: UserDep, runtime: RuntimeDep) -> HTMLResponse:
    return _abh(request, user, runtime, values={}, persons=[{}], errors={})


def _abh(
    request: Request,
    user: Principal,
    runtime: Runtime,
    *,
    values: dict[str, str],
    persons: list[dict[str, str]],
    errors: dict[str, str],
) -> HTMLResponse:
    with transaction(runtime.sessions) as session:
        records = list_requests(session, principal=user, limit=100, context="web abh")
        pickups = _planned_pickups(session, [r.request.id for r in records])
        names = read_names(
            session,
            places={r.request.dropoff_location_id for r in records}
            | {r.request.pickup_location_id for r in records},
        )
        rows = [
            {
                "id": r.request.id,
                "day": r.request.service_date,
                "status": LABELS_DE[RequestStatus(r.request.status)],
                "carrier": names.zab(r.request.carrier_zab_id),
                "window": f"{_hhmm(r.request.pickup_earliest, runtime)}–"
                f"{r.request.pickup_latest.astimezone(runtime.zone):%H:%M}",
                "planned": local_label(pickups[r.request.id], runtime.zone, "%d.%m. %H:%M")
                if r.request.id in pickups
                else "",
                "destination": names.place(r.request.dropoff_location_id),
                "persons": ", ".join(p.case_ref for p in r.persons) or str(r.request.persons),
                "reason": dayplan.reason_label(r.request.pool_reason) or "",
            }
            for r in records
        ]
        groups = _location_groups(session)
        flights = booked_flights(session, runtime)
        abh_name = names.abh(user.abh_id)
        unread = notifications.unread_count(session, user.abh_id or "")
    own_place = _own_place(user)
    defaults = {"pickup_location": own_place, "priority": "3"}
    response = render(
        request,
        "abh.html",
        user,
        abh_name=abh_name,
        unread=unread,
        rows=rows,
        destinations=[(label, groups.get(kind, [])) for kind, label in DESTINATION_GROUPS],
        pickups=[(label, groups.get(kind, [])) for kind, label in PICKUP_GROUPS],
        flights=flights,
        purposes=PURPOSES,
        genders=GENDERS,
        flags=PERSON_FLAGS,
        values={**defaults, **values},
        persons=persons,
        max_persons=MAX_PERSONS,
        errors=errors,
    )
    if errors:
        response.status_code = 422
    return response


def _own_place(user: Principal) -> str:
    return user.abh_id or ""  # an ABH's place has the ABH's id (reference data)


def _hhmm(instant: dt.datetime, runtime: Runtime) -> str:
    return instant.astimezone(runtime.zone).strftime("%d.%m. %H:%M")


def _planned_pickups(session: Session, request_ids: list[str]) -> dict[str, dt.datetime]:
    """The pickup time of each request on a committed tour (what the crew will drive)."""
    if not request_ids:
        return {}
    rows = session.exec(
        select(TourStop.request_id, TourStop.start, TourStop.arrival)
        .join(Tour, col(Tour.id) == col(TourStop.tour_id))
        .where(
            col(TourStop.request_id).in_(request_ids),
            TourStop.type == StopType.PICKUP,
            col(Tour.is_committed).is_(True),
        )
    ).all()
    out: dict[str, dt.datetime] = {}
    for request_id, start, arrival in rows:
        if request_id and (at := start or arrival) is not None:
            out[request_id] = at
    return out


def _location_groups(session: Session) -> dict[LocationKind, list[tuple[str, str]]]:
    out: dict[LocationKind, list[tuple[str, str]]] = {}
    for place in session.exec(select(Location).order_by(col(Location.name))).all():
        out.setdefault(LocationKind(place.kind), []).append((place.id, place_label(place)))
    return out


def booked_flights(session: Session, runtime: Runtime) -> list[tuple[str, str]]:
    """Booked flights departing from today on (ZFA bookings: numbers and airports, no persons)."""
    today = dt.datetime.combine(runtime.clock.today(), dt.time(0), tzinfo=runtime.zone)
    legs: dict[int, list[FlightLeg]] = {}
    for leg in session.exec(select(FlightLeg).order_by(col(FlightLeg.flight_id), col(FlightLeg.seq))).all():
        legs.setdefault(leg.flight_id, []).append(leg)
    out = []
    for flight in session.exec(select(Flight).order_by(col(Flight.id))).all():
        chain = legs.get(flight.id or 0, [])
        if not chain or chain[0].departure < today or flight.needs_rebooking:
            continue
        route = "→".join([chain[0].origin_iata, *(g.destination_iata for g in chain)])
        numbers = ", ".join(g.flight_number for g in chain)
        out.append((str(flight.id), f"{numbers} {route}, ab {_hhmm(chain[0].departure, runtime)}"))
    return out


def _persons_of(form: Any) -> list[dict[str, str]]:
    count = form.get("persons_count", "1")
    total = int(count) if str(count).isdigit() else 1
    out = []
    for i in range(max(1, min(total, MAX_PERSONS))):
        person = {k: str(form.get(f"{k}_{i}", "")).strip() for k in PERSON_FIELDS}
        person |= {k: "on" if form.get(f"{k}_{i}") else "" for k in PERSON_FLAGS}
        out.append(person)
    return out


@router.post("/abh/auftraege", dependencies=[page_allow(Role.ABH)])
async def abh_submit(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in REQUEST_FIELDS}
    persons = _persons_of(form)
    action = str(form.get("action", "submit"))
    if action == "add":
        if len(persons) < MAX_PERSONS:
            persons.append({})
        return _abh(request, user, runtime, values=values, persons=persons, errors={})
    if action.startswith("remove_") and len(persons) > 1:
        index = action.removeprefix("remove_")
        if index.isdigit() and int(index) < len(persons):
            persons.pop(int(index))
        return _abh(request, user, runtime, values=values, persons=persons, errors={})
    errors: dict[str, str] = {}
    zone = runtime.zone

    def instant(key: str) -> dt.datetime | None:
        """Local time in the planning zone, or the offset the user gave."""
        try:
            given = dt.datetime.fromisoformat(values[key])
        except ValueError:
            errors[key] = "Datum und Uhrzeit angeben (TT.MM.JJJJ, hh:mm)."
            return None
        if not in_service_range(given.date()):
            errors[key] = OUT_OF_RANGE
            return None
        return given if given.tzinfo is not None else given.replace(tzinfo=zone)

    pickup_from, pickup_until, dropoff_until = (
        instant("pickup_from"),
        instant("pickup_until"),
        instant("dropoff_until"),
    )
    drafts = []
    for i, person in enumerate(persons):
        if person["gender"] not in ("m", "f", "d"):
            errors[f"gender_{i}"] = "Geschlecht wählen."  # the draft below only keeps the indices
        drafts.append(
            PersonDraft(
                person["case_ref"],
                person["nationality"].upper(),
                Gender(person["gender"] or "d")
                if person["gender"] in ("m", "f", "d", "")
                else Gender.DIVERSE,
                # a woman is always accompanied by a female escort, whether ticked or not
                requires_female_escort=bool(person["female_escort"]) or person["gender"] == "f",
                requires_medical_escort=bool(person["medical_escort"]),
                wheelchair=bool(person["wheelchair"]),
                requires_medical_reception=bool(person["medical_reception"]),
            )
        )
    for problem in check_persons(drafts):  # shown together with the form's own errors
        errors.setdefault(_form_field(problem.field), problem.message)
    if not values["dropoff_location"]:
        errors["dropoff_location"] = "Ziel wählen."
    if values["purpose"] not in PURPOSES:
        errors["purpose"] = "Zweck wählen."
    if not values["priority"].isdigit() or not 1 <= int(values["priority"]) <= 5:
        errors["priority"] = "Priorität 1 bis 5."
    if values["flight_id"] and not values["flight_id"].isdigit():
        errors["flight_id"] = "Flug aus der Liste wählen."
    if not errors and pickup_from and pickup_until and dropoff_until:
        draft = RequestDraft(
            persons=tuple(drafts),
            pickup=StopDraft(values["pickup_location"], pickup_from, pickup_until, 20),
            dropoff=StopDraft(values["dropoff_location"], pickup_from, dropoff_until, 30),
            priority=int(values["priority"]),
            purpose=TransportPurpose(values["purpose"]) if values["purpose"] else None,
            flight_id=int(values["flight_id"]) if values["flight_id"] else None,
            amit=bool(form.get("amit")),
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
                field = _form_field(problem.field)
                errors[field] = f"{errors[field]} {problem.message}" if field in errors else problem.message
        except LtrakoError as exc:
            return back_to("/web/abh", exc.message, "error")
        else:
            count = len(drafts)
            return back_to("/web/abh", f"Auftrag {new_id} mit {count} Person(en) eingereicht.")
    values["amit"] = "on" if form.get("amit") else ""
    return _abh(request, user, runtime, values=values, persons=persons, errors=errors)


def _form_field(api_field: str) -> str:
    """The form field an error of the service belongs to (`persons.1.case_ref` → `case_ref_1`)."""
    parts = api_field.split(".")
    if parts[0] == "persons" and len(parts) >= 3 and parts[1].isdigit():
        return f"{parts[2]}_{parts[1]}"
    mapping = {
        "persons": "form",
        "pickup.location": "pickup_location",
        "pickup.earliest": "pickup_from",
        "pickup.latest": "pickup_until",
        "dropoff.location": "dropoff_location",
        "dropoff.latest": "dropoff_until",
        "dropoff.earliest": "dropoff_until",
        "priority": "priority",
        "flight_id": "flight_id",
        "abh_id": "form",
    }
    for prefix, name in mapping.items():
        if api_field.startswith(prefix):
            return name
    return "form"
