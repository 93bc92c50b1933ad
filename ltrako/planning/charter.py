"""Sammelcharter: cases waiting for a flight home, the seat choice, and the feeder transports.

The ABH (or the district's ZAB) records a case waiting for removal (`RemovalCase`): its
persons, where to fetch them, whether they may travel. The ZFA records a charter and plans
it: every open case for the charter's destination is checked for readiness (documents, no
legal obstacle, medical reception confirmed where a person needs one, deadline not passed),
CP-SAT chooses among the ready ones by priority and deadline (planner.charter), and the
planner plans the feeder transports to the airport across all five ZABs, around the tours
already committed that day. A chosen case whose feeder cannot be planned gives up its seat
and the choice is made again without it (up to ROUNDS times). The report says who is
chosen, who drives them, and why every other case is not; ids only, no names.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.db import transaction
from ltrako.core.errors import FieldProblem, InvalidInput, NotFound
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import (
    Abh,
    AuditAction,
    CaseStatus,
    Charter,
    CharterStatus,
    Flight,
    Location,
    MedicalReception,
    Person,
    ReceptionStatus,
    RemovalCase,
    RemovalCasePerson,
    RequestOrigin,
)
from ltrako.planning.dayplan import DEFAULT_SOLVE, ensure_valid_plan, reason_label
from ltrako.planning.scenario import export_scenario
from ltrako.requests import notifications
from ltrako.requests.reference import responsible_zab, zab_for_regierungsbezirk
from ltrako.requests.submission import (
    PersonDraft,
    check_persons,
    default_escorts_required,
    is_known_nationality,
    upsert_person,
)
from planner import model as pm
from planner.charter import (
    CharterCandidate,
    CharterSeats,
    SeatSelection,
    escorts_on_board,
    select_passengers,
    without,
)
from planner.clock import Clock
from planner.io import write_plan
from planner.params import SolveParams
from planner.solve import solve
from planner.validate import validate

log = logging.getLogger(__name__)
Solver = Callable[[pm.Scenario, SolveParams], pm.Plan]
ROUNDS = 3
FEEDER_LEAD_H = 8  # earliest pickup: this long before check-in
AIRPORT_WAIT_H = 4  # earliest arrival at the airport before check-in
PICKUP_SERVICE_MIN = 20
HANDOVER_SERVICE_MIN = 30
REASONS_DE = {
    "documents_missing": "Reisedokumente fehlen",
    "legal_obstacle": "rechtliches Hindernis erfasst",
    "medical_reception_unconfirmed": "medizinische Inempfangnahme nicht bestätigt",
    "deadline_passed": "Frist endet vor dem Flugtag",
    "no_seat": "kein Platz mehr: vorrangige Fälle belegen die Sitze",
    "feeder_not_plannable": "Zubringer zum Flughafen nicht planbar",
    "other_charter": "für einen anderen Sammelcharter ausgewählt",
}


# ---------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class CaseDraft:
    persons: Sequence[PersonDraft]
    pickup_location_id: str
    destination_country: str
    priority: int
    documents_ready: bool = False
    legal_obstacle: bool = False
    deadline: dt.date | None = None
    deadline_kind: str | None = None
    origin: RequestOrigin = RequestOrigin.MUNICIPAL
    abh_id: str | None = None  # the ABH's own id for role abh; ZAB/admin name it (municipal)


def register_case(session: Session, principal: Principal, draft: CaseDraft) -> RemovalCase:
    """Record a case waiting for removal; InvalidInput names each bad field."""
    policy.require_role(principal, policy.REMOVAL_CASES, "Fälle erfassen ABH und ZAB.")
    abh_id = policy.submitting_abh(principal, draft.origin, draft.abh_id)
    problems = _check_case(session, draft, abh_id)
    if problems:
        raise InvalidInput(problems)
    pickup = session.get(Location, draft.pickup_location_id)
    assert pickup is not None
    if draft.origin is RequestOrigin.MUNICIPAL:
        assert abh_id is not None
        zab_id = responsible_zab(session, abh_id).id
    else:
        zab_id = zab_for_regierungsbezirk(session, pickup.regierungsbezirk_id or "").id
        abh_id = None
    policy.require(policy.submits_to(principal, zab_id), "Fall gehört zu einer anderen ZAB.")
    case = RemovalCase(
        abh_id=abh_id,
        zab_id=zab_id,
        origin=draft.origin,
        destination_country=draft.destination_country.upper(),
        pickup_location_id=draft.pickup_location_id,
        documents_ready=draft.documents_ready,
        legal_obstacle=draft.legal_obstacle,
        priority=draft.priority,
        deadline=draft.deadline,
        deadline_kind=draft.deadline_kind,
        created_by=principal.subject,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    for person_draft in draft.persons:
        person = upsert_person(session, principal, abh_id or zab_id, abh_id, person_draft)
        assert person.id is not None
        session.add(RemovalCasePerson(case_id=case.id, person_id=person.id))
    audit.record(session, principal, action=AuditAction.CREATE, entity="removal_case", entity_id=str(case.id))
    return case


def _check_case(session: Session, draft: CaseDraft, abh_id: str | None) -> list[FieldProblem]:
    problems = check_persons(draft.persons)  # the same rules as for transport requests: no names
    problems += _destination_problems(draft.destination_country)
    if not 1 <= draft.priority <= 5:
        problems.append(FieldProblem("priority", "Priorität 1 (niedrig) bis 5 (hoch)."))
    if session.get(Location, draft.pickup_location_id) is None:
        problems.append(FieldProblem("pickup_location", f"Unbekannter Ort {draft.pickup_location_id!r}."))
    if draft.origin is RequestOrigin.MUNICIPAL and not abh_id:
        problems.append(FieldProblem("abh_id", "Für den kommunalen Bereich die ABH angeben."))
    elif draft.origin is RequestOrigin.MUNICIPAL and session.get(Abh, abh_id) is None:
        problems.append(FieldProblem("abh_id", f"Unbekannte ABH {abh_id!r}.", "unknown_abh"))
    if draft.deadline_kind not in (None, "dublin", "detention", "other"):
        problems.append(FieldProblem("deadline_kind", "dublin, detention oder other."))
    return problems


def _destination_problems(code: str) -> list[FieldProblem]:
    if is_known_nationality(code.upper()) and code.upper() != "XXX":
        return []
    return [FieldProblem("destination_country", "Zielstaat als ISO-3166-alpha-3-Code angeben.")]


def update_readiness(
    session: Session,
    principal: Principal,
    *,
    case_id: int,
    documents_ready: bool | None = None,
    legal_obstacle: bool | None = None,
    priority: int | None = None,
) -> RemovalCase:
    """What changes while a case waits: papers arrive, an obstacle is recorded or lifted."""
    case = _case_for(session, principal, case_id)
    if priority is not None and not 1 <= priority <= 5:
        raise InvalidInput([FieldProblem("priority", "Priorität 1 (niedrig) bis 5 (hoch).")])
    case.documents_ready = case.documents_ready if documents_ready is None else documents_ready
    case.legal_obstacle = case.legal_obstacle if legal_obstacle is None else legal_obstacle
    case.priority = priority or case.priority
    session.add(case)
    audit.updated(session, principal, "removal_case", case.id, "readiness")
    return case


def _case_for(session: Session, principal: Principal, case_id: int) -> RemovalCase:
    case = session.get(RemovalCase, case_id)
    if case is None:
        raise NotFound("Fall", str(case_id))
    policy.require(policy.owns_case(principal, case), "Fall einer anderen Behörde.")
    return case


# ---------------------------------------------------------------------------- charters


def create_charter(
    session: Session,
    principal: Principal,
    *,
    airport_iata: str,
    destination_country: str,
    seats: int,
    escort_seats: int,
    check_in: dt.datetime,
    timezone: str,
    flight_id: int | None = None,
) -> Charter:
    """A charter as the ZFA books it; the flight date is check-in's local date."""
    policy.require_role(principal, policy.CHARTER, "Sammelcharter plant die ZFA.")
    problems = []
    airport = session.get(Location, f"AP-{airport_iata.upper()}")
    if airport is None or airport.kind != pm.LocationKind.AIRPORT:
        problems.append(FieldProblem("airport", f"Kein bekannter Flughafen {airport_iata!r} (IATA)."))
    problems += _destination_problems(destination_country)
    code = destination_country.upper()
    if seats < 1:
        problems.append(FieldProblem("seats", "Mindestens ein Platz."))
    if escort_seats < 0:
        problems.append(FieldProblem("escort_seats", "Nicht negativ."))
    if check_in.tzinfo is None:
        problems.append(FieldProblem("check_in", "Zeit mit UTC-Versatz angeben."))
    if flight_id is not None and session.get(Flight, flight_id) is None:  # else a foreign-key 500
        problems.append(FieldProblem("flight_id", f"Flug {flight_id} ist nicht erfasst.", "unknown_flight"))
    if problems:
        raise InvalidInput(problems)
    assert airport is not None
    local = check_in.astimezone(ZoneInfo(timezone))
    charter = Charter(
        flight_date=local.date(),
        airport_location_id=airport.id,
        destination_country=code,
        seats=seats,
        escort_seats=escort_seats,
        check_in=check_in,
        flight_id=flight_id,
        created_by=principal.subject,
    )
    session.add(charter)
    session.flush()
    audit.record(session, principal, action=AuditAction.CREATE, entity="charter", entity_id=str(charter.id))
    return charter


def get_charter(session: Session, principal: Principal, charter_id: int) -> Charter:
    """The charter with its report (case ids: the ZFA and the ZABs that drive; not the ministry)."""
    policy.require_role(principal, policy.CHARTER_REPORT, "Den Charterbericht sehen ZFA und ZAB.")
    charter = session.get(Charter, charter_id)
    if charter is None:
        raise NotFound("Charter", str(charter_id))
    audit.record(session, principal, action=AuditAction.READ, entity="charter", entity_id=str(charter_id))
    return charter


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """A case as the choice sees it (ids and flags, no personal data)."""

    case: RemovalCase
    persons: int
    female_escort: bool
    medical_escort: bool
    wheelchair: bool
    unconfirmed_receptions: int

    @property
    def key(self) -> str:
        return f"C{self.case.id}"


def readiness_problem(facts: CaseFacts, flight_date: dt.date) -> str | None:
    """Why a case may not fly on `flight_date`, or None if it is ready."""
    case = facts.case
    if not case.documents_ready:
        return "documents_missing"
    if case.legal_obstacle:
        return "legal_obstacle"
    if facts.unconfirmed_receptions:
        return "medical_reception_unconfirmed"
    if case.deadline is not None and case.deadline < flight_date:
        return "deadline_passed"
    return None


def plan_charter(
    runtime: Runtime,
    principal: Principal,
    *,
    charter_id: int,
    params: SolveParams = DEFAULT_SOLVE,
    solver: Solver = solve,
) -> Charter:
    """Choose the passengers and plan their feeders; the report is stored on the charter.

    Runs in a planning worker (job kind charter_plan), never inside a request."""
    policy.require_role(principal, policy.CHARTER, "Sammelcharter plant die ZFA.")
    tz = runtime.settings.timezone
    with transaction(runtime.sessions) as session:
        charter = get_charter(session, principal, charter_id)
        facts = _candidates(session, charter)
        clock = Clock(charter.flight_date, tz)
    with transaction(runtime.sessions) as session:
        elsewhere = chosen_elsewhere(session, charter_id)
    not_ready = {f.key: p for f in facts if (p := readiness_problem(f, charter.flight_date))}
    not_ready |= {f.key: "other_charter" for f in facts if f.case.id in elsewhere and f.key not in not_ready}
    ready = [f for f in facts if f.key not in not_ready]
    seats = CharterSeats(charter.seats, charter.escort_seats)
    candidates = [_candidate(f, charter.flight_date, rank) for rank, f in enumerate(ready)]
    excluded: dict[str, str] = {}
    for round_no in range(1, ROUNDS + 1):
        selection = select_passengers(without(candidates, set(excluded)), seats)
        feeders = [_feeder(f, charter, clock) for f in ready if f.key in selection.chosen]
        with transaction(runtime.sessions) as session:
            scenario = export_scenario(
                session,
                day=charter.flight_date,
                timezone=tz,
                travel=runtime.travel,
                cross_zab=True,
                statuses=(),
                extra_requests=feeders,
            )
        plan = solver(scenario, params)  # `params` per round
        unserved = {u.request: u.reason.value for u in plan.unassigned if u.request in selection.chosen}
        if not unserved:
            break
        excluded.update(unserved)
        log.info("charter %s round %s: %s feeders not plannable", charter_id, round_no, len(unserved))
    else:  # the last round still left someone without a feeder: they do not fly
        selection = _drop(selection, set(unserved), candidates)
    ensure_valid_plan(scenario, plan)  # feeders that break a rule are not stored
    report = _report(charter, facts, not_ready, excluded, selection, scenario, plan, clock, round_no)
    with transaction(runtime.sessions) as session:
        stored = session.get(Charter, charter_id)
        assert stored is not None
        stored.plan, stored.status = report, CharterStatus.PLANNED
        stored.planned_at = clock_of(session).now()
        session.add(stored)
        audit.updated(session, principal, "charter", charter_id, f"plan {len(selection.chosen)} Fälle")
        for f in facts:
            if f.case.abh_id and f.key in selection.chosen:
                text = (
                    f"Abschiebungsfall {f.case.id}: für den Sammelcharter {charter_id} "
                    f"am {charter.flight_date:%d.%m.%Y} ausgewählt."
                )
                notifications.notify_case(session, f.case.abh_id, text)
        return stored


def chosen_elsewhere(session: Session, charter_id: int) -> set[int]:
    """Cases chosen by another planned (not yet booked) charter: not chosen again here.
    Booked cases are no longer open, so no charter considers them."""
    others = session.exec(
        select(Charter).where(Charter.status == CharterStatus.PLANNED, col(Charter.id) != charter_id)
    ).all()
    return {int(row["case_id"]) for other in others for row in (other.plan or {}).get("chosen", [])}


def _candidates(session: Session, charter: Charter) -> list[CaseFacts]:
    cases = session.exec(
        select(RemovalCase)
        .where(
            RemovalCase.destination_country == charter.destination_country,
            RemovalCase.status == CaseStatus.OPEN,
        )
        .order_by(col(RemovalCase.created_at), col(RemovalCase.id))
    ).all()
    members: dict[int, list[Person]] = {}
    for case_id, person in session.exec(
        select(RemovalCasePerson.case_id, Person)
        .join(Person, col(RemovalCasePerson.person_id) == col(Person.id))
        .where(col(RemovalCasePerson.case_id).in_([c.id for c in cases]))
    ):
        members.setdefault(case_id, []).append(person)
    flagged = [p.id for group in members.values() for p in group if p.requires_medical_reception]
    confirmed = set(
        session.exec(
            select(MedicalReception.person_id).where(
                col(MedicalReception.person_id).in_(flagged),
                MedicalReception.destination_country == charter.destination_country,
                MedicalReception.status == ReceptionStatus.CONFIRMED,
            )
        ).all()
    )
    out = []
    for case in cases:
        persons = members.get(case.id or 0, [])
        out.append(
            CaseFacts(
                case,
                len(persons),
                any(p.requires_female_escort for p in persons),
                any(p.requires_medical_escort for p in persons),
                any(p.wheelchair for p in persons),
                sum(p.requires_medical_reception and p.id not in confirmed for p in persons),
            )
        )
    return out


def _candidate(facts: CaseFacts, flight_date: dt.date, rank: int) -> CharterCandidate:
    deadline = facts.case.deadline
    return CharterCandidate(
        id=facts.key,
        persons=facts.persons,
        escorts=escorts_on_board(facts.persons),
        priority=facts.case.priority,
        deadline_days=None if deadline is None else (deadline - flight_date).days,
        waiting_rank=rank,
    )


def _feeder(facts: CaseFacts, charter: Charter, clock: Clock) -> pm.Request:
    check_in = clock.seconds(charter.check_in)
    case = facts.case
    return pm.Request(
        id=facts.key,
        zab=case.zab_id,
        abh=case.abh_id,
        persons=facts.persons,
        escorts_required=default_escorts_required(facts.persons),
        requires_female_escort=facts.female_escort,
        requires_medical_escort=facts.medical_escort,
        wheelchair=facts.wheelchair,
        priority=case.priority,
        max_ride_min=None,
        pickup=pm.StopWindow(
            case.pickup_location_id, check_in - FEEDER_LEAD_H * 3600, check_in - 3600, PICKUP_SERVICE_MIN
        ),
        dropoff=pm.StopWindow(
            charter.airport_location_id, check_in - AIRPORT_WAIT_H * 3600, check_in, HANDOVER_SERVICE_MIN
        ),
    )


def _drop(selection: SeatSelection, dropped: set[str], candidates: list[CharterCandidate]) -> SeatSelection:
    kept = tuple(c for c in selection.chosen if c not in dropped)
    by_id = {c.id: c for c in candidates}
    return SeatSelection(
        chosen=kept,
        persons=sum(by_id[c].persons for c in kept),
        escorts=sum(by_id[c].escorts for c in kept),
    )


def _report(
    charter: Charter,
    facts: list[CaseFacts],
    not_ready: dict[str, str],
    excluded: dict[str, str],
    selection: SeatSelection,
    scenario: pm.Scenario,
    plan: pm.Plan,
    clock: Clock,
    rounds: int,
) -> dict[str, Any]:
    chosen = set(selection.chosen)
    rides = _rides(plan, chosen, {v.id: v.zab for v in scenario.vehicles})
    chosen_rows, other_rows = [], []
    for f in facts:
        row: dict[str, Any] = {
            "case_id": f.case.id,
            "zab_id": f.case.zab_id,
            "abh_id": f.case.abh_id,
            "persons": f.persons,
            "priority": f.case.priority,
            "deadline": f.case.deadline.isoformat() if f.case.deadline else None,
        }
        if f.key in chosen:
            vehicle, zab, pickup, arrival = rides[f.key]
            row |= {
                "vehicle": vehicle,
                "carrier_zab_id": zab,
                "pickup_at": clock.instant(pickup).isoformat(),
                "arrival_at": clock.instant(arrival).isoformat(),
            }
            chosen_rows.append(row)
            continue
        reason = not_ready.get(f.key) or ("feeder_not_plannable" if f.key in excluded else "no_seat")
        label = REASONS_DE[reason]
        if reason == "feeder_not_plannable":
            label += f" ({reason_label(excluded[f.key])})"
        other_rows.append(row | {"reason": reason, "reason_label": label})
    violations = validate(scenario, plan)
    return {
        "charter_id": charter.id,
        "flight_date": charter.flight_date.isoformat(),
        "airport": charter.airport_location_id,
        "destination_country": charter.destination_country,
        "check_in": clock.instant(clock.seconds(charter.check_in)).isoformat(),
        "seats": charter.seats,
        "escort_seats": charter.escort_seats,
        "seats_used": selection.persons,
        "escort_seats_used": selection.escorts,
        "rounds": rounds,
        "chosen": chosen_rows,
        "not_chosen": other_rows,
        "feeder_violations": [str(v) for v in violations],
        "committed_tours_kept": len(scenario.locked),
        "feeder_plan": write_plan(plan, timezone=scenario.timezone),
    }


def _rides(plan: pm.Plan, chosen: set[str], zab_of: dict[str, str]) -> dict[str, tuple[str, str, int, int]]:
    """Per chosen case: vehicle, its ZAB, pickup start and arrival at the airport (seconds)."""
    out: dict[str, tuple[str, str, int, int]] = {}
    pickups: dict[str, tuple[str, int]] = {}
    for tour in plan.tours:
        for stop in tour.stops:
            if stop.request not in chosen:
                continue
            if stop.type is pm.StopType.PICKUP:
                pickups[stop.request] = (tour.vehicle, stop.start)
            elif stop.type is pm.StopType.DROPOFF:
                vehicle, start = pickups[stop.request]
                out[stop.request] = (vehicle, zab_of[vehicle], start, stop.arrival)
    return out
