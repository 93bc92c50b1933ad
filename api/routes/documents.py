"""Printable documents and calendar feeds: Fahrauftrag, charter manifest, tour calendars."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import PrincipalDep, RuntimeDep, SessionDep
from api.gates import DISPATCH, allow
from api.schemas.common import DECISION_ERRORS, Day
from ltrako.core import policy
from ltrako.documents import calendar, fahrauftrag, manifest

router = APIRouter(tags=["Dokumente"])
PDF = "application/pdf"
ICS = "text/calendar; charset=utf-8"
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {**DECISION_ERRORS, 200: {"content": {PDF: {}}}}
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {**DECISION_ERRORS, 200: {"content": {"text/calendar": {}}}}


def attachment(content: bytes, media_type: str, filename: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get(
    "/tours/{tour_id}/fahrauftrag",
    dependencies=[allow(*DISPATCH)],
    response_class=Response,
    responses=PDF_RESPONSE,
)
def tour_order(tour_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    """The crew's Fahrauftrag of a committed tour (PDF; the ZAB that drives it)."""
    content = fahrauftrag.fahrauftrag_pdf(
        session, principal, tour_id=tour_id, timezone=runtime.settings.timezone
    )
    return attachment(content, PDF, f"fahrauftrag-tour-{tour_id}.pdf")


@router.get(
    "/charters/{charter_id}/manifest",
    dependencies=[allow(*policy.CHARTER_MANIFEST)],
    response_class=Response,
    responses=PDF_RESPONSE,
)
def charter_manifest(
    charter_id: int, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    """The passenger list of a planned Sammelcharter (PDF)."""
    content = manifest.manifest_pdf(
        session, principal, charter_id=charter_id, timezone=runtime.settings.timezone
    )
    return attachment(content, PDF, f"passagierliste-charter-{charter_id}.pdf")


DAY = Query(None, description="Erster Tag (JJJJ-MM-TT), sonst heute; der Kalender reicht 7 Tage.")


@router.get(
    "/calendars/vehicles/{vehicle_id}.ics",
    dependencies=[allow(*DISPATCH)],
    response_class=Response,
    responses=ICS_RESPONSE,
)
def vehicle_feed(
    vehicle_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day | None = DAY,
) -> Response:
    """The committed tours of a vehicle as iCalendar (times, places, transport numbers; no case data)."""
    content = calendar.vehicle_calendar(
        session, principal, vehicle_id=vehicle_id, day=day or runtime.clock.today()
    )
    return attachment(content, ICS, f"touren-{vehicle_id}.ics", inline=True)


@router.get(
    "/calendars/escorts/{escort_id}.ics",
    dependencies=[allow(*DISPATCH)],
    response_class=Response,
    responses=ICS_RESPONSE,
)
def escort_feed(
    escort_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    day: Day | None = DAY,
) -> Response:
    """The committed tours of an escort as iCalendar."""
    content = calendar.escort_calendar(
        session, principal, escort_id=escort_id, day=day or runtime.clock.today()
    )
    return attachment(content, ICS, f"touren-{escort_id}.ics", inline=True)
