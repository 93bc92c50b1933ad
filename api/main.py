"""The ltrako HTTP API (FastAPI): create_app builds one service instance from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api import errors, headers, web
from api.admission import Admission
from api.routes import (
    aps,
    changes,
    charter,
    documents,
    health,
    jobs,
    planning,
    privacy,
    reference,
    requests,
    restplatz,
    roster,
    zfa,
    zrk,
)
from api.web import pages
from ltrako.core.config import Settings
from ltrako.core.oidc import Provider
from ltrako.core.runtime import Runtime, open_runtime
from ltrako.core.security import build_verifier, check_production

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """A service instance; `runtime` lets tests hand in their own database."""
    runtime = runtime or open_runtime(settings or Settings())
    check_production(runtime.settings)  # before anything reads a key file or the database

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """When LTRAKO_SCHEDULER is set, the nightly batch runs inside the service (it only queues
        jobs). No solver runs in this process: the planning workers are processes of their own
        (`ltrako serve` starts LTRAKO_WORKER_PROCESSES of them, or `ltrako worker`)."""
        settings = runtime.settings
        to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        scheduler = None
        if settings.scheduler:
            from ltrako.workers.nightly import start_scheduler

            scheduler = start_scheduler(runtime)
        try:
            yield
        finally:
            if scheduler is not None:
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
    # The OIDC issuer (endpoints discovered on first use) for the pages' sign-in and the JWKS.
    provider = Provider(runtime.settings) if runtime.settings.uses_oidc else None
    app.state.oidc = provider
    app.state.verifier = build_verifier(
        runtime.settings, runtime.clock, discovered_jwks=provider.jwks_url if provider else None
    )
    app.add_middleware(Admission, limit=runtime.settings.db_pool_size)
    errors.install(app)
    headers.install(app)
    web.install(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app


API_ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        health,
        reference,
        requests,
        planning,
        jobs,
        restplatz,
        changes,
        roster,
        zfa,
        zrk,
        aps,
        charter,
        documents,
        privacy,
    )
)


def route_table() -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every endpoint of the API and of the pages."""
    mounted = [(API_PREFIX, router) for router in API_ROUTERS] + [("", pages.router)]
    return [
        (method, prefix + route.path, route)
        for prefix, router in mounted
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods or ())
    ]
