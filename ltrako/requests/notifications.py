"""Messages to the ABH about its requests: one per state change, German, ids and times only.

Written by the two places where a request's state is recorded: the status history
(`lifecycle.record_status`, `lifecycle.claim`, `lifecycle.record_event`) calls `status_changed`,
and the writer of committed tours (`planning.tours.save_committed`) calls `pickup_planned`.
The clearances (transit decisions, ZRK confirmations) call `notify` directly. Requests of
state facilities (no ABH) and requests already cancelled get none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select, update

from ltrako.core import policy
from ltrako.core.clock import clock_of, local_label
from ltrako.core.errors import NotFound
from ltrako.core.security import Principal
from ltrako.models import Notification, RequestStatus, TransportRequest, Zab

S = RequestStatus


class Kind(StrEnum):
    PICKUP_PLANNED = "pickup_planned"
    PICKUP_CHANGED = "pickup_changed"
    ACCEPTED = "accepted"
    TAKEN_OVER = "taken_over"
    REJECTED = "rejected"
    NO_ZAB = "no_zab"
    CANCELLED = "cancelled"
    UNCOMMITTED = "uncommitted"
    AMENDED = "amended"
    AMENDMENT_DECIDED = "amendment_decided"
    COMPLETED = "completed"
    TRANSIT_DECISION = "transit_decision"
    MEDICAL_RECEPTION = "medical_reception"
    CHARTER = "charter"


KIND_LABELS_DE = {
    Kind.PICKUP_PLANNED: "Abholzeit geplant",
    Kind.PICKUP_CHANGED: "Abholzeit geändert",
    Kind.ACCEPTED: "angenommen",
    Kind.TAKEN_OVER: "übernommen",
    Kind.REJECTED: "abgelehnt",
    Kind.NO_ZAB: "keine ZAB gefunden",
    Kind.CANCELLED: "storniert",
    Kind.UNCOMMITTED: "Tour aufgehoben",
    Kind.AMENDED: "geändert",
    Kind.AMENDMENT_DECIDED: "Änderung entschieden",
    Kind.COMPLETED: "durchgeführt",
    Kind.TRANSIT_DECISION: "Durchbeförderung",
    Kind.MEDICAL_RECEPTION: "medizinische Inempfangnahme",
    Kind.CHARTER: "Sammelcharter",
}


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS_DE[Kind(kind)]
    except ValueError:
        return kind


def notify(session: Session, request: TransportRequest, kind: Kind, text: str) -> Notification | None:
    """One message to the request's ABH (none for state facilities or cancelled requests)."""
    if request.abh_id is None or (
        RequestStatus(request.status) is S.CANCELLED and kind is not Kind.CANCELLED
    ):
        return None
    row = Notification(abh_id=request.abh_id, request_id=request.id, kind=kind.value, text=text[:400])
    session.add(row)
    return row


def notify_case(session: Session, abh_id: str, text: str) -> Notification:
    """A message about a removal case of the ABH (no transport request yet: a charter's choice)."""
    row = Notification(abh_id=abh_id, request_id=None, kind=Kind.CHARTER.value, text=text[:400])
    session.add(row)
    return row


def _zab_name(session: Session, zab_id: str | None) -> str:
    zab = session.get(Zab, zab_id) if zab_id else None
    return zab.name if zab is not None else (zab_id or "ZAB")


def status_changed(
    session: Session,
    request: TransportRequest,
    current: RequestStatus | None,
    target: RequestStatus,
    actor: Principal,
    reason: tuple[str | None, str | None],
) -> None:
    """The hook of the status history: the ABH hears of every change that concerns it
    (`reason`: the history's reason code and text)."""
    why = _reason(*reason)
    acting_zab = policy.zab_of(actor)
    if target is S.ACCEPTED and current is not S.ACCEPTED:
        name = _zab_name(session, acting_zab or request.carrier_zab_id or request.zab_id)
        notify(session, request, Kind.ACCEPTED, f"Auftrag {request.id} angenommen von {name}.")
    elif target is S.TAKEN_OVER:
        name = _zab_name(session, acting_zab or request.carrier_zab_id)
        text = f"Auftrag {request.id} aus der Restplatzbörse übernommen von {name}."
        notify(session, request, Kind.TAKEN_OVER, text)
    elif target is S.REJECTED:
        name = _zab_name(session, acting_zab or request.zab_id)
        notify(session, request, Kind.REJECTED, f"Auftrag {request.id} abgelehnt von {name}{why}.")
    elif target is S.CANCELLED and policy.abh_of(actor) is None:  # the ABH knows its own
        by = _zab_name(session, acting_zab) if acting_zab else "den Betrieb"
        text = f"Auftrag {request.id} storniert durch {by}{why}."
        notify(session, request, Kind.CANCELLED, text)
    elif target is S.COMPLETED:
        notify(session, request, Kind.COMPLETED, f"Auftrag {request.id} durchgeführt.")
    elif current in (S.ACCEPTED, S.TAKEN_OVER) and target in (S.SUBMITTED, S.IN_POOL):
        text = f"Die Tour von Auftrag {request.id} wurde aufgehoben{why}; er wird neu geplant."
        notify(session, request, Kind.UNCOMMITTED, text)


# German labels of reason codes, registered by the modules that define the codes (the lifecycle's
# cancel reasons, the planning's rejection reasons): this module sits below both.
REASON_LABELS: dict[str, str] = {}


def register_reasons(labels: Mapping[Any, str]) -> None:
    REASON_LABELS.update({str(k): v for k, v in labels.items()})


def _reason(code: str | None, text: str | None) -> str:
    label = text or (REASON_LABELS.get(code, code) if code else None)
    return f": {label}" if label else ""


def pickup_planned(
    session: Session, request_id: str, before: dt.datetime | None, after: dt.datetime | None
) -> None:
    """The hook of the committed tours: the planned pickup time is new, changed or gone."""
    if after is None or before == after:
        return
    request = session.get(TransportRequest, request_id)
    if request is None:
        return
    zone = clock_of(session).zone
    when = local_label(after, zone, "%d.%m.%Y %H:%M")
    if before is None:
        notify(session, request, Kind.PICKUP_PLANNED, f"Auftrag {request.id}: geplante Abholung {when}.")
    else:
        was = local_label(before, zone, "%H:%M")
        text = f"Auftrag {request.id}: Abholung geändert auf {when}; bisher {was}."
        notify(session, request, Kind.PICKUP_CHANGED, text)


def no_zab_found(session: Session, request: TransportRequest, reason: str | None) -> None:
    """A Restplatzbörse run placed the pooled request with no ZAB."""
    text = f"Auftrag {request.id}: keine ZAB in der Restplatzbörse gefunden{_reason(reason, None)}."
    notify(session, request, Kind.NO_ZAB, text)


# ---------------------------------------------------------------------------- reading


def of_abh(
    session: Session, abh_id: str, *, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    query = select(Notification).where(Notification.abh_id == abh_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)).all())


def unread_count(session: Session, abh_id: str) -> int:
    return len(
        session.exec(
            select(Notification.id).where(Notification.abh_id == abh_id, col(Notification.read_at).is_(None))
        ).all()
    )


def mark_read(session: Session, abh_id: str, notification_id: int | None = None) -> int:
    """Mark one message (or, without an id, all) of the ABH as read; the number marked.
    Another ABH's message is not there (NotFound)."""
    if notification_id is not None:
        row = session.get(Notification, notification_id)
        if row is None or row.abh_id != abh_id:
            raise NotFound("Benachrichtigung", str(notification_id))
    query = update(Notification).where(
        col(Notification.abh_id) == abh_id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        query = query.where(col(Notification.id) == notification_id)
    result = session.exec(query.values(read_at=clock_of(session).now()))
    return int(result.rowcount)
