"""What both sign-ins of the pages share (OIDC, demo): known ZAB and ABH, the audit trail.

Sign-in, sign-out and refused sign-ins are audit events of entity `session`; the entity id is
the start of the token's hash (it links sign-in, sign-out and revocation without the token),
a refusal carries its short reason. No claim, name or address is recorded.
"""

from __future__ import annotations

from sqlmodel import Session

from ltrako.core import audit, policy
from ltrako.core.revocation import digest
from ltrako.core.security import Principal, SignInError
from ltrako.models import Abh, AuditAction, AuditEvent, AuditOutcome, Zab

ANONYMOUS = "anonym"


def check_units(session: Session, principal: Principal) -> None:
    """Refuse a ZAB or ABH id that the reference data does not know."""
    zab, abh = policy.zab_of(principal), policy.abh_of(principal)
    if zab is not None and session.get(Zab, zab) is None:
        raise SignInError("Unbekannte ZAB: die Anmeldung ist nicht möglich.", "unknown-zab")
    if abh is not None and session.get(Abh, abh) is None:
        raise SignInError("Unbekannte ABH: die Anmeldung ist nicht möglich.", "unknown-abh")


def signed_in(session: Session, principal: Principal, token: str, how: str) -> None:
    audit.record(
        session,
        principal,
        action=AuditAction.CREATE,
        entity="session",
        entity_id=digest(token)[:16],
        context=f"Anmeldung ({how})",
    )


def signed_out(session: Session, principal: Principal, token: str) -> None:
    audit.record(
        session,
        principal,
        action=AuditAction.DELETE,
        entity="session",
        entity_id=digest(token)[:16],
        context="Abmeldung, Token widerrufen",
    )


def refused(session: Session, reason: str) -> None:
    """A refused sign-in: nobody is known yet, so the actor is `anonym`."""
    session.add(
        AuditEvent(
            actor=ANONYMOUS,
            role="-",
            action=AuditAction.CREATE,
            outcome=AuditOutcome.DENIED,
            entity="session",
            entity_id="-",
            context=f"Anmeldung abgelehnt: {reason}"[:200],
        )
    )
