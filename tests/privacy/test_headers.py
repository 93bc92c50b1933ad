"""Security headers on every response; a CSP the pages and the API documentation work with."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.headers import CSP
from api.main import create_app
from ltrako.core.runtime import Runtime

WEB = Path(__file__).parents[2] / "api" / "web"
COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _assert_common(headers: dict[str, str] | object) -> None:
    for name, value in COMMON.items():
        assert headers[name] == value, name  # type: ignore[index]
    policy = headers["permissions-policy"]  # type: ignore[index]
    assert all(f"{feature}=()" in policy for feature in ("camera", "microphone", "geolocation"))


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/transport-requests", "/web/login", "/nowhere"])
def test_every_response_carries_the_headers(client: TestClient, path: str) -> None:
    """Pages, API answers, refusals (401) and unknown paths (404) alike."""
    response = client.get(path)
    _assert_common(response.headers)
    csp = _directives(response.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert "strict-transport-security" not in response.headers  # plain http


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/zabs", "/web/login"])
def test_api_and_pages_are_not_cached(
    client: TestClient, auth: Callable[..., dict[str, str]], path: str
) -> None:
    """They carry personal data: no-store; static files may be cached."""
    response = client.get(path, headers=auth("admin"))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    static = client.get("/web/static/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
    _assert_common(static.headers)


def test_hsts_over_https(runtime: Runtime) -> None:
    """HSTS only when the request came over https (uvicorn sets the scheme from trusted proxies)."""
    with TestClient(create_app(runtime=runtime), base_url="https://testserver") as secure:
        assert secure.get("/api/v1/health").headers["strict-transport-security"] == "max-age=31536000"


def test_templates_and_scripts_fit_the_csp() -> None:
    """No inline script, event handler or javascript: URL in the pages: script-src 'self' suffices.
    Styles may be inline ('unsafe-inline' in style-src) because the inlined matplotlib SVG charts use them."""
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), template.name
        assert "javascript:" not in text, template.name
    assert "eval(" not in (WEB / "static" / "app.js").read_text()
    assert "'unsafe-inline'" in _directives(CSP)["style-src"]
    assert "'unsafe-inline'" not in _directives(CSP)["script-src"]


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/redoc"])
def test_docs_get_their_own_csp_with_the_inline_script_by_hash(client: TestClient, path: str) -> None:
    """Swagger UI and ReDoc load from their CDN; inline scripts are allowed by hash, not 'unsafe-inline'."""
    response = client.get(path)
    assert response.status_code == 200
    _assert_common(response.headers)
    scripts = _directives(response.headers["content-security-policy"])["script-src"]
    assert "https://cdn.jsdelivr.net" in scripts and "'unsafe-inline'" not in scripts
    inline_scripts = re.findall(rb"<script>(.*?)</script>", response.content, re.DOTALL)
    assert bool(inline_scripts) == (path != "/redoc")
    for inline in inline_scripts:
        digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    assert response.headers["content-length"] == str(len(response.content))


def test_unexpected_errors_carry_the_headers_too(runtime: Runtime) -> None:
    """A 500 answer comes from Starlette's outermost error middleware: the headers wrap even that."""
    app = create_app(runtime=runtime)

    def boom() -> None:
        raise RuntimeError("kaputt")

    app.add_api_route("/api/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/v1/boom")
    assert response.status_code == 500 and response.headers["cache-control"] == "no-store"
    _assert_common(response.headers)
