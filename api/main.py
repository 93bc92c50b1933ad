"""The ltrako HTTP API (FastAPI): create_app builds one service instance from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, web
from api.routes import aps, charter, health, planning, reference, requests, restplatz, zfa, zrk
from ltrako.config import Settings
from ltrako.runtime import Runtime, open_runtime
from ltrako.security import build_verifier

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """A service instance; `runtime` lets tests hand in their own database."""
    runtime = runtime or open_runtime(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """The nightly Restplatzbörse batch runs inside the service when LTRAKO_SCHEDULER is set."""
        if not runtime.settings.scheduler:
            yield
            return
        from ltrako.nightly import start_scheduler

        scheduler = start_scheduler(runtime)
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)

    app = FastAPI(
        lifespan=lifespan,
        title="ltrako",
        version="0.1.0",
        description="Transport- und Flugkoordination der Rückführung in NRW (LTraKo digital).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
    )
    app.state.runtime = runtime
    app.state.verifier = build_verifier(runtime.settings)
    errors.install(app)
    web.install(app)
    for module in (health, reference, requests, planning, restplatz, zfa, zrk, aps, charter):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
