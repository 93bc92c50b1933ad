"""Restplatzbörse: re-plan the pool across all five ZABs, make offers, take them over.

A run exports the day with `cross_zab` true: every vehicle and escort on duty, every committed
tour locked, and the pooled requests (abgelehnt or not fittable in the first pass). The
planner's tours that carry pool requests become offers to the vehicle's ZAB, with the added
kilometres and minutes against the committed tour they extend. Taking an offer over
(Transportübernahme) commits the resulting tour in one transaction; a second taker of the
same request gets a conflict, and unique constraints keep a request on one tour only.

Failures lose nothing: the solver runs outside any transaction, and the offers and the run
record are written together at the end; a failed or timed-out run records why and changes
no request, tour or offer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select, update

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of
from ltrako.core.db import is_sqlite, transaction
from ltrako.core.errors import Conflict, FieldProblem, InvalidInput, LtrakoError, NotFound
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    OfferStatus,
    RequestStatus,
    RestplatzOffer,
    RestplatzRun,
    RunStatus,
    Tour,
    TransportRequest,
    Zab,
)
from ltrako.planning import convert, roster
from ltrako.planning.clearance import HELD, blocking, ensure_cleared
from ltrako.planning.dayplan import Solver, ensure_valid_plan, hold_uncleared, reason_label
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tour import DayTour, TourKey, keeps_commitment
from ltrako.planning.tours import committed_tours, conflicts, save_committed
from ltrako.requests import lifecycle, notifications
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.params import SolveParams
from planner.solve import solve
from planner.travel import TravelMatrix

log = logging.getLogger(__name__)
S = RequestStatus
TIMEOUT_GRACE_S = 30.0  # beyond twice the time limit, a run counts as timed out
_local_locks: dict[dt.date, threading.Lock] = {}
_local_guard = threading.Lock()
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout reached


@dataclass(frozen=True, slots=True)
class OfferDraft:
    zab_id: str
    vehicle_id: str
    request_ids: list[str]
    base: DayTour | None
    added_km: float
    added_min: int
    tour: dict[str, object]
    fingerprint: str


# ------------------------------------------------------------------------------- run


def run_pool(
    runtime: Runtime,
    day: dt.date,
    *,
    actor: Principal,
    trigger: str = "manual",
    slot: str | None = None,
    params: SolveParams | None = None,
    solver: Solver = solve,
    open_board: bool = True,
) -> RestplatzRun | None:
    """Re-plan the day's pool. None if the run of `slot` (a night, a job) has finished already.

    A slotted run waits for a run of the same day in progress; a manual one is recorded as
    skipped instead. A slot whose earlier run failed or was abandoned (its process died: the
    day lock is free while the record still says running) is run again, so a crashed nightly
    batch or a killed worker is made good by running once more.
    """
    params = params or SolveParams(time_limit_s=runtime.settings.restplatz_time_limit_s)
    limit = params.time_limit_s
    wait_s = limit * 2 + TIMEOUT_GRACE_S if slot else 0.0
    with _day_lock(runtime, day, wait_s=wait_s) as acquired:
        if not acquired and slot:
            log.info("restplatz run for slot %s: the day stayed locked; skipped", slot)
            return None
        with transaction(runtime.sessions) as session:
            if slot and not _claim_slot(session, slot):
                return None
            run = RestplatzRun(day=day, trigger=trigger, slot=slot, started_by=actor.subject)
            if not acquired:
                run.status, run.finished_at = RunStatus.SKIPPED, clock_of(session).now()
                run.error = "Ein anderer Lauf für diesen Tag läuft noch."
            session.add(run)
        if not acquired:
            return run
        try:
            return _run(runtime, run, day, actor, params, solver, open_board)
        except Exception as exc:  # the run record says why; pool and plans are untouched
            log.error("restplatz run %s failed: %s", run.id, type(exc).__name__)
            why = (
                exc.message
                if isinstance(exc, LtrakoError)
                else f"Planung fehlgeschlagen ({type(exc).__name__})."
            )
            return _finish(runtime, run, RunStatus.FAILED, error=why)


def ensure_may_run(principal: Principal) -> None:
    policy.require_role(
        principal,
        policy.DISPATCH,
        "Nur ZAB-Disponenten und Betrieb starten die Restplatzbörse.",
    )


def _claim_slot(session: Session, slot: str) -> bool:
    """Free `slot` for a new run (caller holds the day lock); False if its run has finished.

    The earlier run of the slot keeps its record, without the slot: failed stays failed, and a
    run that still says running under a free day lock was abandoned by a dead process.
    """
    earlier = session.exec(select(RestplatzRun).where(RestplatzRun.slot == slot)).first()
    if earlier is None:
        return True
    if RunStatus(earlier.status) is RunStatus.FINISHED:
        return False
    if RunStatus(earlier.status) is RunStatus.RUNNING:
        earlier.status, earlier.finished_at = RunStatus.FAILED, clock_of(session).now()
        earlier.error = "Abgebrochen: der ausführende Prozess wurde beendet; der Lauf wurde wiederholt."
    earlier.slot = None
    session.add(earlier)
    session.flush()  # the unique slot is free before the new run takes it
    log.info("restplatz slot %s: run %s is repeated", slot, earlier.id)
    return True


class _SolveTimeout(Exception):
    pass


def _solve_within(solver: Solver, scenario: pm.Scenario, params: SolveParams) -> pm.Plan:
    limit = params.time_limit_s
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restplatz-solve")
    future = executor.submit(solver, scenario, params)
    try:
        return future.result(timeout=limit * 2 + TIMEOUT_GRACE_S)
    except FutureTimeout as exc:
        raise _SolveTimeout(
            f"Zeitüberschreitung der Planung (> {limit * 2 + TIMEOUT_GRACE_S:.0f} s)."
        ) from exc
    finally:
        executor.shutdown(wait=False)  # a hung solver thread is abandoned, not waited for


def zab_scenario(scenario: pm.Scenario, zab_id: str, eligible: set[str]) -> pm.Scenario:
    """The day as `zab_id` alone could drive it: its vehicles and free escorts, its committed
    tours locked, and the `eligible` pool requests of every ZAB."""
    vehicles = tuple(v for v in scenario.vehicles if v.zab == zab_id)
    own = {v.id for v in vehicles}
    locked = tuple(t for t in scenario.locked if t.vehicle in own)
    elsewhere = {e for t in scenario.locked if t.vehicle not in own for e in t.escorts}
    on_locked = {e for t in locked for e in t.escorts}
    escorts = tuple(
        e for e in scenario.escorts if (e.zab == zab_id and e.id not in elsewhere) or e.id in on_locked
    )
    carried = {s.request for t in locked for s in t.stops}
    requests = tuple(r for r in scenario.requests if r.id in eligible or r.id in carried)
    return dataclasses.replace(scenario, vehicles=vehicles, escorts=escorts, requests=requests, locked=locked)


# Why no ZAB placed a request, from the least final reason to the most: when one ZAB has no
# capacity left and the request is infeasible for another, the ABH reads "no capacity".
REASON_ORDER = (
    "no_capacity",
    "locked_conflict",
    "no_qualified_escort",
    "no_wheelchair_vehicle",
    "time_window",
    "other",
    "infeasible_alone",
)


def _rank(reason: str | None) -> int:
    return REASON_ORDER.index(reason) if reason in REASON_ORDER else len(REASON_ORDER)


def _run(
    runtime: Runtime,
    run: RestplatzRun,
    day: dt.date,
    actor: Principal,
    params: SolveParams,
    solver: Solver,
    open_board: bool = True,
) -> RestplatzRun:
    limit = params.time_limit_s
    tz = runtime.settings.timezone
    with transaction(runtime.sessions) as session:
        scenario = export_scenario(
            session, day=day, timezone=tz, travel=runtime.travel, cross_zab=True, statuses=(S.IN_POOL,)
        )
        committed = committed_tours(session, day)
        pool = {r.id for r in scenario.requests} - {s.request for t in scenario.locked for s in t.stops}
        scenario, holds = hold_uncleared(session, scenario, runtime.settings.medical_reception_lead_days)
        pool -= set(holds)  # no ZAB may drive these: no offers, the reason on the request
        if open_board:  # every ZAB its own offers, without those it refused for lack of resources
            parts = []
            for zab_id in sorted({v.zab for v in scenario.vehicles}):
                eligible = pool - set(roster.refused_unchanged(session, zab_id, pool))
                if eligible:
                    parts.append(zab_scenario(scenario, zab_id, eligible))
        else:  # one plan across all ZABs: each request offered to one ZAB only
            parts = [scenario]
    if not pool and not holds:
        return _finish(runtime, run, RunStatus.FINISHED)
    drafts: list[OfferDraft] = []
    reasons: dict[str, str] = dict.fromkeys(holds, HELD)
    share = limit / max(1, len(parts))  # the run's time limit shared among the ZABs' plans
    for part in parts:
        try:
            plan = _solve_within(solver, part, dataclasses.replace(params, time_limit_s=share))
        except _SolveTimeout as exc:
            return _finish(runtime, run, RunStatus.FAILED, error=str(exc), pool=len(pool))
        ensure_valid_plan(part, plan)
        drafts.extend(_offers(part, plan, pool, committed))
        for u in plan.unassigned:  # of the ZABs' reasons, the least final one
            if u.request in pool and _rank(u.reason.value) < _rank(reasons.get(u.request)):
                reasons[u.request] = u.reason.value
    with transaction(runtime.sessions) as session:
        made = _store_offers(session, run, day, drafts)
        placed = {r for d in drafts for r in d.request_ids}
        for request_id in sorted(pool | set(holds)):
            row = session.get(TransportRequest, request_id)
            if row is not None and RequestStatus(row.status) is S.IN_POOL:
                was = row.pool_reason
                kept = row.pool_reason or row.status_reason or "other"  # refused by every ZAB able to
                row.pool_reason = None if request_id in placed else reasons.get(request_id, kept)
                session.add(row)
                if row.pool_reason is not None and row.pool_reason != was:
                    notifications.no_zab_found(session, row, row.pool_reason)
        fresh = session.get(RestplatzRun, run.id)
        assert fresh is not None
        fresh.status, fresh.finished_at = RunStatus.FINISHED, clock_of(session).now()
        fresh.pool_size, fresh.offers_made = len(pool) + len(holds), made
        fresh.offers_open = len(drafts)  # after storing, exactly this run's offers are open
        fresh.still_open = len(pool - placed) + len(holds)
        session.add(fresh)
        audit.record(
            session,
            actor,
            action=AuditAction.CREATE,
            entity="restplatz_run",
            entity_id=str(run.id),
            context=f"{day}",
        )
        return fresh


def _finish(
    runtime: Runtime, run: RestplatzRun, status: RunStatus, *, error: str | None = None, pool: int = 0
) -> RestplatzRun:
    with transaction(runtime.sessions) as session:
        fresh = session.get(RestplatzRun, run.id)
        assert fresh is not None
        fresh.status, fresh.finished_at, fresh.error, fresh.pool_size = (
            status,
            clock_of(session).now(),
            error,
            pool,
        )
        session.add(fresh)
        return fresh


@contextmanager
def _day_lock(runtime: Runtime, day: dt.date, *, wait_s: float = 0.0) -> Iterator[bool]:
    """One run per day at a time: a PostgreSQL advisory lock across processes (freed when the
    holder's connection ends, so a dead process frees it); on SQLite (one process by design) a
    lock per day in this process. Waits up to `wait_s` for it."""
    if is_sqlite(runtime.engine):
        with _local_guard:
            lock = _local_locks.setdefault(day, threading.Lock())
        acquired = lock.acquire(timeout=wait_s) if wait_s > 0 else lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
        return
    key = 0x4C5452 * 100_000 + day.toordinal()  # "LTR" + day: one lock per planning day
    with runtime.engine.connect() as connection:
        if wait_s > 0:  # the server waits for the lock, up to lock_timeout
            connection.execute(text(f"SET LOCAL lock_timeout = {int(wait_s * 1000)}"))
            try:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                acquired = True
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                connection.rollback()
                acquired = False
        else:
            acquired = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        connection.commit()  # the advisory lock is the connection's, beyond the transaction
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()


def _offers(
    scenario: pm.Scenario, plan: pm.Plan, pool: set[str], committed: dict[TourKey, DayTour]
) -> list[OfferDraft]:
    matrix = TravelMatrix(scenario.travel, scenario.locations)
    vehicles = {v.id: v for v in scenario.vehicles}
    clock = DayClock(scenario.date, scenario.timezone)
    drafts = []
    for tour in plan.tours:
        carried = sorted({s.request for s in tour.stops if s.request in pool})
        if not carried:
            continue
        vehicle = vehicles[tour.vehicle]
        base = committed.get((tour.vehicle, tuple(sorted(tour.escorts))))
        meters = matrix.route_meters(vehicle.depot, (s.location for s in tour.stops))
        base_meters = base_seconds = 0
        if base is not None:
            base_meters = matrix.route_meters(vehicle.depot, (s.location for s in base.stops))
            if base.start is not None and base.end is not None:
                base_seconds = int((base.end - base.start).total_seconds())
        document = convert.offer_document(tour, clock)
        key = json.dumps(
            [
                tour.vehicle,
                sorted(tour.escorts),
                [(s.type.value, s.request) for s in tour.stops],
                base.revision if base else None,
            ],
        )
        drafts.append(
            OfferDraft(
                zab_id=vehicle.zab,
                vehicle_id=tour.vehicle,
                request_ids=carried,
                base=base,
                added_km=round((meters - base_meters) / 1000, 1),
                added_min=round(((tour.end - tour.start) - base_seconds) / 60),
                tour=document,
                fingerprint=hashlib.sha256(key.encode()).hexdigest(),
            )
        )
    return drafts


def _supersede(session: Session, offer: RestplatzOffer, *, by: str) -> None:
    offer.status, offer.decided_at, offer.decided_by = OfferStatus.SUPERSEDED, clock_of(session).now(), by
    session.add(offer)


def _open_offers(session: Session, day: dt.date) -> list[RestplatzOffer]:
    return list(
        session.exec(
            select(RestplatzOffer).where(RestplatzOffer.day == day, RestplatzOffer.status == OfferStatus.OPEN)
        ).all()
    )


def _store_offers(session: Session, run: RestplatzRun, day: dt.date, drafts: list[OfferDraft]) -> int:
    """Keep identical open offers, supersede the others, add the new ones; the number added."""
    assert run.id is not None
    existing = {o.fingerprint: o for o in _open_offers(session, day)}
    wanted = {d.fingerprint for d in drafts}
    for fingerprint, offer in existing.items():
        if fingerprint not in wanted:
            _supersede(session, offer, by="system")
    made = 0
    for d in drafts:
        if d.fingerprint in existing:
            continue
        session.add(
            RestplatzOffer(
                run_id=run.id,
                day=day,
                zab_id=d.zab_id,
                vehicle_id=d.vehicle_id,
                request_ids=d.request_ids,
                base_tour_id=d.base.tour_id if d.base else None,
                base_revision=d.base.revision if d.base else None,
                added_km=d.added_km,
                added_min=d.added_min,
                tour=d.tour,
                fingerprint=d.fingerprint,
            )
        )
        made += 1
    return made


# ------------------------------------------------------------------------- take over


def take_over(session: Session, principal: Principal, *, offer_id: int, timezone: str) -> RestplatzOffer:
    """Transportübernahme: the offer's tour becomes the ZAB's committed tour. 409 if anyone was faster."""
    offer = session.get(RestplatzOffer, offer_id)
    if offer is None:
        raise NotFound("Angebot", str(offer_id))
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten übernehmen Transporte.")
    policy.require(
        policy.sees_offer(principal, offer), "Angebote übernimmt nur die ZAB, an die sie gerichtet sind."
    )
    if OfferStatus(offer.status) is not OfferStatus.OPEN:
        raise Conflict(_gone(session, offer))
    ensure_cleared(session, offer.request_ids)
    # The requests first, in one order: of two ZABs taking offers that share a request, the
    # second waits on the request's row lock and then finds it taken; only then the offer rows
    # (the winner supersedes the loser's offer without waiting for it).
    for request_id in sorted(offer.request_ids):
        if not lifecycle.claim(
            session, request_id, (S.IN_POOL,), S.TAKEN_OVER, actor=principal, reason_code="takeover"
        ):
            raise Conflict(
                _taken_by(session, [request_id])
                or f"Auftrag {request_id} ist nicht mehr in der Restplatzbörse."
            )
        row = session.get(TransportRequest, request_id)
        assert row is not None
        row.carrier_zab_id, row.pool_reason = offer.zab_id, None
        session.add(row)
    now = clock_of(session).now()
    claimed = session.exec(
        update(RestplatzOffer)
        .where(col(RestplatzOffer.id) == offer_id, col(RestplatzOffer.status) == OfferStatus.OPEN)
        .values(status=OfferStatus.TAKEN, decided_at=now, decided_by=principal.subject)
    )
    if claimed.rowcount != 1:
        raise Conflict(_gone(session, offer))
    session.refresh(offer)
    tour = convert.offer_tour(offer.tour, offer.day, timezone)
    committed = committed_tours(session, offer.day)
    existing = committed.get(tour.key)
    if offer.base_tour_id is None and existing is not None:
        raise Conflict(
            f"Die Besatzung von {offer.vehicle_id} ist inzwischen verplant; Restplatzbörse neu berechnen."
        )
    if offer.base_tour_id is not None:
        bumped = session.exec(
            update(Tour)
            .where(col(Tour.id) == offer.base_tour_id, col(Tour.revision) == offer.base_revision)
            .values(revision=col(Tour.revision) + 1)
        )
        if bumped.rowcount != 1 or existing is None or not keeps_commitment(existing, tour):
            raise Conflict(
                f"Die Tour von {offer.vehicle_id} wurde inzwischen geändert; Restplatzbörse neu berechnen."
            )
    problems = conflicts(committed, tour, existing)
    if problems:
        raise Conflict("; ".join(problems) + "; Restplatzbörse neu berechnen.")
    try:
        saved = save_committed(session, offer.day, tour, existing)
    except IntegrityError as exc:
        raise Conflict("Transport wurde gleichzeitig anderweitig übernommen.") from exc
    _supersede_others(session, offer, tour, timezone)
    audit.updated(session, principal, "restplatz_offer", offer_id, f"Transportübernahme tour {saved.id}")
    return offer


def _gone(session: Session, offer: RestplatzOffer) -> str:
    return (
        _taken_by(session, offer.request_ids)
        or f"Angebot {offer.id} ist nicht mehr offen (bereits übernommen oder ersetzt)."
    )


def _taken_by(session: Session, request_ids: list[str]) -> str | None:
    """ "Auftrag … wurde bereits von ZAB … übernommen." for the first of these requests another
    ZAB carries now (read afresh: on PostgreSQL the winner's commit is visible to this statement)."""
    rows = session.exec(
        select(TransportRequest.id, TransportRequest.carrier_zab_id, Zab.name)
        .join(Zab, col(Zab.id) == col(TransportRequest.carrier_zab_id))
        .where(
            col(TransportRequest.id).in_(sorted(request_ids)),
            col(TransportRequest.status).in_([S.TAKEN_OVER, S.ACCEPTED]),
        )
        .order_by(col(TransportRequest.id))
        .execution_options(populate_existing=True)
    ).all()
    for request_id, _zab_id, name in rows:
        return f"Auftrag {request_id} wurde bereits von {name} übernommen."
    return None


def _supersede_others(session: Session, taken: RestplatzOffer, tour: DayTour, timezone: str) -> None:
    """Other open offers with one of these requests, one of this crew or the same base tour are void now."""
    mine, crew = set(taken.request_ids), set(tour.escorts)
    for other in _open_offers(session, taken.day):
        same_base = taken.base_tour_id is not None and other.base_tour_id == taken.base_tour_id
        theirs = convert.offer_tour(other.tour, other.day, timezone)
        shares = mine & set(other.request_ids) or crew & set(theirs.escorts)
        if other.id != taken.id and (shares or same_base):
            _supersede(session, other, by="system")


def offers(
    session: Session, principal: Principal, *, day: dt.date, status: OfferStatus | None = OfferStatus.OPEN
) -> list[RestplatzOffer]:
    """The day's offers: a dispatcher sees those addressed to their ZAB, admin all."""
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten sehen die Restplatzbörse.")
    query = select(RestplatzOffer).where(RestplatzOffer.day == day)
    if status is not None:
        query = query.where(RestplatzOffer.status == status)
    if (own := policy.zab_of(principal)) is not None:
        query = query.where(RestplatzOffer.zab_id == own)
    rows = list(session.exec(query.order_by(col(RestplatzOffer.id))).all())
    for row in rows:
        audit.record(
            session, principal, action=AuditAction.READ, entity="restplatz_offer", entity_id=str(row.id)
        )
    return rows


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """A pooled request of the day as one ZAB reads the open board."""

    request: TransportRequest
    offers: list[RestplatzOffer]  # the caller's open offers carrying it (admin: all), best first
    others: int  # open offers of other ZABs carrying it
    blocked: str | None  # why it may not be committed yet (transit, medical reception, Dublin)
    refused: str | None  # the caller's ZAB refused it for lack of resources: no offer until they change

    @property
    def best(self) -> RestplatzOffer | None:
        return self.offers[0] if self.offers else None


def pool_board(session: Session, principal: Principal, *, day: dt.date) -> list[PoolEntry]:
    """The open Restplatzbörse: every pooled request of the day, with the caller's ZAB's best
    offer (fewest added kilometres, then minutes); every ZAB sees every pooled request."""
    policy.require_role(principal, policy.DISPATCH, "Nur ZAB-Disponenten sehen die Restplatzbörse.")
    rows = list(
        session.exec(
            select(TransportRequest)
            .where(TransportRequest.service_date == day, TransportRequest.status == S.IN_POOL)
            .order_by(col(TransportRequest.pickup_earliest), col(TransportRequest.id))
        ).all()
    )
    ids = [r.id for r in rows]
    own = policy.zab_of(principal)
    open_offers = _open_offers(session, day)
    blocked = blocking(session, ids)
    refused = roster.refused_unchanged(session, own, ids) if own is not None else {}
    entries = []
    for row in rows:
        carrying = [o for o in open_offers if row.id in o.request_ids]
        mine = sorted(
            (o for o in carrying if own is None or o.zab_id == own),
            key=lambda o: (o.added_km, o.added_min, o.id or 0),
        )
        reason = refused.get(row.id)
        entries.append(
            PoolEntry(
                request=row,
                offers=mine,
                others=len(carrying) - len(mine),
                blocked=blocked.get(row.id),
                refused=reason_label(reason) if reason else None,
            )
        )
        audit.record(
            session,
            principal,
            action=AuditAction.READ,
            entity="transport_request",
            entity_id=row.id,
            context="restplatz board",
        )
    return entries


def runs(session: Session, *, day: dt.date) -> list[RestplatzRun]:
    return list(
        session.exec(select(RestplatzRun).where(RestplatzRun.day == day).order_by(col(RestplatzRun.id))).all()
    )


def taken_counts(session: Session, run_ids: list[int]) -> dict[int, int]:
    """Offers of each run taken over so far (counted from the offers: concurrent take-overs of
    one run's offers then share no row to update)."""
    rows = session.exec(
        select(RestplatzOffer.run_id, func.count())
        .where(col(RestplatzOffer.run_id).in_(run_ids), RestplatzOffer.status == OfferStatus.TAKEN)
        .group_by(col(RestplatzOffer.run_id))
    ).all()
    return {run_id: count for run_id, count in rows}


def close_request(
    session: Session,
    principal: Principal,
    *,
    request_id: str,
    outcome: RequestStatus,
    text_: str | None = None,
    reason: str | None = None,
) -> TransportRequest:
    """The ABH's answer to a request no ZAB drives: it drives itself, or the removal is cancelled.

    `reason` (a code of lifecycle.CANCEL_REASONS) says why a removal is cancelled; without it the
    request keeps the planner's or the ZAB's reason.
    """
    if outcome not in (S.SELF_TRANSPORT, S.CANCELLED):
        raise InvalidInput([FieldProblem("outcome", "self_transport oder cancelled angeben.")])
    if reason is not None and reason not in lifecycle.CANCEL_REASONS:
        raise InvalidInput([FieldProblem("reason", f"Einer von: {', '.join(lifecycle.CANCEL_REASONS)}.")])
    row = session.get(TransportRequest, request_id)
    if row is None:
        raise NotFound("Auftrag", request_id)
    policy.require_role(principal, policy.SUBMIT)
    policy.require(
        policy.decides_request(principal, row),
        "Nur die eigene ABH entscheidet über ihren Auftrag."
        if policy.abh_of(principal)
        else "Auftrag einer anderen ZAB.",
    )
    movable = (S.SUBMITTED, S.PLANNED, S.REJECTED, S.IN_POOL)
    if not lifecycle.claim(
        session,
        request_id,
        movable,
        outcome,
        actor=principal,
        reason_code=reason or row.pool_reason or row.status_reason,
        reason_text=text_,
    ):
        raise Conflict(f"Auftrag {request_id} ist bereits angenommen, übernommen oder abgeschlossen.")
    for offer in _open_offers(session, row.service_date):
        if request_id in offer.request_ids:
            _supersede(session, offer, by=principal.subject)
    return lifecycle.audited_update(session, principal, row, f"close {outcome.value}")
