"""The ltrako HTTP API (FastAPI): create_app builds one service instance from settings."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.routes import health, reference, requests
from ltrako.config import Settings
from ltrako.runtime import Runtime, open_runtime
from ltrako.security import build_verifier

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """A service instance; `runtime` lets tests hand in their own database."""
    runtime = runtime or open_runtime(settings or Settings())
    app = FastAPI(
        title="ltrako",
        version="0.1.0",
        description="Transport- und Flugkoordination der Rückführung in NRW (LTraKo digital).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
    )
    app.state.runtime = runtime
    app.state.verifier = build_verifier(runtime.settings)
    errors.install(app)
    for module in (health, reference, requests):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
