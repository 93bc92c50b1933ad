"""The German web pages of the service (server-rendered, no external resources)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web import pages
from api.web.session import LoginRequired, PageRefused


def install(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.mount("/web/static", StaticFiles(directory=Path(__file__).parent / "static"), name="web-static")

    @app.exception_handler(PageRefused)
    async def refused(request: Request, exc: PageRefused) -> HTMLResponse:
        return pages.refused_page(request, exc.user, str(exc))

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/web/login", status_code=303)
