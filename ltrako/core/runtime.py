"""What a process needs to work: settings, clock, engine, session factory."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ltrako.core.clock import Clock, SystemClock
from ltrako.core.config import Settings
from ltrako.core.db import SessionFactory, make_engine, session_factory
from planner.model import HaversineTravel


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: SessionFactory  # sessions carry `clock`
    clock: Clock

    @property
    def zone(self) -> ZoneInfo:
        return self.clock.zone

    @property
    def travel(self) -> HaversineTravel:
        """The default travel model of a planning day (spec `travel.model = haversine`)."""
        return HaversineTravel(self.settings.travel_circuity, self.settings.travel_speed_kmh)


def runtime_on(engine: Engine, settings: Settings, clock: Clock) -> Runtime:
    """A runtime on an existing engine (tests, benchmarks)."""
    return Runtime(settings, engine, session_factory(engine, clock), clock)


def open_runtime(settings: Settings | None = None, *, clock: Clock | None = None) -> Runtime:
    """A runtime for `settings`, on the machine's clock unless another is given."""
    settings = settings or Settings()
    engine = make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    return runtime_on(engine, settings, clock or SystemClock(settings.timezone))
