"""Role rules of the routes: each route declares who may call it, checked before its input.

`allow(...)` is the one place a route's roles are written down; the services check the finer
rules (own ABH, own ZAB) again. A caller with another role gets 403 without the body even
being read. The authorisation matrix test reads these rules from the route table, so a route
without a rule fails the build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from sqlmodel import Session

from api.deps import PrincipalDep, SessionDep
from ltrako.core import audit, policy
from ltrako.core.errors import Forbidden
from ltrako.core.security import Principal, Role
from ltrako.models import AuditAction, AuditOutcome

ALL_ROLES = policy.ALL
GATE_ATTRIBUTE = "ltrako_allowed_roles"


def allow(*roles: Role) -> Any:
    """The route's dependency admitting the given roles (no roles: any signed-in role)."""
    allowed = frozenset(roles) or ALL_ROLES

    def gate(principal: PrincipalDep, session: SessionDep, request: Request) -> Principal:
        if not policy.has_role(principal, allowed):
            _refuse(session, principal, request)
        return principal

    setattr(gate, GATE_ATTRIBUTE, allowed)
    return Depends(gate)


def _refuse(session: Session, principal: Principal, request: Request) -> NoReturn:
    audit_refusal(session, principal, request)
    raise Forbidden("Ihre Rolle ist für diese Funktion nicht freigegeben.", audited=True)


# The record a refused call concerns, by the name of its first path parameter.
PARAM_ENTITIES = {
    "request_id": "transport_request",
    "transit_id": "transit_request",
    "flight_id": "flight",
    "version_id": "plan_version",
    "offer_id": "restplatz_offer",
    "charter_id": "charter",
    "tour_id": "tour",
    "vehicle_id": "vehicle",
    "escort_id": "escort",
    "job_id": "job",
    "amendment_id": "request_amendment",
    "notification_id": "notification",
}


def audit_refusal(session: Session, principal: Principal, request: Request) -> None:
    """Record a refused call (it survives the rollback): the record it was about, by id, and the
    route; no input. Gates, services and pages refuse; every refusal is recorded here."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", request.url.path)
    entity, entity_id = "endpoint", "-"
    for name, value in request.path_params.items():
        if name == "case_id":  # /zrk/cases/{case_id} or /removal-cases/{case_id}
            entity = "medical_reception" if "/zrk/" in template else "removal_case"
        elif name in PARAM_ENTITIES:
            entity = PARAM_ENTITIES[name]
        else:
            continue
        entity_id = str(value)[:40]
        break
    audit.record(
        session,
        principal,
        action=AuditAction.READ if request.method == "GET" else AuditAction.UPDATE,
        entity=entity,
        entity_id=entity_id,
        outcome=AuditOutcome.DENIED,
        context=f"{request.method} {template}"[:200],
    )


def public() -> Any:
    """Marks a route that needs no sign-in (health checks)."""

    def gate() -> None:
        return None

    setattr(gate, GATE_ATTRIBUTE, None)
    return Depends(gate)


def rule_of(dependencies: list[DependsParam]) -> frozenset[Role] | str | None:
    """The roles a route's gate admits, None for public, "missing" without a gate."""
    for dependency in dependencies:
        call: Callable[..., Any] | None = dependency.dependency
        if call is not None and hasattr(call, GATE_ATTRIBUTE):
            rule: frozenset[Role] | None = getattr(call, GATE_ATTRIBUTE)
            return rule
    return "missing"


# The route gates' role sets are the policy's (ltrako.core.policy, the one home of these rules).
SUBMITTERS = policy.SUBMIT
CASE_READERS = policy.CASE_READ
DISPATCH = policy.DISPATCH
CHANGE = policy.CHANGE
NOTIFICATIONS = policy.NOTIFICATIONS
ZFA = policy.ZFA
ZRK = policy.ZRK
STATISTICS = policy.STATISTICS
MINISTRY = policy.MINISTRY
