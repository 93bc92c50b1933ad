"""Submitting, reading and listing transport requests, with access checks and audit."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pycountry
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, or_, select

from ltrako.core import audit, policy
from ltrako.core.clock import OUT_OF_RANGE, clock_of, in_service_range, local_label
from ltrako.core.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    Abh,
    AuditAction,
    AuditOutcome,
    Flight,
    FlightLeg,
    Gender,
    Location,
    Person,
    RequestOrigin,
    RequestStatus,
    TransportPurpose,
    TransportRequest,
    TransportRequestPerson,
)
from ltrako.requests import lifecycle
from ltrako.requests.reference import (
    airport_location,
    handover_lead_min,
    largest_vehicle_seats,
    responsible_zab,
    zab_for_regierungsbezirk,
)
from planner.model import HaversineTravel, LocationKind
from planner.model import Location as PlannerLocation
from planner.travel import haversine_meters, seconds_for

# Codes outside ISO 3166-1 that the statistics use: unknown, and Kosovo (EU practice).
EXTRA_NATIONALITIES = {"XXX": "unbekannt", "XKX": "Kosovo"}
CASE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,39}$")
PURPOSE_BY_KIND = {
    LocationKind.AIRPORT: TransportPurpose.FLIGHT,
    LocationKind.BORDER: TransportPurpose.DUBLIN_HANDOVER,
    LocationKind.EMBASSY: TransportPurpose.CONSULATE,
    LocationKind.COURT: TransportPurpose.COURT,
    LocationKind.FACILITY: TransportPurpose.DETENTION,
}


@dataclass(frozen=True, slots=True)
class PersonDraft:
    case_ref: str
    nationality: str
    gender: Gender
    requires_female_escort: bool = False
    requires_medical_escort: bool = False
    wheelchair: bool = False
    requires_medical_reception: bool = False


@dataclass(frozen=True, slots=True)
class StopDraft:
    location_id: str
    earliest: dt.datetime
    latest: dt.datetime
    service_min: int


@dataclass(frozen=True, slots=True)
class RequestDraft:
    persons: tuple[PersonDraft, ...]
    pickup: StopDraft
    dropoff: StopDraft
    priority: int = 3
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = None
    purpose: TransportPurpose | None = None
    escorts_required: int | None = None
    max_ride_min: int | None = None
    flight_id: int | None = None
    amit: bool = False  # a case of the Fokusprojekt aMIT (APS Anlage 3)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    request: TransportRequest
    persons: tuple[Person, ...] = field(default_factory=tuple)


def default_escorts_required(persons: int) -> int:
    """Two escorts for one person, one per person for groups, at most three (an assumption:
    no public ratio for ground transports exists, FACTS 3.3)."""
    return 2 if persons == 1 else min(persons, 3)


def is_known_nationality(code: str) -> bool:
    return code in EXTRA_NATIONALITIES or pycountry.countries.get(alpha_3=code) is not None


# ------------------------------------------------------------------------------ submit


def submit_request(
    session: Session,
    *,
    principal: Principal,
    draft: RequestDraft,
    timezone: str,
    travel: HaversineTravel,
) -> RequestRecord:
    """Validate and store a new request (status submitted). Nothing is written if anything fails."""
    abh_id = _authorize_submission(session, principal, draft)
    escorts = escorts_of(draft)
    problems = check_draft(session, draft, abh_id, timezone=timezone, travel=travel)
    if problems:
        raise InvalidInput(problems)
    pickup = session.get(Location, draft.pickup.location_id)
    assert pickup is not None
    zab = (
        responsible_zab(session, abh_id)
        if abh_id
        else zab_for_regierungsbezirk(session, pickup.regierungsbezirk_id or "")
    )
    if not policy.submits_to(principal, zab.id):
        _deny(
            session, principal, AuditAction.CREATE, "neu", "Der Auftrag gehört nicht in den Bezirk Ihrer ZAB."
        )
    request = TransportRequest(
        id=f"TR-{draft.pickup.earliest.astimezone(ZoneInfo(timezone)):%y%m%d}-{uuid.uuid4().hex[:6].upper()}",
        origin=draft.origin,
        abh_id=abh_id,
        zab_id=zab.id,
        status=RequestStatus.SUBMITTED,
        created_by=principal.subject,
        **request_fields(session, draft, escorts, timezone),
    )
    session.add(request)
    session.flush()
    lifecycle.record_created(session, request, actor=principal)
    persons = attach_persons(session, principal, request, draft.persons)
    audit.record(
        session, principal, action=AuditAction.CREATE, entity="transport_request", entity_id=request.id
    )
    session.flush()
    return RequestRecord(request, persons)


def escorts_of(draft: RequestDraft) -> int:
    if draft.escorts_required is not None:
        return draft.escorts_required
    return default_escorts_required(len(draft.persons))


def check_draft(
    session: Session, draft: RequestDraft, abh_id: str | None, *, timezone: str, travel: HaversineTravel
) -> list[FieldProblem]:
    """Every problem of a new or amended request, each at its field (German)."""
    pickup = session.get(Location, draft.pickup.location_id)
    dropoff = session.get(Location, draft.dropoff.location_id)
    zone = ZoneInfo(timezone)
    escorts = escorts_of(draft)
    problems = [
        *check_persons(draft.persons),
        *_check_stops(draft, pickup, dropoff, travel, zone, clock_of(session).today()),
        *_check_capacity(session, draft, escorts),
        *_check_origin(session, draft, pickup, abh_id),
        *_check_flight(session, draft, dropoff, zone),
    ]
    if escorts < 1:
        problems.append(
            FieldProblem("escorts_required", "Mindestens eine Begleitkraft angeben.", "min_escorts")
        )
    return problems


def request_fields(session: Session, draft: RequestDraft, escorts: int, timezone: str) -> dict[str, Any]:
    """The columns of a request that its draft decides (for submitting and amending)."""
    dropoff = session.get(Location, draft.dropoff.location_id)
    assert dropoff is not None  # checked
    return dict(
        purpose=draft.purpose or PURPOSE_BY_KIND.get(LocationKind(dropoff.kind), TransportPurpose.OTHER),
        service_date=draft.pickup.earliest.astimezone(ZoneInfo(timezone)).date(),
        persons=len(draft.persons),
        escorts_required=escorts,
        requires_female_escort=any(p.requires_female_escort for p in draft.persons),
        requires_medical_escort=any(p.requires_medical_escort for p in draft.persons),
        wheelchair=any(p.wheelchair for p in draft.persons),
        amit=draft.amit,
        priority=draft.priority,
        max_ride_min=draft.max_ride_min,
        pickup_location_id=draft.pickup.location_id,
        pickup_earliest=draft.pickup.earliest,
        pickup_latest=draft.pickup.latest,
        pickup_service_min=draft.pickup.service_min,
        dropoff_location_id=dropoff.id,
        dropoff_earliest=draft.dropoff.earliest,
        dropoff_latest=draft.dropoff.latest,
        dropoff_service_min=draft.dropoff.service_min,
        flight_id=draft.flight_id,
    )


def attach_persons(
    session: Session, principal: Principal, request: TransportRequest, drafts: Sequence[PersonDraft]
) -> tuple[Person, ...]:
    """The request carries exactly these persons (created or updated by their case refs)."""
    owner = request.abh_id or request.zab_id  # a state facility's case refs are its ZAB's
    session.exec(delete(TransportRequestPerson).where(col(TransportRequestPerson.request_id) == request.id))
    persons = tuple(upsert_person(session, principal, owner, request.abh_id, p) for p in drafts)
    for person in persons:
        assert person.id is not None  # flushed
        session.add(TransportRequestPerson(request_id=request.id, person_id=person.id))
    return persons


def draft_of(record: RequestRecord) -> RequestDraft:
    """A stored request as the draft it could have been submitted with (the base of an amendment)."""
    r = record.request
    return RequestDraft(
        persons=tuple(
            PersonDraft(
                p.case_ref,
                p.nationality,
                Gender(p.gender),
                p.requires_female_escort,
                p.requires_medical_escort,
                p.wheelchair,
                p.requires_medical_reception,
            )
            for p in record.persons
        ),
        pickup=StopDraft(r.pickup_location_id, r.pickup_earliest, r.pickup_latest, r.pickup_service_min),
        dropoff=StopDraft(r.dropoff_location_id, r.dropoff_earliest, r.dropoff_latest, r.dropoff_service_min),
        priority=r.priority,
        origin=RequestOrigin(r.origin),
        abh_id=r.abh_id,
        purpose=TransportPurpose(r.purpose),
        escorts_required=r.escorts_required,
        max_ride_min=r.max_ride_min,
        flight_id=r.flight_id,
        amit=r.amit,
    )


def _deny(
    session: Session,
    principal: Principal,
    action: AuditAction,
    entity_id: str,
    message: str,
    context: str | None = None,
) -> NoReturn:
    """Record the refused access (it survives the rollback) and refuse."""
    audit.record(
        session,
        principal,
        action=action,
        entity="transport_request",
        entity_id=entity_id,
        outcome=AuditOutcome.DENIED,
        context=context,
    )
    raise Forbidden(message, audited=True)


def _audit_read(session: Session, principal: Principal, request_id: str, context: str | None) -> None:
    audit.record(
        session,
        principal,
        action=AuditAction.READ,
        entity="transport_request",
        entity_id=request_id,
        context=context,
    )


def _authorize_submission(session: Session, principal: Principal, draft: RequestDraft) -> str | None:
    """The ABH the request belongs to (None for state facilities); Forbidden for other roles."""
    if not policy.has_role(principal, policy.SUBMIT):
        _deny(
            session,
            principal,
            AuditAction.CREATE,
            "neu",
            "Ihre Rolle darf keine Transportaufträge einreichen.",
        )
    try:
        return policy.submitting_abh(principal, draft.origin, draft.abh_id)
    except Forbidden as refused:
        _deny(session, principal, AuditAction.CREATE, "neu", refused.message)


def check_persons(persons: Sequence[PersonDraft]) -> list[FieldProblem]:
    """Case references (pseudonyms, no names), nationalities; for requests and removal cases."""
    problems = []
    if not persons:
        problems.append(FieldProblem("persons", "Mindestens eine Person angeben.", "missing"))
    seen: set[str] = set()
    for i, person in enumerate(persons):
        if not CASE_REF.fullmatch(person.case_ref):  # `$` alone lets a trailing newline through
            problems.append(
                FieldProblem(
                    f"persons.{i}.case_ref",
                    "Aktenzeichen: 3–40 Zeichen aus Buchstaben, Ziffern und . _ / - (keine Namen).",
                    "case_ref",
                )
            )
        if person.case_ref in seen:
            problems.append(
                FieldProblem(f"persons.{i}.case_ref", "Aktenzeichen doppelt angegeben.", "duplicate")
            )
        seen.add(person.case_ref)
        if not is_known_nationality(person.nationality):
            problems.append(
                FieldProblem(
                    f"persons.{i}.nationality",
                    f"Unbekannter Ländercode {person.nationality!r} (ISO 3166-1 alpha-3, XXX = unbekannt).",
                    "nationality",
                )
            )
    return problems


def _check_stops(
    draft: RequestDraft,
    pickup: Location | None,
    dropoff: Location | None,
    travel: HaversineTravel,
    zone: ZoneInfo,
    today: dt.date,
) -> list[FieldProblem]:
    problems = []
    for name, stop, found in (("pickup", draft.pickup, pickup), ("dropoff", draft.dropoff, dropoff)):
        if found is None:
            problems.append(
                FieldProblem(f"{name}.location", f"Unbekannter Ort {stop.location_id!r}.", "unknown_location")
            )
        for edge, instant in (("earliest", stop.earliest), ("latest", stop.latest)):
            if not in_service_range(instant.date()):
                problems.append(FieldProblem(f"{name}.{edge}", OUT_OF_RANGE, "date_range"))
        if stop.latest < stop.earliest:
            problems.append(FieldProblem(f"{name}.latest", "Zeitfenster endet vor seinem Beginn.", "window"))
    if problems:
        return problems
    if draft.pickup.earliest.astimezone(zone).date() < today:
        problems.append(
            FieldProblem(
                "pickup.earliest", f"Der Tag liegt in der Vergangenheit (heute: {today:%d.%m.%Y}).", "past"
            )
        )
    if pickup is not None and dropoff is not None and pickup.id == dropoff.id:
        problems.append(FieldProblem("dropoff.location", "Abhol- und Zielort sind gleich.", "same_location"))
    if problems or pickup is None or dropoff is None:
        return problems
    ride = seconds_for(haversine_meters(_point(pickup), _point(dropoff), travel.circuity), travel.speed_kmh)
    arrival = draft.pickup.earliest + dt.timedelta(minutes=draft.pickup.service_min, seconds=ride)
    if arrival > draft.dropoff.latest:
        problems.append(
            FieldProblem(
                "dropoff.latest",
                f"Übergabe spätestens {_hhmm(draft.dropoff.latest, zone)} ist nicht erreichbar: "
                f"Abholung frühestens {_hhmm(draft.pickup.earliest, zone)}, Fahrzeit etwa {_duration(ride)}.",
                "unreachable",
            )
        )
    return problems


def _check_flight(
    session: Session, draft: RequestDraft, dropoff: Location | None, zone: ZoneInfo
) -> list[FieldProblem]:
    """The booked flight and the hand-over: at the flight's first airport, on the day of its
    departure, at the latest the airport's hand-over lead time before it."""
    if draft.flight_id is None:
        return []
    if session.get(Flight, draft.flight_id) is None:
        return [FieldProblem("flight_id", f"Flug {draft.flight_id} ist nicht erfasst.", "unknown_flight")]
    first = session.exec(
        select(FlightLeg).where(FlightLeg.flight_id == draft.flight_id).order_by(col(FlightLeg.seq))
    ).first()
    if first is None or dropoff is None:
        return []
    departure = first.departure.astimezone(zone)
    when = local_label(departure, zone, "%d.%m.%Y %H:%M")
    flight = f"Flug {first.flight_number} ({first.origin_iata}, Abflug {when})"
    if dropoff.id != airport_location(first.origin_iata):
        return [
            FieldProblem(
                "dropoff.location",
                f"{flight} startet in {first.origin_iata}: "
                f"Übergabe am Flughafen {first.origin_iata} angeben.",
                "flight_airport",
            )
        ]
    latest = draft.dropoff.latest.astimezone(zone)
    if latest.date() != departure.date():
        return [
            FieldProblem(
                "dropoff.latest", f"Die Übergabe muss am Abflugtag von {flight} liegen.", "flight_day"
            )
        ]
    lead = handover_lead_min(first.origin_iata)
    handover = departure - dt.timedelta(minutes=lead)
    if latest > handover:
        return [
            FieldProblem(
                "dropoff.latest",
                f"Übergabe spätestens {local_label(handover, zone)}: "
                f"{lead} Minuten vor dem Abflug von {flight}.",
                "flight_lead",
            )
        ]
    return []


def _check_capacity(session: Session, draft: RequestDraft, escorts: int) -> list[FieldProblem]:
    needed = len(draft.persons) + escorts
    largest = largest_vehicle_seats(session)
    if needed > largest:
        return [
            FieldProblem(
                "persons",
                f"{len(draft.persons)} Personen und {escorts} Begleitkräfte ({needed} Plätze) passen in kein "
                f"Fahrzeug (größtes: {largest} Plätze). Bitte auf mehrere Aufträge aufteilen.",
                "capacity",
            )
        ]
    if any(p.wheelchair for p in draft.persons) and needed > largest_vehicle_seats(session, wheelchair=True):
        return [FieldProblem("persons", "Kein rollstuhlgerechtes Fahrzeug hat so viele Plätze.", "capacity")]
    return []


def _check_origin(
    session: Session, draft: RequestDraft, pickup: Location | None, abh_id: str | None
) -> list[FieldProblem]:
    if draft.origin is RequestOrigin.MUNICIPAL:
        if abh_id is None:
            return [FieldProblem("abh_id", "ABH angeben (Auftrag aus dem kommunalen Bereich).", "missing")]
        if session.get(Abh, abh_id) is None:
            return [FieldProblem("abh_id", f"Unbekannte ABH {abh_id!r}.", "unknown_abh")]
        return []
    if pickup is not None and (pickup.kind != LocationKind.FACILITY or not pickup.regierungsbezirk_id):
        return [
            FieldProblem(
                "pickup.location",
                "Aufträge aus Landeseinrichtungen beginnen an einer Einrichtung in NRW.",
                "origin",
            )
        ]
    return []


def upsert_person(
    session: Session, principal: Principal, owner_id: str, abh_id: str | None, draft: PersonDraft
) -> Person:
    """The person of `owner_id` (the ABH, or for state facilities the ZAB) with this case ref,
    created or updated with the draft's facts. Case refs of other authorities are never touched.

    Two submissions creating the same new person at once: the second insert fails on the
    unique key inside its savepoint and takes the row the first one stored."""
    person = _person(session, owner_id, draft.case_ref)
    action = AuditAction.UPDATE if person else AuditAction.CREATE
    if person is None:
        fresh = Person(
            case_ref=draft.case_ref,
            owner_id=owner_id,
            abh_id=abh_id,
            nationality=draft.nationality,
            gender=draft.gender,
        )
        try:
            with session.begin_nested():
                session.add(fresh)
        except IntegrityError:
            found = _person(session, owner_id, draft.case_ref)
            if found is None:
                raise
            person, action = found, AuditAction.UPDATE
        else:
            person = fresh
    person.nationality = draft.nationality
    person.gender = draft.gender
    person.requires_female_escort = draft.requires_female_escort
    person.requires_medical_escort = draft.requires_medical_escort
    person.wheelchair = draft.wheelchair
    person.requires_medical_reception = draft.requires_medical_reception
    session.add(person)
    session.flush()
    audit.record(session, principal, action=action, entity="person", entity_id=str(person.id))
    return person


def _person(session: Session, owner_id: str, case_ref: str) -> Person | None:
    return session.exec(
        select(Person).where(Person.owner_id == owner_id, Person.case_ref == case_ref)
    ).first()


def _point(location: Location) -> PlannerLocation:
    return PlannerLocation(
        location.id, location.name, location.lat, location.lon, LocationKind(location.kind)
    )


def _hhmm(instant: dt.datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d.%m. %H:%M")


def _duration(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


# -------------------------------------------------------------------------------- read


def get_request(
    session: Session, *, principal: Principal, request_id: str, context: str | None = None
) -> RequestRecord:
    """One request with its persons. For anyone who may not see it, the request is not there
    (404, as for an unknown id, so that ids cannot be probed); the refusal is audited."""
    request = session.get(TransportRequest, request_id)
    if request is None:
        raise NotFound("Transportauftrag", request_id)
    if not policy.reads_request(principal, request):
        audit.not_found(
            session,
            principal,
            action=AuditAction.READ,
            entity="transport_request",
            entity_id=request_id,
            label="Transportauftrag",
            context=context,
        )
    _audit_read(session, principal, request_id, context)
    return RequestRecord(request, _persons_of(session, [request.id]).get(request.id, ()))


def list_requests(
    session: Session,
    *,
    principal: Principal,
    day: dt.date | None = None,
    status: RequestStatus | None = None,
    limit: int = 100,
    offset: int = 0,
    context: str | None = None,
) -> list[RequestRecord]:
    """The requests the principal may see, newest day first; each one read is audited."""
    if not policy.has_role(principal, policy.CASE_READ):
        message = "Ihre Rolle sieht nur zusammengefasste Zahlen, keine Einzelfälle."
        _deny(session, principal, AuditAction.READ, "*", message, context)
    query = select(TransportRequest)
    if (abh := policy.abh_of(principal)) is not None:
        query = query.where(TransportRequest.abh_id == abh)
    elif (zab := policy.zab_of(principal)) is not None:  # its district's, and those it carries
        query = query.where(or_(TransportRequest.zab_id == zab, TransportRequest.carrier_zab_id == zab))
    if day is not None:
        query = query.where(TransportRequest.service_date == day)
    if status is not None:
        query = query.where(TransportRequest.status == status)
    query = (
        query.order_by(col(TransportRequest.service_date).desc(), TransportRequest.id)
        .limit(limit)
        .offset(offset)
    )
    rows = session.exec(query).all()
    persons = _persons_of(session, [r.id for r in rows])
    for row in rows:
        _audit_read(session, principal, row.id, context)
    return [RequestRecord(row, persons.get(row.id, ())) for row in rows]


def _persons_of(session: Session, request_ids: Sequence[str]) -> dict[str, tuple[Person, ...]]:
    if not request_ids:
        return {}
    pairs = session.exec(
        select(TransportRequestPerson.request_id, Person)
        .join(Person, col(Person.id) == col(TransportRequestPerson.person_id))
        .where(col(TransportRequestPerson.request_id).in_(request_ids))
        .order_by(col(Person.id))
    ).all()
    out: dict[str, list[Person]] = {}
    for request_id, person in pairs:
        out.setdefault(request_id, []).append(person)
    return {k: tuple(v) for k, v in out.items()}
