"""Duty roster and fleet changes, and what they mean for the Restplatzbörse.

Every change of a ZAB's shifts, absences or vehicle availability for a day is recorded as a
ResourceChange. A ZAB that refused a request for lack of staff or vehicles is not offered that
request again by the Restplatzbörse, unless its roster or fleet for the request's day changed
after the refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ltrako.core.security import Principal
from ltrako.models import ResourceChange, TransportRequest, ZabRefusal

# Refusals for lack of staff or vehicles (RejectReason codes): a changed roster or fleet may
# answer them; the others (security, time windows) it does not.
RESOURCE_REASONS = frozenset(
    {"no_staff", "no_vehicle", "no_capacity", "no_qualified_escort", "no_wheelchair_vehicle"}
)


def record_refusal(session: Session, *, request_id: str, zab_id: str, reason: str) -> None:
    session.add(ZabRefusal(request_id=request_id, zab_id=zab_id, reason=reason))


def note_change(
    session: Session, principal: Principal, *, zab_id: str, day: dt.date, kind: str, subject: str
) -> None:
    """Record that `zab_id`'s roster or fleet for `day` changed (kind: shift, absence, vehicle)."""
    session.add(ResourceChange(zab_id=zab_id, day=day, kind=kind, subject=subject, actor=principal.subject))


def refused_unchanged(session: Session, zab_id: str, request_ids: Iterable[str]) -> dict[str, str]:
    """Request → reason, for those `zab_id` refused for lack of staff or vehicles with no change
    of its roster or fleet for the request's day since."""
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    found = session.exec(
        select(ZabRefusal)
        .where(
            ZabRefusal.zab_id == zab_id,
            col(ZabRefusal.request_id).in_(ids),
            col(ZabRefusal.reason).in_(sorted(RESOURCE_REASONS)),
        )
        .order_by(col(ZabRefusal.at), col(ZabRefusal.id))
    ).all()
    if not found:
        return {}
    refused_ids = sorted({f.request_id for f in found})
    rows = session.exec(select(TransportRequest).where(col(TransportRequest.id).in_(refused_ids))).all()
    day_of = {r.id: r.service_date for r in rows}
    changes: dict[dt.date, dt.datetime] = {}
    for change in session.exec(
        select(ResourceChange).where(
            ResourceChange.zab_id == zab_id, col(ResourceChange.day).in_(sorted(set(day_of.values())))
        )
    ).all():
        if change.day not in changes or change.at > changes[change.day]:
            changes[change.day] = change.at
    refusals = [(r, day_of[r.request_id]) for r in found]
    out: dict[str, str] = {}
    for refusal, day in refusals:  # the latest refusal of a request decides
        last_change = changes.get(day)
        if last_change is None or last_change <= refusal.at:
            out[refusal.request_id] = refusal.reason
        else:
            out.pop(refusal.request_id, None)
    return out
