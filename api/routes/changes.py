"""Changes under way: cancel and amend requests, the ZAB's decision on amendments, un-commit a
tour; the ABH's notifications. Each call is one transaction, audited, in the status history."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import CHANGE, DISPATCH, NOTIFICATIONS, allow
from api.schemas.changes import (
    AmendmentRead,
    AmendResultRead,
    CancelCreate,
    DecisionCreate,
    MarkedRead,
    NotificationRead,
    TransportRequestUpdate,
    UncommitCreate,
    UncommitRead,
)
from api.schemas.common import DECISION_ERRORS
from api.schemas.requests import TransportRequestRead
from ltrako.core import audit
from ltrako.core.security import Principal
from ltrako.models import AuditAction
from ltrako.planning import changes
from ltrako.requests import notifications
from ltrako.requests.submission import get_request

router = APIRouter(tags=["Änderungen und Benachrichtigungen"])
ERRORS = DECISION_ERRORS


@router.post(
    "/transport-requests/{request_id}/cancel",
    dependencies=[allow(*CHANGE)],
    response_model=TransportRequestRead,
    responses=ERRORS,
)
def cancel(
    request_id: str, body: CancelCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TransportRequestRead:
    """Cancel up to the pickup: the request leaves its committed tour, which is re-timed (or released)."""
    changes.cancel_request(
        session,
        principal,
        request_id=request_id,
        reason=body.reason,
        text=body.reason_text,
        timezone=runtime.settings.timezone,
        travel=runtime.travel,
    )
    record = get_request(session, principal=principal, request_id=request_id, context="cancel")
    return TransportRequestRead.of(record, principal, runtime.zone)


@router.patch(
    "/transport-requests/{request_id}",
    dependencies=[allow(*CHANGE)],
    response_model=AmendResultRead,
    responses={**ERRORS, 202: {"model": AmendResultRead}},
)
def amend(
    request_id: str,
    body: TransportRequestUpdate,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> AmendResultRead:
    """Change times, persons, flags or the flight. Before commitment: checked and stored (200).
    On a committed tour: re-timed with everything else locked, waiting for the ZAB (202)."""
    result = changes.amend_request(
        session,
        principal,
        request_id=request_id,
        changes=body.to_changes(),
        timezone=runtime.settings.timezone,
        travel=runtime.travel,
    )
    record = get_request(session, principal=principal, request_id=request_id, context="amend")
    if result.amendment is not None:
        response.status_code = 202
    return AmendResultRead(
        request=TransportRequestRead.of(record, principal, runtime.zone),
        amendment=AmendmentRead.of(result.amendment, runtime.zone) if result.amendment else None,
    )


@router.get(
    "/amendments", dependencies=[allow(*DISPATCH)], response_model=list[AmendmentRead], responses=ERRORS
)
def amendments(session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep) -> list[AmendmentRead]:
    """Amendments waiting for the caller's ZAB (the one driving the tour)."""
    return [AmendmentRead.of(a, runtime.zone) for a in changes.pending_amendments(session, principal)]


@router.post(
    "/amendments/{amendment_id}/decision",
    dependencies=[allow(*DISPATCH)],
    response_model=AmendmentRead,
    responses=ERRORS,
)
def decide(
    amendment_id: int, body: DecisionCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> AmendmentRead:
    """The driving ZAB confirms the amendment (request and re-timed tour stored) or rejects it."""
    row = changes.decide_amendment(
        session,
        principal,
        amendment_id=amendment_id,
        approve=body.approve,
        reason=body.reason,
        timezone=runtime.settings.timezone,
    )
    return AmendmentRead.of(row, runtime.zone)


@router.post(
    "/tours/{tour_id}/uncommit",
    dependencies=[allow(*DISPATCH)],
    response_model=UncommitRead,
    responses=ERRORS,
)
def uncommit(
    tour_id: int, body: UncommitCreate, session: SessionDep, principal: PrincipalDep
) -> UncommitRead:
    """Take back a committed tour (reason, audited): its requests are planned again."""
    ids = changes.uncommit_tour(session, principal, tour_id=tour_id, reason=body.reason)
    return UncommitRead(tour_id=tour_id, requests=ids)


# ------------------------------------------------------------------- notifications


def _own_abh(principal: Principal) -> str:
    assert principal.abh_id is not None  # the gate admits case workers of an ABH only
    return principal.abh_id


@router.get(
    "/notifications",
    dependencies=[allow(*NOTIFICATIONS)],
    response_model=list[NotificationRead],
    responses=ERRORS,
)
def list_notifications(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    unread: bool = Query(False, description="Nur ungelesene."),
) -> list[NotificationRead]:
    """Messages to the caller's ABH about its requests, newest first."""
    rows = notifications.of_abh(session, _own_abh(principal), unread_only=unread)
    for row in rows:
        audit.record(
            session, principal, action=AuditAction.READ, entity="notification", entity_id=str(row.id)
        )
    return [NotificationRead.of(r, runtime.zone) for r in rows]


@router.post(
    "/notifications/{notification_id}/read",
    dependencies=[allow(*NOTIFICATIONS)],
    response_model=MarkedRead,
    responses=ERRORS,
)
def mark_read(notification_id: int, session: SessionDep, principal: PrincipalDep) -> MarkedRead:
    """Mark one message as read (another ABH's message is not there: 404)."""
    marked = notifications.mark_read(session, _own_abh(principal), notification_id)
    audit.updated(session, principal, "notification", notification_id, "read")
    return MarkedRead(marked=marked)


@router.post(
    "/notifications/read", dependencies=[allow(*NOTIFICATIONS)], response_model=MarkedRead, responses=ERRORS
)
def mark_all_read(session: SessionDep, principal: PrincipalDep) -> MarkedRead:
    """Mark every message of the caller's ABH as read."""
    marked = notifications.mark_read(session, _own_abh(principal))
    audit.updated(session, principal, "notification", "*", f"read {marked}")
    return MarkedRead(marked=marked)
