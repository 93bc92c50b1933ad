"""The first pass per ZAB: plan a day, accept proposed tours, reject requests into the pool.

A dispatcher (role `zab`) plans the day of their ZAB (`cross_zab` false): requests that are
submitted or proposed, with the ZAB's committed tours locked. The proposal is stored as a
plan version; accepting a tour commits it (requests → angenommen), rejecting a request moves
it into the Restplatzbörse with the reason. Each decision is one transaction and audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from sqlmodel import Session, col, func, select

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.db import transaction
from ltrako.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PlanInvalid
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import AuditAction, PlanVersion, RequestStatus, TransportRequest, Zab
from ltrako.planning import convert, roster
from ltrako.planning.clearance import HELD, HELD_PREFIX, ensure_cleared, held
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tour import DayPlan, keeps_commitment, with_state
from ltrako.planning.tours import committed_tours, conflicts, save_committed
from ltrako.requests import lifecycle, notifications
from planner import model as pm
from planner.io import write_plan
from planner.params import SolveParams
from planner.solve import solve
from planner.validate import validate

S = RequestStatus
Solver = Callable[[pm.Scenario, SolveParams], pm.Plan]
FIRST_PASS = (S.SUBMITTED, S.PLANNED)
DEFAULT_SOLVE = SolveParams()  # a dispatcher's day: 20 s, seed 0


class RejectReason(StrEnum):
    """Why a ZAB does not drive a request (its own reasons and the planner's)."""

    NO_STAFF = "no_staff"
    NO_VEHICLE = "no_vehicle"
    SECURITY = "security"
    NO_CAPACITY = "no_capacity"
    NO_QUALIFIED_ESCORT = "no_qualified_escort"
    NO_WHEELCHAIR_VEHICLE = "no_wheelchair_vehicle"
    TIME_WINDOW = "time_window"
    INFEASIBLE_ALONE = "infeasible_alone"
    LOCKED_CONFLICT = "locked_conflict"
    NOT_CLEARED = "not_cleared"  # held: transit, medical reception or Dublin deadline (clearance)
    OTHER = "other"


REASON_LABELS_DE = {
    RejectReason.NO_STAFF: "kein Personal verfügbar",
    RejectReason.NO_VEHICLE: "kein Fahrzeug verfügbar",
    RejectReason.SECURITY: "Sicherheitsbedenken",
    RejectReason.NO_CAPACITY: "keine freie Kapazität",
    RejectReason.NO_QUALIFIED_ESCORT: "keine geeignete Begleitkraft (weiblich/medizinisch)",
    RejectReason.NO_WHEELCHAIR_VEHICLE: "kein rollstuhlgerechtes Fahrzeug",
    RejectReason.TIME_WINDOW: "Zeitfenster nicht erreichbar",
    RejectReason.INFEASIBLE_ALONE: "auch allein nicht durchführbar",
    RejectReason.LOCKED_CONFLICT: "Konflikt mit festgelegten Touren",
    RejectReason.NOT_CLEARED: "nicht freigegeben",
    RejectReason.OTHER: "sonstiger Grund",
}
notifications.register_reasons(REASON_LABELS_DE)


def reason_label(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return REASON_LABELS_DE[RejectReason(code)]
    except ValueError:
        return code


# ------------------------------------------------------------------------------- plan


def plan_day(
    runtime: Runtime,
    principal: Principal,
    *,
    day: dt.date,
    zab_id: str | None,
    params: SolveParams = DEFAULT_SOLVE,
    job_id: str | None = None,
    solver: Solver = solve,
) -> PlanVersion:
    """Plan the ZAB's day (committed tours locked) and store the proposal as a new version.

    Runs in a planning worker (ltrako.workers.jobs), never inside a request; `params` (time
    limit, seed, solution limit) make the search reproducible. Reading, solving and writing
    are separate steps: no transaction stays open while the solver runs. Requests on proposed
    tours become eingeplant; those the planner could not fit stay (or go back to) eingereicht,
    with the planner's reason in the version.
    """
    with transaction(runtime.sessions) as session:
        zab = policy.planning_zab(principal, zab_id)
        if session.get(Zab, zab) is None:
            raise NotFound("ZAB", zab)
        scenario = export_scenario(
            session,
            day=day,
            timezone=runtime.settings.timezone,
            travel=runtime.travel,
            zab_id=zab,
            statuses=FIRST_PASS,
        )
        scenario, holds = hold_uncleared(session, scenario, runtime.settings.medical_reception_lead_days)
    plan = solver(scenario, params)
    ensure_valid_plan(scenario, plan)
    plan = with_holds(plan, holds)
    on_tours = {s.request for t in plan.tours for s in t.stops if s.request}
    locked = {s.request for t in scenario.locked for s in t.stops}
    with transaction(runtime.sessions) as session:
        number = session.exec(
            select(func.coalesce(func.max(PlanVersion.number), 0)).where(
                PlanVersion.day == day, PlanVersion.zab_id == zab
            )
        ).one()
        version = PlanVersion(
            day=day,
            zab_id=zab,
            number=number + 1,
            created_by=principal.subject,
            plan=write_plan(plan, timezone=scenario.timezone),
            served=plan.stats.served,
            unassigned=plan.stats.unassigned,
            km=plan.stats.km,
            job_id=job_id,
        )
        session.add(version)
        for request_id in sorted(on_tours - locked):
            lifecycle.claim(
                session, request_id, (S.SUBMITTED,), S.PLANNED, actor=principal, reason_code="plan"
            )
        for entry in plan.unassigned:
            lifecycle.claim(
                session,
                entry.request,
                (S.PLANNED,),
                S.SUBMITTED,
                actor=principal,
                reason_code=HELD if entry.request in holds else entry.reason.value,
            )
        session.flush()
        assert version.id is not None
        audit.record(
            session,
            principal,
            action=AuditAction.CREATE,
            entity="plan_version",
            entity_id=str(version.id),
            context=f"{zab} {day}",
        )
    return version


def hold_uncleared(
    session: Session, scenario: pm.Scenario, lead_days: int
) -> tuple[pm.Scenario, dict[str, str]]:
    """The scenario without the requests that can no longer be cleared in time (those on
    committed tours stay: a committed tour keeps its requests), and why each is held."""
    carried = {s.request for t in scenario.locked for s in t.stops}
    candidates = [r.id for r in scenario.requests if r.id not in carried]
    holds = held(session, candidates, now=clock_of(session).now(), lead_days=lead_days)
    if not holds:
        return scenario, {}
    kept = tuple(r for r in scenario.requests if r.id not in holds)
    return dataclasses.replace(scenario, requests=kept), holds


def with_holds(plan: pm.Plan, holds: dict[str, str]) -> pm.Plan:
    """The plan with the held requests unassigned, their reason in German."""
    if not holds:
        return plan
    extra = tuple(
        pm.Unassigned(r, pm.UnassignedReason.OTHER, HELD_PREFIX + why) for r, why in sorted(holds.items())
    )
    stats = dataclasses.replace(plan.stats, unassigned=plan.stats.unassigned + len(extra))
    return dataclasses.replace(plan, unassigned=(*plan.unassigned, *extra), stats=stats)


def ensure_valid_plan(scenario: pm.Scenario, plan: pm.Plan) -> None:
    """A plan that breaks a rule of the exchange format is never stored (the planner's bug, not
    the dispatcher's: a German message with the rules, no personal data)."""
    problems = validate(scenario, plan)
    if problems:
        rules = ", ".join(sorted({str(p.rule) for p in problems}))
        raise PlanInvalid(
            f"Der Plan verletzt Regel(n) {rules} des Austauschformats und wird nicht gespeichert."
        )


def read_version(session: Session, version: PlanVersion, timezone: str) -> DayPlan:
    """A stored version as read: its tours marked committed where they are the committed tour."""
    plan = convert.day_plan(version.plan, timezone)
    committed = committed_tours(session, version.day)
    return DayPlan(plan.day, tuple(with_state(t, committed) for t in plan.tours), plan.unassigned)


def get_version(session: Session, principal: Principal, version_id: int) -> PlanVersion:
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound("Planversion", str(version_id))
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten sehen Planversionen.")
    policy.require(policy.reads_version(principal, version), "Planversion einer anderen ZAB.")
    audit.record(
        session, principal, action=AuditAction.READ, entity="plan_version", entity_id=str(version_id)
    )
    return version


def _current(session: Session, version: PlanVersion) -> None:
    newest = session.exec(
        select(func.max(PlanVersion.number)).where(
            PlanVersion.day == version.day, PlanVersion.zab_id == version.zab_id
        )
    ).one()
    if newest != version.number:
        raise Conflict(
            f"Planversion {version.number} ist veraltet (neueste: {newest}); bitte die aktuelle verwenden."
        )


# ------------------------------------------------------------------------ decisions


def accept_tour(
    session: Session, principal: Principal, *, version_id: int, tour_index: int, timezone: str
) -> int:
    """Commit tour `tour_index` of the version: it becomes locked, its requests angenommen.

    Refused (409) if the version is not the newest, the vehicle's committed tour changed in
    a way the proposal does not keep, an escort is already on another committed tour, or a
    request is no longer eingeplant. Returns the committed tour's id.
    """
    version = get_version(session, principal, version_id)
    _current(session, version)
    plan = convert.day_plan(version.plan, timezone)
    if not 0 <= tour_index < len(plan.tours):
        raise InvalidInput(
            [FieldProblem("tour_index", f"Tour {tour_index} gibt es in dieser Planversion nicht.")]
        )
    tour = plan.tours[tour_index]
    committed = committed_tours(session, version.day)
    existing = committed.get(tour.key)
    if existing is not None and not keeps_commitment(existing, tour):
        raise Conflict(f"Die festgelegte Tour von {tour.vehicle} wurde geändert; bitte neu planen.")
    problems = conflicts(committed, tour, existing)
    if problems:
        raise Conflict("; ".join(problems) + "; bitte neu planen.")
    already = existing.requests if existing is not None else frozenset()
    ensure_cleared(session, tour.requests - already)
    for request_id in sorted(tour.requests - already):
        if not lifecycle.claim(
            session, request_id, (S.PLANNED,), S.ACCEPTED, actor=principal, reason_code="accepted"
        ):
            raise Conflict(f"Auftrag {request_id} ist nicht mehr eingeplant; bitte neu planen.")
        row = session.get(TransportRequest, request_id)
        assert row is not None
        row.carrier_zab_id = version.zab_id
        session.add(row)
    saved = save_committed(session, version.day, tour, existing)
    if existing is not None:
        saved.revision += 1
        session.add(saved)
    assert saved.id is not None
    audit.updated(session, principal, "tour", saved.id, f"accept plan_version {version_id} tour {tour_index}")
    return saved.id


def reject_request(
    session: Session, principal: Principal, *, request_id: str, reason: RejectReason, text: str | None = None
) -> TransportRequest:
    """The ZAB does not drive the request: abgelehnt with the reason, then into the Restplatzbörse."""
    row = session.get(TransportRequest, request_id)
    if row is None:
        raise NotFound("Auftrag", request_id)
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten lehnen Aufträge ab.")
    policy.require(
        policy.acts_for_zab(principal, row.zab_id), "Nur die zuständige ZAB lehnt einen Auftrag ab."
    )
    if text is not None and len(text) > 400:
        raise InvalidInput([FieldProblem("reason_text", "Höchstens 400 Zeichen.", "too_long")])
    if not lifecycle.claim(
        session,
        request_id,
        FIRST_PASS,
        S.REJECTED,
        actor=principal,
        reason_code=reason.value,
        reason_text=text,
    ):
        raise Conflict(f"Auftrag {request_id} ist nicht mehr eingereicht oder eingeplant.")
    lifecycle.claim(session, request_id, (S.REJECTED,), S.IN_POOL, actor=principal, reason_code=reason.value)
    roster.record_refusal(session, request_id=request_id, zab_id=row.zab_id, reason=reason.value)
    return lifecycle.audited_update(session, principal, row, f"reject {reason.value}")


def reject_unassigned(session: Session, principal: Principal, *, version_id: int, timezone: str) -> list[str]:
    """Confirm the planner's proposed rejections of the version (requests still eingereicht)."""
    version = get_version(session, principal, version_id)
    _current(session, version)
    plan = convert.day_plan(version.plan, timezone)
    rejected = []
    for entry in plan.unassigned:
        row = session.get(TransportRequest, entry.request)
        if row is None or RequestStatus(row.status) not in FIRST_PASS or row.zab_id != version.zab_id:
            continue
        if entry.detail.startswith(HELD_PREFIX):  # no ZAB may drive it: not for the Restplatzbörse
            continue
        reject_request(
            session,
            principal,
            request_id=entry.request,
            reason=RejectReason(entry.reason.value),
            text=entry.detail[:400] or None,
        )
        rejected.append(entry.request)
    return rejected


def versions_of(
    session: Session, principal: Principal, *, day: dt.date, zab_id: str | None
) -> list[PlanVersion]:
    """The ZAB's plan versions of the day, oldest first; each one read is audited."""
    zab = policy.planning_zab(principal, zab_id)
    versions = list(
        session.exec(
            select(PlanVersion)
            .where(PlanVersion.day == day, PlanVersion.zab_id == zab)
            .order_by(col(PlanVersion.number))
        ).all()
    )
    for version in versions:
        audit.record(
            session, principal, action=AuditAction.READ, entity="plan_version", entity_id=str(version.id)
        )
    return versions
