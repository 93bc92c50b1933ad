"""Whether requests may be committed: every transit of their flight approved, no rebooking pending.

Checked where tours are committed (tour acceptance, Transportübernahme), so that nothing
uncleared gets on a committed tour whichever way it comes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from ltrako.errors import Conflict
from ltrako.models import Flight, TransitRequest, TransitStatus, TransportRequest

CLEARED = (TransitStatus.APPROVED, TransitStatus.WITHDRAWN)


def blocking(session: Session, request_ids: Iterable[str]) -> dict[str, str]:
    """Request id → why it may not be committed yet (German), for those that may not."""
    out: dict[str, str] = {}
    for request_id in sorted(set(request_ids)):
        request = session.get(TransportRequest, request_id)
        if request is None or request.flight_id is None:
            continue
        flight = session.get(Flight, request.flight_id)
        if flight is not None and flight.needs_rebooking:
            out[request_id] = "Flug muss umgebucht werden (Durchbeförderung abgelehnt)"
            continue
        open_transits = session.exec(
            select(TransitRequest).where(
                TransitRequest.flight_id == request.flight_id,
                col(TransitRequest.status).not_in(list(CLEARED)),
            )
        ).all()
        if open_transits:
            airports = ", ".join(sorted({t.airport for t in open_transits}))
            out[request_id] = f"Durchbeförderung über {airports} nicht bewilligt"
    return out


def ensure_cleared(session: Session, request_ids: Iterable[str]) -> None:
    """Conflict (409) naming each request that may not be committed and why."""
    blocked = blocking(session, request_ids)
    if blocked:
        raise Conflict("Nicht freigegeben: " + "; ".join(f"{r}: {why}" for r, why in blocked.items()) + ".")
