"""The charters the ZFA (and the ZABs that drive their feeders) choose from, newest flight first."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ltrako.core import audit, policy
from ltrako.core.security import Principal
from ltrako.models import AuditAction, Charter


def list_charters(session: Session, principal: Principal, *, limit: int = 50) -> list[Charter]:
    policy.require_role(principal, policy.CHARTER_REPORT, "Sammelcharter sehen ZFA und ZAB.")
    rows = list(
        session.exec(
            select(Charter).order_by(col(Charter.flight_date).desc(), col(Charter.id).desc()).limit(limit)
        ).all()
    )
    for row in rows:
        audit.record(session, principal, action=AuditAction.READ, entity="charter", entity_id=str(row.id))
    return rows
