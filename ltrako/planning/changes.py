"""Operations under change: cancel a request, amend it, un-commit a tour.

A cancelled request leaves its committed tour: the tour keeps its vehicle, crew and the order
of its other stops and is timed anew for them (`planner.solve.retime`, checked by the
validator), or is released when nothing is left. An amendment before commitment is checked
like a submission and applied; after commitment the tour is re-timed with the amended request
(everything else locked) and the change waits for the carrying ZAB's confirmation. A ZAB can
un-commit a tour: its requests go back to planning (own) or to the Restplatzbörse (taken
over). Each function is one unit of work of the caller, in the status history and the audit
trail; the ABH hears of it through the history's notification hook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, select, update

from ltrako.core import audit, policy
from ltrako.core.clock import clock_of, local_label
from ltrako.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AmendmentStatus,
    AuditAction,
    Gender,
    OfferStatus,
    RequestAmendment,
    RequestStatus,
    RestplatzOffer,
    Tour,
    TourEscort,
    TourStop,
    TransportRequest,
    Vehicle,
)
from ltrako.planning import convert
from ltrako.planning.scenario import export_scenario
from ltrako.planning.tour import DayTour
from ltrako.planning.tours import committed_tours, conflicts, pickup_times, save_committed
from ltrako.requests import lifecycle, notifications, submission
from ltrako.requests.submission import PersonDraft, RequestDraft, StopDraft
from planner import model as pm
from planner.clock import Clock as DayClock
from planner.solve import retime

S = RequestStatus
A = AmendmentStatus
BEFORE_COMMITMENT = frozenset({S.SUBMITTED, S.PLANNED, S.REJECTED, S.IN_POOL})
COMMITTED = frozenset({S.ACCEPTED, S.TAKEN_OVER})


@dataclass(frozen=True, slots=True)
class Changes:
    """The fields an amendment changes (None: unchanged)."""

    persons: tuple[PersonDraft, ...] | None = None
    pickup: StopDraft | None = None
    dropoff: StopDraft | None = None
    flight_id: int | None = None
    clear_flight: bool = False
    escorts_required: int | None = None
    max_ride_min: int | None = None
    priority: int | None = None

    def apply(self, draft: RequestDraft) -> RequestDraft:
        values: dict[str, Any] = {
            k: v
            for k, v in (
                ("persons", self.persons),
                ("pickup", self.pickup),
                ("dropoff", self.dropoff),
                ("flight_id", self.flight_id),
                ("escorts_required", self.escorts_required),
                ("max_ride_min", self.max_ride_min),
                ("priority", self.priority),
            )
            if v is not None
        }
        if self.clear_flight:
            values["flight_id"] = None
        return dataclasses.replace(draft, **values)

    @property
    def empty(self) -> bool:
        return self == Changes()


@dataclass(frozen=True, slots=True)
class AmendResult:
    request: TransportRequest
    amendment: RequestAmendment | None  # set when the request is on a committed tour


# ------------------------------------------------------------------------- reading


def _changeable(
    session: Session,
    principal: Principal,
    request_id: str,
    action: str,
    may: Callable[[Principal, TransportRequest], bool],
) -> submission.RequestRecord:
    """The request if the caller may see and change it; else, as for an unknown id, 404 (audited)."""
    record = submission.get_request(session, principal=principal, request_id=request_id, context=action)
    allowed = may(principal, record.request)
    _refuse_unless(session, principal, allowed, "transport_request", request_id, "Transportauftrag")
    return record


def _refuse_unless(
    session: Session, principal: Principal, allowed: bool, entity: str, entity_id: str, what: str
) -> None:
    """Another tenant's record is not there: 404, the refusal audited."""
    if not allowed:
        audit.not_found(session, principal, entity=entity, entity_id=entity_id, label=what)


def tour_of(session: Session, request: TransportRequest) -> DayTour | None:
    """The committed tour that carries the request, if any."""
    tour_id = session.exec(select(TourStop.tour_id).where(TourStop.request_id == request.id)).first()
    if tour_id is None:
        return None
    return next(
        (t for t in committed_tours(session, request.service_date).values() if t.tour_id == tour_id), None
    )


def _before_pickup(session: Session, request: TransportRequest, tour: DayTour | None, what: str) -> None:
    """Changes end at the pickup: the planned one on a committed tour, else the window's end."""
    pickup = pickup_times(tour).get(request.id) if tour is not None else None
    limit = pickup or request.pickup_latest
    if clock_of(session).now() >= limit:
        when = local_label(limit, clock_of(session).zone, "%d.%m.%Y %H:%M")
        raise Conflict(f"Auftrag {request.id}: {what} ist nur bis zur Abholung ({when}) möglich.")


# ------------------------------------------------------------------------ re-timing


def _retimed(
    session: Session,
    tour: DayTour,
    day: dt.date,
    where: tuple[str, pm.Travel],
    *,
    without: frozenset[str] = frozenset(),
    amended: pm.Request | None = None,
) -> DayTour | None:
    """The committed tour timed anew without the requests `without` (and with `amended` in place
    of its stored version): same vehicle, crew and order; None if it can no longer be driven, or
    its vehicle would then overlap another committed tour. `where`: the time zone and travel
    model of the service (a planning day's own apply)."""
    timezone, travel = where
    vehicle = session.get(Vehicle, tour.vehicle)
    assert vehicle is not None
    scenario = export_scenario(
        session, day=day, timezone=timezone, travel=travel, zab_id=vehicle.zab_id, statuses=()
    )
    requests = tuple(
        amended if amended is not None and r.id == amended.id else r
        for r in scenario.requests
        if r.id not in without
    )
    locked = dataclasses.replace(
        convert.locked_of(tour),
        stops=tuple(s for s in convert.locked_of(tour).stops if s.request not in without),
    )
    timed = retime(dataclasses.replace(scenario, requests=requests, locked=(locked,)), locked)
    if timed is None:
        return None
    new = convert.day_tour(timed, DayClock(day, scenario.timezone))
    committed = committed_tours(session, day)
    if conflicts(committed, new, tour):
        return None
    return new


def _save_retimed(session: Session, day: dt.date, new: DayTour, old: DayTour) -> Tour:
    saved = save_committed(session, day, new, old)
    saved.revision += 1
    session.add(saved)
    return saved


def release_tour(session: Session, tour_id: int) -> None:
    """Delete a committed tour's rows (offers built on it and amendments keep no link to it)."""
    session.exec(
        update(RestplatzOffer)
        .where(col(RestplatzOffer.base_tour_id) == tour_id, col(RestplatzOffer.status) == OfferStatus.OPEN)
        .values(status=OfferStatus.SUPERSEDED)
    )
    session.exec(
        update(RestplatzOffer).where(col(RestplatzOffer.base_tour_id) == tour_id).values(base_tour_id=None)
    )
    session.exec(
        update(RequestAmendment).where(col(RequestAmendment.tour_id) == tour_id).values(tour_id=None)
    )
    session.exec(delete(TourStop).where(col(TourStop.tour_id) == tour_id))
    session.exec(delete(TourEscort).where(col(TourEscort.tour_id) == tour_id))
    session.exec(delete(Tour).where(col(Tour.id) == tour_id))
    session.flush()


def _withdraw_offers(session: Session, request_id: str) -> None:
    """Open Restplatzbörse offers that carry the cancelled request are void."""
    for offer in session.exec(select(RestplatzOffer).where(RestplatzOffer.status == OfferStatus.OPEN)):
        if request_id in offer.request_ids:
            offer.status = OfferStatus.SUPERSEDED
            session.add(offer)


def _drop_pending(session: Session, principal: Principal, request_id: str, why: str) -> None:
    """Pending amendments of a request that left its tour are void."""
    for row in session.exec(
        select(RequestAmendment).where(
            RequestAmendment.request_id == request_id, RequestAmendment.status == A.PENDING
        )
    ):
        row.status, row.reason = A.REJECTED, why
        row.decided_at, row.decided_by = clock_of(session).now(), principal.subject
        session.add(row)


# -------------------------------------------------------------------------- cancel


def cancel_request(
    session: Session,
    principal: Principal,
    *,
    request_id: str,
    reason: lifecycle.CancelReason,
    text: str | None,
    timezone: str,
    travel: pm.Travel,
) -> TransportRequest:
    """Cancel up to the pickup (the ABH its own, the responsible or carrying ZAB, operations).

    On a committed tour, the tour is re-timed for its other stops (or released when empty);
    the other tours stay as they are."""
    row = _changeable(session, principal, request_id, "cancel", policy.cancels_request).request
    if text is not None and len(text) > 400:
        raise InvalidInput([FieldProblem("reason_text", "Höchstens 400 Zeichen.", "too_long")])
    if RequestStatus(row.status) in lifecycle.TERMINAL:
        raise Conflict(f"Auftrag {row.id} ist bereits {lifecycle.LABELS_DE[RequestStatus(row.status)]}.")
    tour = tour_of(session, row)
    _before_pickup(session, row, tour, "Die Stornierung")
    lifecycle.record_status(
        session, row, S.CANCELLED, actor=principal, reason_code=reason.value, reason_text=text
    )
    _drop_pending(session, principal, row.id, "Auftrag storniert")
    _withdraw_offers(session, row.id)
    if tour is not None and tour.tour_id is not None:
        rest = tour.requests - {row.id}
        if not rest:
            release_tour(session, tour.tour_id)
            audit.updated(session, principal, "tour", tour.tour_id, f"released: {row.id} cancelled")
        else:
            new = _retimed(session, tour, row.service_date, (timezone, travel), without=frozenset({row.id}))
            if new is None:
                raise Conflict(
                    f"Die Tour von {tour.vehicle} lässt sich ohne Auftrag {row.id} nicht neu berechnen; "
                    "bitte die Tour aufheben und neu planen."
                )
            _save_retimed(session, row.service_date, new, tour)
            for other in sorted(rest):
                other_row = session.get(TransportRequest, other)
                assert other_row is not None
                lifecycle.record_event(
                    session, other_row, actor=principal, reason_code="tour_retimed", reason_text=row.id
                )
            audit.updated(session, principal, "tour", tour.tour_id, f"retimed: {row.id} cancelled")
    return lifecycle.audited_update(session, principal, row, f"cancel {reason.value}")


# --------------------------------------------------------------------------- amend


def amend_request(
    session: Session,
    principal: Principal,
    *,
    request_id: str,
    changes: Changes,
    timezone: str,
    travel: pm.HaversineTravel,
) -> AmendResult:
    """Change a request (the ABH its own, the responsible ZAB, operations).

    Before commitment the amended request is checked like a submission and stored (a proposed
    request goes back to eingereicht). On a committed tour the tour is re-timed with it, all
    else locked, and the change waits for the carrying ZAB (an amendment record)."""
    record = _changeable(session, principal, request_id, "amend", policy.decides_request)
    row = record.request
    if changes.empty:
        raise InvalidInput([FieldProblem("body", "Keine Änderung angegeben.", "empty")])
    status = RequestStatus(row.status)
    if status not in BEFORE_COMMITMENT | COMMITTED:
        raise Conflict(f"Auftrag {row.id} ist {lifecycle.LABELS_DE[status]} und kann nicht geändert werden.")
    draft = changes.apply(submission.draft_of(record))
    problems = submission.check_draft(session, draft, row.abh_id, timezone=timezone, travel=travel)
    if draft.pickup.earliest.astimezone(clock_of(session).zone).date() != row.service_date:
        problems.append(
            FieldProblem(
                "pickup.earliest",
                f"Der Tag bleibt der {row.service_date:%d.%m.%Y}; für einen anderen Tag bitte stornieren "
                "und neu einreichen.",
                "day",
            )
        )
    if problems:
        raise InvalidInput(problems)
    tour = tour_of(session, row) if status in COMMITTED else None
    if tour is None or tour.tour_id is None:
        _apply(session, principal, row, draft, timezone)
        _withdraw_offers(session, row.id)  # offers were computed with the old request
        if status is S.PLANNED:
            lifecycle.record_status(session, row, S.SUBMITTED, actor=principal, reason_code="amended")
        else:
            lifecycle.record_event(session, row, actor=principal, reason_code="amended")
        _tell_abh(session, principal, row, f"Auftrag {row.id} wurde geändert.")
        return AmendResult(lifecycle.audited_update(session, principal, row, "amend"), None)
    _before_pickup(session, row, tour, "Eine Änderung")
    preview = TransportRequest.model_validate(
        {
            **row.model_dump(),
            **submission.request_fields(session, draft, submission.escorts_of(draft), timezone),
        }
    )
    clock = DayClock(row.service_date, timezone)
    amended = convert.request_of(preview, clock)
    new = _retimed(session, tour, row.service_date, (timezone, travel), amended=amended)
    if new is None:
        raise Conflict(
            f"Die Änderung passt nicht in die festgelegte Tour von {tour.vehicle} (Zeiten, Plätze oder "
            "Besatzung); die ZAB kann die Tour aufheben und neu planen."
        )
    pending = pending_of(session, row.id)
    if pending is not None:
        raise Conflict(f"Für Auftrag {row.id} wartet bereits eine Änderung auf die ZAB (Nr. {pending.id}).")
    amendment = RequestAmendment(
        request_id=row.id,
        tour_id=tour.tour_id,
        tour_revision=tour.revision or 1,
        changes=_draft_document(draft),
        tour=convert.offer_document(convert.planner_tour(new, clock), clock),
        requested_by=principal.subject,
    )
    session.add(amendment)
    session.flush()
    assert amendment.id is not None
    lifecycle.record_event(
        session,
        row,
        actor=principal,
        reason_code="amendment_requested",
        reason_text=f"Änderung {amendment.id}",
    )
    audit.record(
        session, principal, action=AuditAction.CREATE, entity="request_amendment", entity_id=str(amendment.id)
    )
    return AmendResult(row, amendment)


def _apply(
    session: Session, principal: Principal, row: TransportRequest, draft: RequestDraft, timezone: str
) -> None:
    for key, value in submission.request_fields(
        session, draft, submission.escorts_of(draft), timezone
    ).items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    submission.attach_persons(session, principal, row, draft.persons)


def _tell_abh(session: Session, principal: Principal, row: TransportRequest, text: str) -> None:
    """A change someone else made to the ABH's request."""
    if policy.abh_of(principal) is None:
        notifications.notify(session, row, notifications.Kind.AMENDED, text)


def _draft_document(draft: RequestDraft) -> dict[str, Any]:
    def stop(s: StopDraft) -> dict[str, Any]:
        return {
            "location": s.location_id,
            "earliest": s.earliest.isoformat(),
            "latest": s.latest.isoformat(),
            "service_min": s.service_min,
        }

    return {
        "persons": [{**dataclasses.asdict(p), "gender": p.gender.value} for p in draft.persons],
        "pickup": stop(draft.pickup),
        "dropoff": stop(draft.dropoff),
        "priority": draft.priority,
        "escorts_required": draft.escorts_required,
        "max_ride_min": draft.max_ride_min,
        "flight_id": draft.flight_id,
    }


def _draft_from(document: dict[str, Any], base: RequestDraft) -> RequestDraft:
    def stop(d: dict[str, Any]) -> StopDraft:
        return StopDraft(
            d["location"],
            dt.datetime.fromisoformat(d["earliest"]),
            dt.datetime.fromisoformat(d["latest"]),
            d["service_min"],
        )

    persons = tuple(PersonDraft(**{**p, "gender": Gender(p["gender"])}) for p in document["persons"])
    return dataclasses.replace(
        base,
        persons=persons,
        pickup=stop(document["pickup"]),
        dropoff=stop(document["dropoff"]),
        priority=document["priority"],
        escorts_required=document["escorts_required"],
        max_ride_min=document["max_ride_min"],
        flight_id=document["flight_id"],
    )


def amendment_changes(amendment: RequestAmendment) -> dict[str, Any]:
    """What the amendment asks for (persons without flags: the ZAB plans with the request's)."""
    return {k: v for k, v in amendment.changes.items() if k != "persons"} | {
        "persons": len(amendment.changes.get("persons", []))
    }


# ---------------------------------------------------------------- ZAB's decision


def get_amendment(session: Session, principal: Principal, amendment_id: int) -> RequestAmendment:
    row = session.get(RequestAmendment, amendment_id)
    if row is None:
        raise NotFound("Änderung", str(amendment_id))
    request = session.get(TransportRequest, row.request_id)
    assert request is not None
    _refuse_unless(
        session,
        principal,
        policy.reads_request(principal, request),
        "request_amendment",
        str(amendment_id),
        "Änderung",
    )
    audit.record(
        session, principal, action=AuditAction.READ, entity="request_amendment", entity_id=str(amendment_id)
    )
    return row


def pending_of(session: Session, request_id: str) -> RequestAmendment | None:
    """The request's amendment waiting for the ZAB, if any."""
    return session.exec(
        select(RequestAmendment).where(
            RequestAmendment.request_id == request_id, RequestAmendment.status == A.PENDING
        )
    ).first()


def pending_amendments(session: Session, principal: Principal) -> list[RequestAmendment]:
    """Amendments waiting for the caller's ZAB (the carrier of the tour; all for operations)."""
    rows = session.exec(
        select(RequestAmendment, TransportRequest)
        .join(TransportRequest, col(TransportRequest.id) == col(RequestAmendment.request_id))
        .where(RequestAmendment.status == A.PENDING)
        .order_by(col(RequestAmendment.id))
    ).all()
    out = [a for a, r in rows if policy.confirms_amendment(principal, r)]
    for a in out:
        audit.record(
            session, principal, action=AuditAction.READ, entity="request_amendment", entity_id=str(a.id)
        )
    return out


def decide_amendment(
    session: Session,
    principal: Principal,
    *,
    amendment_id: int,
    approve: bool,
    reason: str | None,
    timezone: str,
) -> RequestAmendment:
    """The carrying ZAB confirms (the request and its re-timed tour are stored) or rejects."""
    amendment = get_amendment(session, principal, amendment_id)
    row = session.get(TransportRequest, amendment.request_id)
    assert row is not None
    _refuse_unless(
        session,
        principal,
        policy.confirms_amendment(principal, row),
        "request_amendment",
        str(amendment_id),
        "Änderung",
    )
    if reason is not None and len(reason) > 400:
        raise InvalidInput([FieldProblem("reason", "Höchstens 400 Zeichen.", "too_long")])
    if amendment.status is not A.PENDING:
        raise Conflict(f"Änderung {amendment_id} ist bereits entschieden.")
    tour = tour_of(session, row)
    if approve and (
        tour is None or tour.tour_id != amendment.tour_id or tour.revision != amendment.tour_revision
    ):
        raise Conflict(
            f"Die Tour von Auftrag {row.id} wurde inzwischen geändert; die Änderung bitte neu einreichen."
        )
    now = clock_of(session).now()
    amendment.status = A.CONFIRMED if approve else A.REJECTED
    amendment.decided_at, amendment.decided_by, amendment.reason = now, principal.subject, reason
    session.add(amendment)
    if approve:
        assert tour is not None
        record = submission.get_request(session, principal=principal, request_id=row.id, context="amendment")
        _apply(session, principal, row, _draft_from(amendment.changes, submission.draft_of(record)), timezone)
        new = convert.offer_tour(amendment.tour, row.service_date, timezone)
        _save_retimed(session, row.service_date, new, tour)
    verdict = "bestätigt" if approve else "abgelehnt"
    lifecycle.record_event(
        session, row, actor=principal, reason_code=f"amendment_{amendment.status.value}", reason_text=reason
    )
    because = f" Grund: {reason}" if reason else ""
    notifications.notify(
        session,
        row,
        notifications.Kind.AMENDMENT_DECIDED,
        f"Auftrag {row.id}: Änderung {amendment_id} {verdict}.{because}",
    )
    audit.updated(session, principal, "request_amendment", amendment_id, amendment.status.value)
    return amendment


# ------------------------------------------------------------------------ un-commit


def uncommit_tour(session: Session, principal: Principal, *, tour_id: int, reason: str) -> list[str]:
    """The ZAB whose vehicle drives the tour takes the commitment back: the tour is released,
    its own requests are planned again, taken-over ones go back to the Restplatzbörse."""
    tour = session.get(Tour, tour_id)
    vehicle = session.get(Vehicle, tour.vehicle_id) if tour is not None else None
    if tour is None or vehicle is None or not tour.is_committed:
        raise NotFound("Tour", str(tour_id))
    _refuse_unless(
        session, principal, policy.uncommits_tour(principal, vehicle.zab_id), "tour", str(tour_id), "Tour"
    )
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "Grund angeben.", "missing")])
    if len(reason) > 400:
        raise InvalidInput([FieldProblem("reason", "Höchstens 400 Zeichen.", "too_long")])
    ids = sorted(
        {
            r
            for r in session.exec(select(TourStop.request_id).where(TourStop.tour_id == tour_id))
            if r is not None
        }
    )
    rows = [session.get(TransportRequest, r) for r in ids]
    done = [r.id for r in rows if r is not None and RequestStatus(r.status) is S.COMPLETED]
    if done:
        raise Conflict(f"Die Tour ist schon gefahren (Auftrag {', '.join(done)} durchgeführt).")
    for request in rows:
        assert request is not None
        status = RequestStatus(request.status)
        if status in COMMITTED:
            target = S.SUBMITTED if status is S.ACCEPTED else S.IN_POOL
            lifecycle.record_status(
                session, request, target, actor=principal, reason_code="uncommitted", reason_text=reason
            )
            request.carrier_zab_id = None
            session.add(request)
        _drop_pending(session, principal, request.id, "Tour aufgehoben")
    release_tour(session, tour_id)
    audit.updated(session, principal, "tour", tour_id, f"uncommit: {len(ids)} requests")
    return ids
