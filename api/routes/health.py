from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep
from api.gates import public
from api.schemas.common import HealthRead

router = APIRouter(tags=["Betrieb"])


@router.get("/health", dependencies=[public()], response_model=HealthRead)
def health(session: SessionDep) -> HealthRead:
    """Service and database are up (no login needed)."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return HealthRead(status="ok", database=session.get_bind().dialect.name, version="0.1.0")
