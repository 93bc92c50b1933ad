"""Sign-in and sign-out of the pages."""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.gates import public
from api.web.pages.common import HOME, back_to, directory, render, router, templates
from api.web.session import COOKIE, UserDep, page_allow
from ltrako.core import ratelimit
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import LocalIssuer, Role, TokenError, local_issuer


@router.get("/login", dependencies=[public()], response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    zabs, abhs = directory(request.app.state.runtime)
    return render(request, "login.html", None, zabs=zabs, abhs=abhs, roles=[r.value for r in Role])


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    role: str = Form(...),
    name: str = Form(""),
    zab: str = Form(""),
    abh: str = Form(""),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    try:  # the service's own local issuer, else the refusal (an OIDC issuer is configured)
        verifier = request.app.state.verifier
        issuer = verifier if isinstance(verifier, LocalIssuer) else local_issuer(settings, runtime.clock)
    except TokenError as exc:
        return back_to("/web/login", str(exc.args[0]), "error")
    # Counted in the database (all instances), per keyed hash of the address, before anything else.
    client = ratelimit.client_hash(request.client.host if request.client else "-", issuer.secret)
    with transaction(runtime.sessions) as session:
        verdict = ratelimit.register_attempt(
            session,
            client=client,
            now=runtime.clock.now(),
            limit=settings.login_rate_limit,
            window_s=settings.login_rate_window_s,
        )
    if not verdict.allowed:
        zabs, abhs = directory(runtime)
        context: dict[str, Any] = {"user": None, "nav": [], "msg": verdict.message, "kind": "error"}
        return templates.TemplateResponse(
            request,
            "login.html",
            {**context, "zabs": zabs, "abhs": abhs, "roles": [r.value for r in Role]},
            status_code=429,
            headers={"Retry-After": str(verdict.retry_after_s)},
        )
    try:
        token = issuer.issue(
            Role(role),
            subject=(name.strip() or None),
            zab=zab or None if role == "zab" else None,
            abh=abh or None if role == "abh" else None,
        )
    except (TokenError, ValueError) as exc:
        text = exc.args[0] if isinstance(exc, TokenError) else "Unbekannte Rolle."
        return back_to("/web/login", str(text), "error")
    response = RedirectResponse(HOME[Role(role)], status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
    return response


@router.post("/logout", dependencies=[public()])
def logout() -> Response:
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("", dependencies=[page_allow()])
def home(user: UserDep) -> Response:
    return RedirectResponse(HOME[user.role], status_code=303)
