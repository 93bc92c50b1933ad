"""Reference data: ZABs, ABHs, locations, vehicles (no personal data; any signed-in role)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep
from api.gates import allow
from api.schemas.reference import AbhRead, LocationRead, VehicleRead, ZabRead
from ltrako.requests import reference
from planner.model import LocationKind

router = APIRouter(tags=["Stammdaten"])


@router.get("/zabs", dependencies=[allow()], response_model=list[ZabRead])
def list_zabs(session: SessionDep, _: PrincipalDep) -> list[ZabRead]:
    """The five Zentrale Ausländerbehörden."""
    return [ZabRead.of(z) for z in reference.list_zabs(session)]


@router.get("/abhs", dependencies=[allow()], response_model=list[AbhRead])
def list_abhs(session: SessionDep, _: PrincipalDep, zab: str | None = None) -> list[AbhRead]:
    """The Ausländerbehörden, each with its responsible ZAB; `zab` filters by ZAB."""
    zab_of = {z.regierungsbezirk_id: z.id for z in reference.list_zabs(session)}
    return [AbhRead.of(a, zab_of[a.regierungsbezirk_id]) for a in reference.list_abhs(session, zab_id=zab)]


@router.get("/locations", dependencies=[allow()], response_model=list[LocationRead])
def list_locations(
    session: SessionDep, _: PrincipalDep, kind: LocationKind | None = None
) -> list[LocationRead]:
    """Places: ZAB depots, ABH seats, facilities, airports, border points, consulates, courts."""
    return [LocationRead.of(loc) for loc in reference.list_locations(session, kind=kind)]


@router.get("/vehicles", dependencies=[allow()], response_model=list[VehicleRead])
def list_vehicles(session: SessionDep, _: PrincipalDep, zab: str | None = None) -> list[VehicleRead]:
    """Active vehicles; `zab` filters by home ZAB."""
    return [VehicleRead.of(v) for v in reference.list_vehicles(session, zab_id=zab)]
