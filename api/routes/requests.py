"""Transport requests: submit, list, read. Every access to a request is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import CASE_READERS, DISPATCH, SUBMITTERS, allow
from api.schemas.common import Day, ErrorRead, ValidationErrorRead
from api.schemas.requests import CompleteCreate, TransportRequestCreate, TransportRequestRead
from ltrako.core import idempotency
from ltrako.models import RequestStatus
from ltrako.requests import execution
from ltrako.requests import submission as service

router = APIRouter(prefix="/transport-requests", tags=["Transportaufträge"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorRead},
    403: {"model": ErrorRead},
    422: {"model": ValidationErrorRead},
}


def _context(request: Request) -> str:
    return f"{request.method} {request.url.path}"


@router.post(
    "",
    dependencies=[allow(*SUBMITTERS)],
    response_model=TransportRequestRead,
    status_code=201,
    responses=ERRORS,
)
def submit(
    body: TransportRequestCreate,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    idempotency_key: str | None = Header(
        None,
        alias=idempotency.HEADER,
        description="Beliebiger eindeutiger Schlüssel (z. B. UUID): dieselbe Anfrage erneut gesendet "
        "legt keinen zweiten Auftrag an, sondern liefert den ersten.",
    ),
) -> TransportRequestRead:
    """Submit a transport request (ABH: for its own authority; ZAB: for its district)."""
    if idempotency_key is not None:
        digest = idempotency.body_hash(body.model_dump_json())
        earlier = idempotency.reserve(session, principal, idempotency_key, "submit_request", digest)
        if earlier is not None:
            response.headers["Idempotent-Replayed"] = "true"
            record = service.get_request(session, principal=principal, request_id=earlier, context="replay")
            return TransportRequestRead.of(record, principal, runtime.zone)
    record = service.submit_request(
        session,
        principal=principal,
        draft=body.to_draft(),
        timezone=runtime.settings.timezone,
        travel=runtime.travel,
    )
    if idempotency_key is not None:
        idempotency.bind(session, principal, idempotency_key, record.request.id)
    return TransportRequestRead.of(record, principal, runtime.zone)


@router.get(
    "", dependencies=[allow(*CASE_READERS)], response_model=list[TransportRequestRead], responses=ERRORS
)
def list_requests(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day | None = Query(None, description="Planungstag JJJJ-MM-TT."),
    status: RequestStatus | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> list[TransportRequestRead]:
    """The requests the caller may see (ABH: its own; ZAB: its district)."""
    records = service.list_requests(
        session,
        principal=principal,
        day=day,
        status=status,
        limit=limit,
        offset=offset,
        context=_context(request),
    )
    return [TransportRequestRead.of(r, principal, runtime.zone) for r in records]


@router.get(
    "/{request_id}",
    dependencies=[allow(*CASE_READERS)],
    response_model=TransportRequestRead,
    responses={**ERRORS, 404: {"model": ErrorRead}},
)
def get_request(
    request_id: str, request: Request, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TransportRequestRead:
    """One request with its persons."""
    record = service.get_request(
        session, principal=principal, request_id=request_id, context=_context(request)
    )
    return TransportRequestRead.of(record, principal, runtime.zone)


@router.post(
    "/{request_id}/complete",
    dependencies=[allow(*DISPATCH)],
    response_model=TransportRequestRead,
    responses={**ERRORS, 404: {"model": ErrorRead}, 409: {"model": ErrorRead}},
)
def complete(
    request_id: str, body: CompleteCreate, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> TransportRequestRead:
    """The driving ZAB reports the transport as executed, and whether the person left (for the APS)."""
    execution.complete_request(
        session,
        principal,
        request_id=request_id,
        returned=body.returned,
        today=runtime.clock.today(),
        note=body.note,
    )
    record = service.get_request(session, principal=principal, request_id=request_id, context="complete")
    return TransportRequestRead.of(record, principal, runtime.zone)
