"""Documents from the pages: Fahrauftrag, transit request, charter manifest (PDF), tour calendars.

The same services as the API (api/routes/documents.py): the policy gates, every read is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import RuntimeDep
from api.gates import DISPATCH, ZFA
from api.routes.documents import ICS, PDF, attachment
from api.web.pages.common import day_or_tomorrow, refusal, router
from api.web.session import UserDep, page_allow
from ltrako.core import policy
from ltrako.core.db import transaction
from ltrako.core.errors import LtrakoError
from ltrako.core.security import Principal
from ltrako.documents import calendar, fahrauftrag, manifest
from zfa import documents


def _document(
    request: Request,
    user: Principal,
    runtime: RuntimeDep,
    build: Callable[[Session], bytes],
    media_type: str,
    filename: str,
) -> Response:
    try:
        with transaction(runtime.sessions) as session:
            content = build(session)
    except LtrakoError as exc:
        return refusal(request, user, exc)
    return attachment(content, media_type, filename, inline=media_type == ICS)


@router.get("/zab/touren/{tour_id}/fahrauftrag.pdf", dependencies=[page_allow(*DISPATCH)])
def tour_order(tour_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    tz = runtime.settings.timezone
    return _document(
        request,
        user,
        runtime,
        lambda s: fahrauftrag.fahrauftrag_pdf(s, user, tour_id=tour_id, timezone=tz),
        PDF,
        f"fahrauftrag-tour-{tour_id}.pdf",
    )


@router.get("/zab/kalender/fahrzeuge/{vehicle_id}.ics", dependencies=[page_allow(*DISPATCH)])
def vehicle_feed(
    vehicle_id: str, request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None
) -> Response:
    first = day_or_tomorrow(day, runtime.clock)
    return _document(
        request,
        user,
        runtime,
        lambda s: calendar.vehicle_calendar(s, user, vehicle_id=vehicle_id, day=first),
        ICS,
        f"touren-{vehicle_id}.ics",
    )


@router.get("/zab/kalender/begleitkraefte/{escort_id}.ics", dependencies=[page_allow(*DISPATCH)])
def escort_feed(
    escort_id: str, request: Request, user: UserDep, runtime: RuntimeDep, day: str | None = None
) -> Response:
    first = day_or_tomorrow(day, runtime.clock)
    return _document(
        request,
        user,
        runtime,
        lambda s: calendar.escort_calendar(s, user, escort_id=escort_id, day=first),
        ICS,
        f"touren-{escort_id}.ics",
    )


@router.get("/zfa/transits/{transit_id}/antrag.pdf", dependencies=[page_allow(*ZFA)])
def transit_request(transit_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    return _document(
        request,
        user,
        runtime,
        lambda s: documents.transit_pdf(
            s, user, transit_id=transit_id, contact=settings.zfa_contact, timezone=settings.timezone
        ),
        PDF,
        f"durchbefoerderung-{transit_id}.pdf",
    )


@router.get(
    "/zfa/charter/{charter_id}/passagierliste.pdf", dependencies=[page_allow(*policy.CHARTER_MANIFEST)]
)
def charter_manifest(charter_id: int, request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    tz = runtime.settings.timezone
    return _document(
        request,
        user,
        runtime,
        lambda s: manifest.manifest_pdf(s, user, charter_id=charter_id, timezone=tz),
        PDF,
        f"passagierliste-charter-{charter_id}.pdf",
    )
