"""Dublin transfers from state facilities: the district's ZAB is responsible; the deadline drives priority.

Registering (or updating, e.g. after a court decision on suspensive effect) a transfer sets the
request's responsible ZAB to the ZAB of the facility's Regierungsbezirk and raises its planning
priority as the deadline nears (ltrako.requests.dublin); past the deadline the transfer cannot be
committed (ltrako.planning.clearance).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.errors import FieldProblem, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import (
    AuditAction,
    DublinTransfer,
    Location,
    RequestOrigin,
    TransportPurpose,
    TransportRequest,
)
from ltrako.requests import dublin
from ltrako.requests.reference import zab_for_regierungsbezirk
from planner.model import LocationKind

# A Dublin transfer is handed over at the border or, by air, at the airport.
DUBLIN_PURPOSES = frozenset({TransportPurpose.DUBLIN_HANDOVER, TransportPurpose.FLIGHT})


@dataclass(frozen=True, slots=True)
class TransferView:
    row: DublinTransfer
    zab_id: str
    deadline: dt.date
    days_left: int  # from the transport's service date
    priority: int | None  # None: expired, the transfer is blocked


def view(session: Session, row: DublinTransfer) -> TransferView:
    request = session.get(TransportRequest, row.request_id)
    assert request is not None
    case = dublin.case_of(row)
    deadline = dublin.transfer_deadline(case)
    return TransferView(
        row,
        request.zab_id,
        deadline,
        (deadline - request.service_date).days,
        dublin.priority_on(case, request.service_date),
    )


def register(
    session: Session,
    principal: Principal,
    *,
    request_id: str,
    facility_id: str,
    application_registered: dt.date,
    accepted_on: dt.date,
    court_decision_on: dt.date | None = None,
    extension: dublin.Extension = dublin.Extension.NONE,
) -> TransferView:
    """Create or update the request's Dublin transfer; InvalidInput names each bad field."""
    request = session.get(TransportRequest, request_id)
    if request is None:
        raise NotFound("Auftrag", request_id)
    facility = session.get(Location, facility_id)
    problems = []
    if facility is None or facility.kind != LocationKind.FACILITY or facility.regierungsbezirk_id is None:
        problems.append(
            FieldProblem("facility_id", f"{facility_id!r} ist keine Landeseinrichtung in NRW.", "facility")
        )
    if request.purpose not in DUBLIN_PURPOSES:
        problems.append(
            FieldProblem(
                "request_id",
                f"Auftrag {request_id} ist keine Dublin-Übergabe (Zweck: {request.purpose.value}); "
                "eine Dublin-Überstellung gibt es nur bei Übergabe an der Grenze oder am Flughafen.",
                "purpose",
            )
        )
    if accepted_on < application_registered:
        problems.append(
            FieldProblem("accepted_on", "Die Zustimmung kann nicht vor der Antragstellung liegen.", "order")
        )
    if court_decision_on is not None and court_decision_on < accepted_on:
        problems.append(
            FieldProblem("court_decision_on", "Die Gerichtsentscheidung liegt nach der Zustimmung.", "order")
        )
    if problems:
        raise InvalidInput(problems)
    assert facility is not None and facility.regierungsbezirk_id is not None
    zab = zab_for_regierungsbezirk(session, facility.regierungsbezirk_id)
    policy.require_role(principal, policy.DUBLIN, "Dublin-Überstellungen erfasst die zuständige ZAB.")
    policy.require(policy.acts_for_zab(principal, request.zab_id), f"Der Auftrag gehört zu {request.zab_id}.")
    policy.require(
        policy.registers_transfer(principal, request, zab.id),
        f"Zuständig ist {zab.id} (Regierungsbezirk der Einrichtung); die Übergabe an eine andere ZAB "
        "nimmt der Betrieb vor.",
    )
    row = session.exec(select(DublinTransfer).where(DublinTransfer.request_id == request_id)).first()
    if row is None:
        row = DublinTransfer(
            request_id=request_id,
            facility_location_id=facility_id,
            basis="",
            application_registered=application_registered,
            accepted_on=accepted_on,
            created_by=principal.subject,
        )
    row.facility_location_id, row.application_registered, row.accepted_on = (
        facility_id,
        application_registered,
        accepted_on,
    )
    row.court_decision_on, row.extension = court_decision_on, extension.value
    row.basis = dublin.basis_for(application_registered).value
    session.add(row)
    request.zab_id, request.origin = zab.id, RequestOrigin.STATE_FACILITY
    urgency = dublin.priority_on(dublin.case_of(row), request.service_date)
    if urgency is not None and urgency > request.priority:
        request.priority = urgency
    session.add(request)
    session.flush()
    audit.record(
        session, principal, action=AuditAction.UPDATE, entity="dublin_transfer", entity_id=request_id
    )
    return view(session, row)


def list_transfers(
    session: Session, principal: Principal, *, zab_id: str | None = None
) -> list[TransferView]:
    """The transfers of a ZAB (a dispatcher: their own), nearest deadline first."""
    zab_id = policy.transfers_zab(principal, zab_id)
    query = select(DublinTransfer).join(
        TransportRequest, col(TransportRequest.id) == col(DublinTransfer.request_id)
    )
    if zab_id is not None:
        query = query.where(TransportRequest.zab_id == zab_id)
    views = [view(session, row) for row in session.exec(query).all()]
    for v in views:  # audited by request id, as `register` does
        audit.record(
            session, principal, action=AuditAction.READ, entity="dublin_transfer", entity_id=v.row.request_id
        )
    return sorted(views, key=lambda v: (v.deadline, v.row.request_id))
