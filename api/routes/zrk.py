"""ZRK medical reception cases, and Dublin transfers with their deadlines."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import CASE_READERS, DISPATCH, ZRK, allow
from api.schemas.common import DECISION_ERRORS
from api.schemas.zrk import DublinCreate, DublinRead, MedicalDetails, MedicalReceptionRead, ReceptionDecision
from ltrako.core.clock import clock_of
from ltrako.core.security import Role
from ltrako.models import MedicalReception
from ltrako.requests import transfers
from ltrako.requests.dublin import Extension
from zfa import medical

router = APIRouter(tags=["ZRK und Dublin"])
LABELS = medical.LABELS_DE


@router.get(
    "/zrk/cases",
    dependencies=[allow(*ZRK)],
    response_model=list[MedicalReceptionRead],
    responses=DECISION_ERRORS,
)
def reception_queue(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> list[MedicalReceptionRead]:
    """Open medical receptions (new ones are opened for flagged persons first), earliest due first."""
    rows = medical.queue(session, principal, lead_days=runtime.settings.medical_reception_lead_days)
    return _read(session, principal, rows, "queue")


def _read(
    session: SessionDep, principal: PrincipalDep, rows: list[MedicalReception], context: str
) -> list[MedicalReceptionRead]:
    details = medical.read_cases(session, principal, rows, context)
    return [MedicalReceptionRead.of(r, LABELS, details, clock_of(session).zone) for r in rows]


@router.post(
    "/zrk/cases/{case_id}/request",
    dependencies=[allow(*ZRK)],
    response_model=MedicalReceptionRead,
    responses=DECISION_ERRORS,
)
def request_reception(case_id: int, session: SessionDep, principal: PrincipalDep) -> MedicalReceptionRead:
    return _read(
        session, principal, [medical.request_reception(session, principal, case_id=case_id)], "request"
    )[0]


@router.post(
    "/zrk/cases/{case_id}/decision",
    dependencies=[allow(*ZRK)],
    response_model=MedicalReceptionRead,
    responses=DECISION_ERRORS,
)
def decide(
    case_id: int, body: ReceptionDecision, session: SessionDep, principal: PrincipalDep
) -> MedicalReceptionRead:
    row = medical.decide(session, principal, case_id=case_id, confirmed=body.confirmed)
    return _read(session, principal, [row], "decision")[0]


@router.put(
    "/zrk/cases/{case_id}/details",
    dependencies=[allow(Role.ABH, *ZRK)],
    status_code=204,
    responses=DECISION_ERRORS,
)
def set_details(case_id: int, body: MedicalDetails, session: SessionDep, principal: PrincipalDep) -> None:
    """Record the medical details (ABH of the request or ZRK); only the ZRK reads them."""
    medical.set_details(session, principal, case_id=case_id, details=body.details)


@router.get(
    "/transport-requests/{request_id}/medical-reception",
    dependencies=[allow(*CASE_READERS)],
    response_model=list[MedicalReceptionRead],
    responses=DECISION_ERRORS,
)
def request_cases(
    request_id: str, session: SessionDep, principal: PrincipalDep
) -> list[MedicalReceptionRead]:
    """Whether a medical reception exists and its status; the details for the ZRK only."""
    rows, details = medical.cases_of_request(session, principal, request_id=request_id)
    return [MedicalReceptionRead.of(r, LABELS, details, clock_of(session).zone) for r in rows]


@router.post(
    "/dublin-transfers",
    dependencies=[allow(*DISPATCH)],
    response_model=DublinRead,
    status_code=201,
    responses=DECISION_ERRORS,
)
def register_transfer(body: DublinCreate, session: SessionDep, principal: PrincipalDep) -> DublinRead:
    """Record (or update after a court decision) a Dublin transfer; the facility's ZAB becomes responsible."""
    view = transfers.register(
        session,
        principal,
        request_id=body.request_id,
        facility_id=body.facility_id,
        application_registered=body.application_registered,
        accepted_on=body.accepted_on,
        court_decision_on=body.court_decision_on,
        extension=Extension(body.extension),
    )
    return DublinRead.of(view)


@router.get(
    "/dublin-transfers",
    dependencies=[allow(*DISPATCH, Role.ZFA)],
    response_model=list[DublinRead],
    responses=DECISION_ERRORS,
)
def list_transfers(
    session: SessionDep, principal: PrincipalDep, zab_id: str | None = None
) -> list[DublinRead]:
    """Transfers of the ZAB, nearest deadline first."""
    return [DublinRead.of(v) for v in transfers.list_transfers(session, principal, zab_id=zab_id)]
