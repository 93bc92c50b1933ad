"""The German web pages of the service (server-rendered, no external resources)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web.jobs import Jobs
from api.web.pages import router
from api.web.session import LoginRequired


def install(app: FastAPI) -> None:
    app.state.web_jobs = Jobs()
    app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=Path(__file__).parent / "static"), name="web-static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/web/login", status_code=303)
