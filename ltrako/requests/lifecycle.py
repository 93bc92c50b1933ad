"""The status lifecycle of a transport request and its history.

submitted → planned → accepted | rejected → in_pool (Restplatzbörse) → taken_over →
completed | cancelled | self_transport (the ABH drives itself).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlmodel import Session, col, update

from ltrako.core import audit
from ltrako.core.errors import Conflict
from ltrako.core.security import Principal
from ltrako.models import RequestStatus, RequestStatusChange, TransportRequest
from ltrako.requests import notifications

S = RequestStatus
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.SELF_TRANSPORT})
OPEN = frozenset(set(RequestStatus) - TERMINAL)

ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.PLANNED, S.REJECTED, S.CANCELLED, S.SELF_TRANSPORT}),
    S.PLANNED: frozenset({S.SUBMITTED, S.PLANNED, S.ACCEPTED, S.REJECTED, S.CANCELLED, S.SELF_TRANSPORT}),
    # Back to planning when the ZAB un-commits the tour (uncommit): its own request is planned
    # again, a taken-over one goes back to the Restplatzbörse.
    S.ACCEPTED: frozenset({S.COMPLETED, S.CANCELLED, S.SUBMITTED}),
    S.REJECTED: frozenset({S.IN_POOL, S.CANCELLED, S.SELF_TRANSPORT}),
    S.IN_POOL: frozenset({S.TAKEN_OVER, S.CANCELLED, S.SELF_TRANSPORT}),
    S.TAKEN_OVER: frozenset({S.COMPLETED, S.CANCELLED, S.IN_POOL}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.SELF_TRANSPORT: frozenset(),
}

LABELS_DE = {
    S.SUBMITTED: "eingereicht",
    S.PLANNED: "eingeplant",
    S.ACCEPTED: "angenommen",
    S.REJECTED: "abgelehnt",
    S.IN_POOL: "in der Restplatzbörse",
    S.TAKEN_OVER: "übernommen",
    S.COMPLETED: "durchgeführt",
    S.CANCELLED: "storniert",
    S.SELF_TRANSPORT: "Eigentransport durch die ABH",
}

# Reason codes of the end states (besides the planner's and the ZAB's rejection reasons).
RETURNED = "returned"  # executed, and the person left the country (removal or transfer succeeded)
NOT_RETURNED = "not_returned"  # executed, but the removal did not happen (refusal on board …)


class CancelReason(StrEnum):
    """Why a removal was cancelled (for the APS figures)."""

    ABSCONDED = "absconded"  # untergetaucht
    UNFIT_TO_TRAVEL = "unfit_to_travel"  # reiseunfähig
    LEGAL_OBSTACLE = "legal_obstacle"  # rechtliches Hindernis
    FLIGHT_CANCELLED = "flight_cancelled"  # Flug gestrichen
    VOLUNTARY_DEPARTURE = "voluntary_departure"  # freiwillig ausgereist
    OTHER = "other"


CANCEL_REASONS: dict[str, str] = {
    CancelReason.ABSCONDED: "untergetaucht",
    CancelReason.UNFIT_TO_TRAVEL: "reiseunfähig",
    CancelReason.LEGAL_OBSTACLE: "rechtliches Hindernis",
    CancelReason.FLIGHT_CANCELLED: "Flug gestrichen",
    CancelReason.VOLUNTARY_DEPARTURE: "freiwillig ausgereist",
    CancelReason.OTHER: "sonstiger Grund",
}
notifications.register_reasons(CANCEL_REASONS)


def can_move(current: RequestStatus, target: RequestStatus) -> bool:
    return target in ALLOWED[current]


def record_status(
    session: Session,
    request: TransportRequest,
    target: RequestStatus,
    *,
    actor: Principal,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> None:
    """Move `request` to `target` and write the history row; Conflict if the move is not allowed."""
    current = RequestStatus(request.status)
    if not can_move(current, target):
        raise Conflict(
            f"Auftrag {request.id}: Statuswechsel von „{LABELS_DE[current]}“ "
            f"nach „{LABELS_DE[target]}“ ist nicht zulässig."
        )
    request.status = target
    request.status_reason = reason_code
    session.add(request)
    _history(session, request, current, target, actor, reason_code, reason_text)


def record_event(
    session: Session,
    request: TransportRequest,
    *,
    actor: Principal,
    reason_code: str,
    reason_text: str | None = None,
) -> None:
    """A change of the request that keeps its status (an amendment, a re-timed tour): a history
    row from and to the current status."""
    current = RequestStatus(request.status)
    _history(session, request, current, current, actor, reason_code, reason_text)


def _history(
    session: Session,
    request: TransportRequest,
    current: RequestStatus | None,
    target: RequestStatus,
    actor: Principal,
    reason_code: str | None,
    reason_text: str | None,
) -> None:
    """The one writer of status changes: the history row, and the ABH's notification (none for
    a change that keeps the status: its writer tells the ABH what changed)."""
    session.add(
        RequestStatusChange(
            request_id=request.id,
            from_status=current,
            to_status=target,
            actor=actor.subject,
            reason_code=reason_code,
            reason_text=reason_text,
        )
    )
    if current is not target:
        notifications.status_changed(session, request, current, target, actor, (reason_code, reason_text))


def record_created(session: Session, request: TransportRequest, *, actor: Principal) -> None:
    """The first history row of a new request."""
    session.add(
        RequestStatusChange(
            request_id=request.id, from_status=None, to_status=request.status, actor=actor.subject
        )
    )


def claim(
    session: Session,
    request_id: str,
    expected: Collection[RequestStatus],
    target: RequestStatus,
    *,
    actor: Principal,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> bool:
    """Move the request to `target` only if it is still in one of `expected`, atomically.

    One conditional UPDATE: of two transactions claiming the same request, the second waits
    for the first (PostgreSQL row lock, SQLite writer lock) and then finds nothing to update.
    Returns False if the request was not in an expected status.
    """
    row = session.get(TransportRequest, request_id)
    if row is None:
        return False
    current = RequestStatus(row.status)
    result = session.exec(
        update(TransportRequest)
        .where(col(TransportRequest.id) == request_id, col(TransportRequest.status).in_(list(expected)))
        .values(status=target, status_reason=reason_code)
    )
    if result.rowcount != 1:
        return False
    session.refresh(row)
    _history(session, row, current if current in expected else None, target, actor, reason_code, reason_text)
    return True


def audited_update(
    session: Session, principal: Principal, row: TransportRequest, what: str
) -> TransportRequest:
    """Audit a decision on a request and return the request as it is now."""
    audit.updated(session, principal, "transport_request", row.id, what)
    session.refresh(row)
    return row
