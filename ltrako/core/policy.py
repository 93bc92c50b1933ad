"""Who may do what to which record: every authorisation rule of ltrako, and only here.

Routes and pages gate on the role sets (`api.gates.allow`, `api.web.session.page_allow`);
services check the record with the predicates (own ABH, own ZAB, the carrier, the job's
owner, medical details). Pure rules: no I/O, no audit (the callers record refusals).

Roles: abh (case worker of one ABH), zab (dispatcher of one ZAB), zfa, zrk, ministry
(aggregates only, never single cases), admin (operations), dpo (the audit trail of a case,
never the case data).
"""

from __future__ import annotations

from collections.abc import Collection

from ltrako.core.errors import FieldProblem, Forbidden, InvalidInput
from ltrako.core.security import Principal, Role
from ltrako.models import (
    Job,
    PlanVersion,
    RemovalCase,
    RequestOrigin,
    RestplatzOffer,
    TransportRequest,
)

# ------------------------------------------------------------------------ role sets

ALL = frozenset(Role)
SUBMIT = frozenset({Role.ABH, Role.ZAB, Role.ADMIN})  # transport requests
# Single cases at all; the ministry sees aggregates, the dpo only audit trails.
CASE_READ = frozenset({Role.ABH, Role.ZAB, Role.ZFA, Role.ZRK, Role.ADMIN})
# The health-related flags (medical escort, wheelchair, medical reception): the ZAB plans with
# them, the ABH entered them, the ZRK arranges the reception.
MEDICAL_FLAGS = frozenset({Role.ZAB, Role.ABH, Role.ZRK})
DISPATCH = frozenset({Role.ZAB, Role.ADMIN})  # plan days, commit tours, Restplatzbörse, jobs
ZFA = frozenset({Role.ZFA, Role.ADMIN})  # flights and transit requests (Durchbeförderung)
ZRK = frozenset({Role.ZRK, Role.ADMIN})  # medical receptions
STATISTICS = frozenset({Role.MINISTRY, Role.ZAB, Role.ADMIN})  # aggregates (a ZAB: its own)
MINISTRY = frozenset({Role.MINISTRY, Role.ADMIN})  # parliamentary tables, APS imports
AUDIT_EXPORT = frozenset({Role.DPO, Role.ADMIN})  # ids, roles and actions: no case data
REMOVAL_CASES = frozenset({Role.ABH, Role.ZAB, Role.ADMIN})  # cases waiting for a charter
CHARTER = frozenset({Role.ZFA, Role.ADMIN})
CHARTER_REPORT = frozenset({Role.ZFA, Role.ZAB, Role.ADMIN})
DUBLIN = frozenset({Role.ZAB, Role.ADMIN})  # register Dublin transfers
# Printable documents with personal data (case refs, special needs) and the crews' calendars.
TOUR_DOCUMENTS = frozenset({Role.ZAB, Role.ADMIN})  # Fahrauftrag, calendar feeds: the driving ZAB
TRANSIT_DOCUMENTS = ZFA  # the transit request for the federal police airport office
CHARTER_MANIFEST = CHARTER  # persons of every ZAB on board: the ZFA and operations
DUBLIN_READ = frozenset({Role.ZAB, Role.ZFA, Role.ADMIN})
CHANGE = frozenset({Role.ABH, Role.ZAB, Role.ADMIN})  # cancel and amend requests
NOTIFICATIONS = frozenset({Role.ABH})  # the messages about an ABH's own requests


def has_role(principal: Principal, roles: Collection[Role]) -> bool:
    return principal.role in roles


def is_operations(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


# -------------------------------------------------------------------- units of a caller


def abh_of(principal: Principal) -> str | None:
    """The ABH a case worker belongs to (None for other roles)."""
    return principal.abh_id if principal.role is Role.ABH else None


def zab_of(principal: Principal) -> str | None:
    """The ZAB a dispatcher belongs to (None for other roles)."""
    return principal.zab_id if principal.role is Role.ZAB else None


def acts_for_zab(principal: Principal, zab_id: str | None) -> bool:
    """A dispatcher of that ZAB, or operations."""
    return is_operations(principal) or (principal.role is Role.ZAB and principal.zab_id == zab_id)


def planning_zab(principal: Principal, requested: str | None) -> str:
    """The ZAB whose day the caller plans: a dispatcher their own, operations the one named."""
    own = zab_of(principal)
    if own is not None:
        if requested not in (None, own):
            raise Forbidden("Disponenten planen nur für die eigene ZAB.")
        return own
    if is_operations(principal):
        if requested:
            return requested
        raise InvalidInput([FieldProblem("zab_id", "ZAB angeben.", "missing")])
    raise Forbidden("Nur ZAB-Disponenten planen Tage.")


# ------------------------------------------------------------------ transport requests


def reads_request(principal: Principal, request: TransportRequest) -> bool:
    """ABH: its own requests; ZAB: requests of its district and those it carries (after a
    Transportübernahme); ZFA, ZRK, admin: all; others none."""
    if principal.role is Role.ABH:
        return request.abh_id == principal.abh_id
    if principal.role is Role.ZAB:
        return principal.zab_id in (request.zab_id, request.carrier_zab_id)
    return principal.role in CASE_READ


def submitting_abh(principal: Principal, origin: RequestOrigin, abh_id: str | None) -> str | None:
    """The ABH a new request (or removal case) belongs to: a case worker's own ABH only,
    municipal cases only; ZAB and admin name it (None for state facilities)."""
    own = abh_of(principal)
    if own is not None:
        if origin is not RequestOrigin.MUNICIPAL or abh_id not in (None, own):
            raise Forbidden("Aufträge können nur für die eigene ABH eingereicht werden.")
        return own
    return abh_id if origin is RequestOrigin.MUNICIPAL else None


def submits_to(principal: Principal, zab_id: str) -> bool:
    """A dispatcher submits only requests of their own district."""
    own = zab_of(principal)
    return own is None or own == zab_id


def decides_request(principal: Principal, request: TransportRequest) -> bool:
    """Cancel or hand back a request: its own ABH, its responsible ZAB, or operations."""
    if principal.role is Role.ABH:
        return request.abh_id == principal.abh_id
    return acts_for_zab(principal, request.zab_id)


def drives(principal: Principal, request: TransportRequest) -> bool:
    """Report a transport as executed: the ZAB that drives it, or operations."""
    return acts_for_zab(principal, request.carrier_zab_id or request.zab_id)


def cancels_request(principal: Principal, request: TransportRequest) -> bool:
    """Cancel up to the pickup: its own ABH, its responsible ZAB, the ZAB that carries it, operations."""
    return decides_request(principal, request) or (principal.role is Role.ZAB and drives(principal, request))


def confirms_amendment(principal: Principal, request: TransportRequest) -> bool:
    """An amendment of a request on a committed tour: the ZAB that drives it, or operations."""
    return principal.role in DISPATCH and drives(principal, request)


def uncommits_tour(principal: Principal, vehicle_zab: str) -> bool:
    """Take a tour's commitment back: the ZAB whose vehicle drives it, or operations."""
    return principal.role in DISPATCH and acts_for_zab(principal, vehicle_zab)


def sees_medical(principal: Principal) -> bool:
    return principal.role in MEDICAL_FLAGS


def reads_medical_details(principal: Principal) -> bool:
    """The free-text medical details of a medical reception: the ZRK only."""
    return principal.role is Role.ZRK


def enters_medical_details(principal: Principal, request: TransportRequest) -> bool:
    """The ABH that knows the person, or the ZRK."""
    if principal.role is Role.ABH:
        return request.abh_id == principal.abh_id
    return principal.role in ZRK


# -------------------------------------------------------------------------- planning


def reads_version(principal: Principal, version: PlanVersion) -> bool:
    return acts_for_zab(principal, version.zab_id)


def sees_offer(principal: Principal, offer: RestplatzOffer) -> bool:
    """Offers of the Restplatzbörse: those addressed to the dispatcher's ZAB, all for operations."""
    return acts_for_zab(principal, offer.zab_id)


def follows_job(principal: Principal, job: Job) -> bool:
    """A job for the one who started it, and operations."""
    return job.owner == principal.subject or is_operations(principal)


SOLVE_SECONDS_OPERATIONS = 300.0  # admin (and the nightly batch, which runs as system)
SOLVE_SECONDS = 60.0  # ZAB dispatchers and the ZFA


def max_solve_seconds(principal: Principal) -> float:
    """The longest solver time a principal may ask for (a solve occupies a worker that long)."""
    return SOLVE_SECONDS_OPERATIONS if is_operations(principal) else SOLVE_SECONDS


def reads_tour(principal: Principal, vehicle_zab: str) -> bool:
    """A tour's documents (Fahrauftrag, calendars): the ZAB whose vehicle drives it, or operations."""
    return principal.role in TOUR_DOCUMENTS and acts_for_zab(principal, vehicle_zab)


# --------------------------------------------------------------- cases and charters


def owns_case(principal: Principal, case: RemovalCase) -> bool:
    if principal.role is Role.ABH:
        return case.abh_id == principal.abh_id
    return acts_for_zab(principal, case.zab_id)


def registers_transfer(principal: Principal, request: TransportRequest, facility_zab: str) -> bool:
    """A Dublin transfer: the ZAB of the request, when the facility lies in its district too.
    Moving a request to another ZAB's district is for operations only."""
    if is_operations(principal):
        return True
    return acts_for_zab(principal, request.zab_id) and acts_for_zab(principal, facility_zab)


def transfers_zab(principal: Principal, zab_id: str | None) -> str | None:
    """Whose Dublin transfers the caller lists: a dispatcher their own ZAB's, ZFA and admin any
    (None: all)."""
    own = zab_of(principal)
    if own is not None:
        return own
    if principal.role in DUBLIN_READ:
        return zab_id
    raise Forbidden()


# --------------------------------------------------------------------- aggregates


def statistics_scope(principal: Principal) -> str | None:
    """None: all of NRW; else the ZAB the principal may see. Forbidden for case roles."""
    if principal.role in MINISTRY:
        return None
    own = zab_of(principal)
    if own is not None:
        return own
    raise Forbidden("Statistiken sehen das Ministerium und die ZAB (für die eigene ZAB).")


REFUSED = "Ihre Rolle ist für diese Funktion nicht freigegeben."


def require(allowed: bool, message: str = REFUSED) -> None:
    """Forbidden (403, German `message`) unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


def require_role(principal: Principal, roles: Collection[Role], message: str = REFUSED) -> None:
    require(has_role(principal, roles), message)
