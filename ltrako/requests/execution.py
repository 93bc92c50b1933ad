"""After the day: the driving ZAB reports a transport as executed (durchgeführt) and its outcome.

The outcome feeds the APS figures: `returned` when the person left the country (the removal or
transfer succeeded), `not_returned` when the transport ran but the removal did not (refusal on
board, flight cancelled at the gate …).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from ltrako.core import policy
from ltrako.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from ltrako.core.security import Principal
from ltrako.models import RequestStatus, TransportRequest
from ltrako.requests import lifecycle

S = RequestStatus


def complete_request(
    session: Session,
    principal: Principal,
    *,
    request_id: str,
    returned: bool,
    today: dt.date,
    note: str | None = None,
) -> TransportRequest:
    """Mark a committed transport as executed; only the ZAB that drove it (or admin), on or after its day."""
    row = session.get(TransportRequest, request_id)
    if row is None:
        raise NotFound("Auftrag", request_id)
    policy.require_role(principal, policy.DISPATCH)
    policy.require(
        policy.drives(principal, row), "Nur die ZAB, die den Transport fährt, meldet ihn als durchgeführt."
    )
    if row.service_date > today:
        raise InvalidInput(
            [FieldProblem("request_id", "Ein Transport kann erst an seinem Tag als durchgeführt gelten.")]
        )
    code = lifecycle.RETURNED if returned else lifecycle.NOT_RETURNED
    if not lifecycle.claim(
        session,
        request_id,
        (S.ACCEPTED, S.TAKEN_OVER),
        S.COMPLETED,
        actor=principal,
        reason_code=code,
        reason_text=note,
    ):
        raise Conflict(f"Auftrag {request_id} ist nicht auf einer festen Tour oder schon abgeschlossen.")
    return lifecycle.audited_update(session, principal, row, f"complete {code}")
