"""Writing the audit trail. Events hold ids and roles only, never personal data."""

from __future__ import annotations

from typing import NoReturn

from sqlmodel import Session

from ltrako.core.db import after_rollback
from ltrako.core.errors import NotFound
from ltrako.core.security import Principal
from ltrako.models import AuditAction, AuditEvent, AuditOutcome


def record(
    session: Session,
    principal: Principal,
    *,
    action: AuditAction,
    entity: str,
    entity_id: str,
    outcome: AuditOutcome = AuditOutcome.OK,
    context: str | None = None,
) -> None:
    """Add one audit event to the caller's unit of work.

    A refused access is recorded even though the unit of work then fails: the event is
    written again after the rollback (see `ltrako.core.db.transaction`).
    """

    def event() -> AuditEvent:
        return AuditEvent(
            actor=principal.subject,
            role=principal.role.value,
            action=action,
            outcome=outcome,
            entity=entity,
            entity_id=entity_id,
            context=context,
        )

    session.add(event())
    if outcome is AuditOutcome.DENIED:
        after_rollback(session, lambda fresh: fresh.add(event()))


def not_found(
    session: Session,
    principal: Principal,
    *,
    entity: str,
    entity_id: str,
    label: str,
    action: AuditAction = AuditAction.UPDATE,
    context: str | None = None,
) -> NoReturn:
    """Another tenant's record is not there for the caller: 404 as for an unknown id (ids cannot
    be probed), the refusal audited."""
    record(
        session,
        principal,
        action=action,
        entity=entity,
        entity_id=entity_id,
        outcome=AuditOutcome.DENIED,
        context=context,
    )
    raise NotFound(label, entity_id)


def updated(session: Session, principal: Principal, entity: str, entity_id: object, context: str) -> None:
    """Audit a decision (an update) on a record: who changed which record, and what."""
    record(
        session,
        principal,
        action=AuditAction.UPDATE,
        entity=entity,
        entity_id=str(entity_id),
        context=context,
    )
