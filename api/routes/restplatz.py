"""Restplatzbörse: runs (by hand; nightly by the scheduler), offers, Transportübernahme."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, SUBMITTERS, allow
from api.routes.jobs import QUEUED, accepted
from api.schemas.common import DECISION_ERRORS, Day
from api.schemas.planning import JobRead, OfferRead, PoolRequestRead, RunCreate, RunRead
from api.schemas.requests import CloseCreate, TransportRequestRead
from ltrako.core import policy
from ltrako.core.clock import clock_of
from ltrako.core.runtime import Runtime
from ltrako.core.security import Role
from ltrako.models import OfferStatus, RequestStatus, RestplatzOffer
from ltrako.planning import convert, restplatz
from ltrako.planning.clearance import blocking
from ltrako.planning.dayplan import reason_label
from ltrako.requests.submission import get_request
from ltrako.workers import jobs

router = APIRouter(tags=["Restplatzbörse"])
ERRORS = DECISION_ERRORS


@router.post(
    "/restplatz/runs",
    dependencies=[allow(*DISPATCH)],
    response_model=JobRead,
    status_code=202,
    responses={**ERRORS, **QUEUED},
)
def run(
    body: RunCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, response: Response
) -> JobRead:
    """Queue a re-planning of the day's pool across all ZABs (the run the nightly batch queues).

    Answers at once with the job (202, `Location`); the run's id is its `result_ref`."""
    job = jobs.restplatz_job(
        session,
        principal,
        day=body.day,
        params=body.params(runtime.settings.restplatz_time_limit_s),
        limits=jobs.Limits.of(runtime.settings),
    )
    return accepted(job, session, response)


@router.get(
    "/restplatz/runs",
    dependencies=[allow(*DISPATCH, Role.MINISTRY)],
    response_model=list[RunRead],
    responses=ERRORS,
)
def list_runs(session: SessionDep, day: Day = Query(...)) -> list[RunRead]:
    records = restplatz.runs(session, day=day)
    taken = restplatz.taken_counts(session, [r.id for r in records if r.id is not None])
    return [RunRead.of(r, clock_of(session).zone, taken.get(r.id or 0, 0)) for r in records]


@router.get(
    "/restplatz/offers", dependencies=[allow(*DISPATCH)], response_model=list[OfferRead], responses=ERRORS
)
def list_offers(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day = Query(...),
    status: OfferStatus | None = OfferStatus.OPEN,
) -> list[OfferRead]:
    """Offers addressed to the caller's ZAB (admin: all), each saying which of its requests
    may not be committed yet."""
    found = restplatz.offers(session, principal, day=day, status=status)
    held = blocking(session, {r for o in found for r in o.request_ids})
    return [_read(o, runtime, held) for o in found]


@router.get(
    "/restplatz/board",
    dependencies=[allow(*DISPATCH)],
    response_model=list[PoolRequestRead],
    responses=ERRORS,
)
def pool_board(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep, day: Day = Query(...)
) -> list[PoolRequestRead]:
    """The open Restplatzbörse: every pooled request of the day, with your ZAB's best offer."""
    entries = restplatz.pool_board(session, principal, day=day)
    held = {e.request.id: e.blocked for e in entries if e.blocked}
    zone = runtime.zone
    medical = policy.sees_medical(principal)  # health-related flags: not for operations
    return [
        PoolRequestRead(
            request_id=e.request.id,
            zab_id=e.request.zab_id,
            abh_id=e.request.abh_id,
            purpose=e.request.purpose,
            person_count=e.request.persons,
            escorts_required=e.request.escorts_required,
            requires_female_escort=e.request.requires_female_escort,
            requires_medical_escort=e.request.requires_medical_escort if medical else None,
            wheelchair=e.request.wheelchair if medical else None,
            pickup_location_id=e.request.pickup_location_id,
            pickup_earliest=e.request.pickup_earliest.astimezone(zone),
            pickup_latest=e.request.pickup_latest.astimezone(zone),
            dropoff_location_id=e.request.dropoff_location_id,
            dropoff_earliest=e.request.dropoff_earliest.astimezone(zone),
            dropoff_latest=e.request.dropoff_latest.astimezone(zone),
            pool_reason=e.request.pool_reason,
            pool_reason_label=reason_label(e.request.pool_reason),
            not_cleared=e.blocked,
            refused=e.refused,
            best_offer=_read(e.best, runtime, held) if e.best else None,
            offers=[_read(o, runtime, held) for o in e.offers],
            other_offers=e.others,
        )
        for e in entries
    ]


def _read(offer: RestplatzOffer, runtime: Runtime, held: Mapping[str, str | None] | None = None) -> OfferRead:
    not_cleared = {r: why for r, why in (held or {}).items() if why}
    return OfferRead.of(
        offer, convert.offer_tour(offer.tour, offer.day, runtime.settings.timezone), runtime.zone, not_cleared
    )


@router.post(
    "/restplatz/offers/{offer_id}/take",
    dependencies=[allow(*DISPATCH)],
    response_model=OfferRead,
    responses=ERRORS,
)
def take(offer_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep) -> OfferRead:
    """Transportübernahme: the offer becomes a committed tour of the caller's ZAB; 409 if taken already."""
    offer = restplatz.take_over(session, principal, offer_id=offer_id, timezone=runtime.settings.timezone)
    return _read(offer, runtime)


@router.post(
    "/transport-requests/{request_id}/close",
    dependencies=[allow(*SUBMITTERS)],
    response_model=TransportRequestRead,
    responses=ERRORS,
)
def close(
    request_id: str, body: CloseCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TransportRequestRead:
    """The ABH drives itself (self_transport) or the removal is cancelled (cancelled)."""
    restplatz.close_request(
        session,
        principal,
        request_id=request_id,
        outcome=RequestStatus(body.outcome),
        text_=body.reason_text,
        reason=body.reason,
    )
    return TransportRequestRead.of(
        get_request(session, principal=principal, request_id=request_id, context="close"),
        principal,
        runtime.zone,
    )
