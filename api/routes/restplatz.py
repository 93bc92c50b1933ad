"""Restplatzbörse: runs (by hand; nightly by the scheduler), offers, Transportübernahme."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, SUBMITTERS, allow
from api.routes.jobs import QUEUED, accepted
from api.schemas.common import DECISION_ERRORS, Day
from api.schemas.planning import JobRead, OfferRead, RunCreate, RunRead
from api.schemas.requests import CloseCreate, TransportRequestRead
from ltrako.core.clock import clock_of
from ltrako.core.runtime import Runtime
from ltrako.core.security import Role
from ltrako.models import OfferStatus, RequestStatus, RestplatzOffer
from ltrako.planning import convert, restplatz
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
    """Offers addressed to the caller's ZAB (admin: all)."""
    return [_read(o, runtime) for o in restplatz.offers(session, principal, day=day, status=status)]


def _read(offer: RestplatzOffer, runtime: Runtime) -> OfferRead:
    return OfferRead.of(
        offer, convert.offer_tour(offer.tour, offer.day, runtime.settings.timezone), runtime.zone
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
