"""What a process needs to work with the database: settings, engine, session factory."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ltrako.core.config import Settings
from ltrako.core.db import SessionFactory, make_engine, session_factory
from planner.model import HaversineTravel


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: SessionFactory

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def travel(self) -> HaversineTravel:
        """The default travel model of a planning day (spec `travel.model = haversine`)."""
        return HaversineTravel(self.settings.travel_circuity, self.settings.travel_speed_kmh)


def open_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or Settings()
    engine = make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    return Runtime(settings, engine, session_factory(engine))
