"""Who may see and do what with transport requests and persons (pure rules, no I/O)."""

from __future__ import annotations

from ltrako.core.security import Principal, Role
from ltrako.models import TransportRequest

# Roles that see the health-related flags (medical escort, wheelchair, medical reception):
# the ZAB plans with them, the ABH entered them, the ZRK arranges the medical reception.
MEDICAL_ROLES = frozenset({Role.ZAB, Role.ABH, Role.ZRK})
# Roles that handle single cases at all; the ministry sees aggregates only, the data
# protection officer (dpo) only the audit trail of a case.
CASE_ROLES = frozenset({Role.ABH, Role.ZAB, Role.ZFA, Role.ZRK, Role.ADMIN})
SUBMIT_ROLES = frozenset({Role.ABH, Role.ZAB, Role.ADMIN})
# Who may export a case's audit trail (ids, roles and actions: no case data).
AUDIT_EXPORT_ROLES = frozenset({Role.DPO, Role.ADMIN})


def can_read_request(principal: Principal, request: TransportRequest) -> bool:
    """ABH: its own requests; ZAB: requests of its district; ZFA, ZRK, admin: all; others none."""
    if principal.role is Role.ABH:
        return request.abh_id == principal.abh_id
    if principal.role is Role.ZAB:
        return request.zab_id == principal.zab_id
    return principal.role in CASE_ROLES


def sees_medical(principal: Principal) -> bool:
    return principal.role in MEDICAL_ROLES


def reads_medical_details(principal: Principal) -> bool:
    """The free-text medical details of a medical reception: the ZRK only."""
    return principal.role is Role.ZRK


def can_export_audit(principal: Principal) -> bool:
    return principal.role in AUDIT_EXPORT_ROLES
