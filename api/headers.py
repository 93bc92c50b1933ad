"""Security headers on every response: a small pure-ASGI middleware.

- CSP: scripts only from the service itself (the pages load /web/static/app.js, nothing
  inline). Styles allow 'unsafe-inline': the Statistik page and the printable exports inline
  matplotlib's SVG charts, which style with `style` attributes and a `<style>` element; a
  style cannot run code, and Jinja escapes every value. The Gantt and map SVGs use
  presentation attributes only.
- /docs and /redoc load Swagger UI / ReDoc from a CDN and start them with an inline script:
  they get a CSP of their own that allows that CDN and exactly the inline scripts of the page
  (by hash, computed from the page body), no 'unsafe-inline' for scripts.
- Cache-Control: no-store on the API and the pages: both carry personal data (static files
  excepted).
- HSTS when the request came over https. Behind a reverse proxy, uvicorn rewrites the scheme
  from X-Forwarded-Proto only for the proxies configured in LTRAKO_TRUSTED_PROXIES (none by
  default), so a client cannot fake it; a proxy terminating TLS elsewhere may send HSTS itself.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
CDN = "https://cdn.jsdelivr.net"
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)  # no attributes: not a src


def docs_csp(body: bytes) -> str:
    """The CSP of a documentation page: its CDN, and its inline scripts by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(body)
    )
    return (
        f"default-src 'self'; script-src 'self' {CDN} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {CDN} https://fonts.googleapis.com; "
        "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
        "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def _add(start: Message, scope: Scope, csp: str) -> None:
    start.setdefault("headers", [])
    headers = MutableHeaders(scope=start)
    for name, value in COMMON.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", csp)
    path: str = scope["path"]
    if path.startswith("/api/") or (path.startswith("/web") and not path.startswith("/web/static/")):
        headers.setdefault("Cache-Control", "no-store")
    if scope.get("scheme") == "https":
        headers.setdefault("Strict-Transport-Security", HSTS)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in DOCS_PATHS:
            await self._docs(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add(message, scope, CSP)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold back the (small) page until its body is known, to hash its inline scripts."""
        start: Message = {}
        body = bytearray()

        async def buffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            _add(start, scope, docs_csp(bytes(body)))
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, buffered)


def install(app: FastAPI) -> None:
    """Wrap the whole middleware stack: `add_middleware` would sit inside Starlette's outermost
    error middleware, whose 500 answers would then go out without the headers."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]
