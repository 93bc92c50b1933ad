"""Login for the pages: the same tokens, roles and audit as the API, kept in a cookie.

The pages sign in at the OIDC issuer (api/web/pages/login.py, ltrako.core.oidc), or, only
when LTRAKO_DEMO_LOGIN is on outside production, with the demo form of the local issuer.
The cookie is HttpOnly and SameSite=Strict, so other sites can neither read it nor send
forms with it, and Secure when the page is served over https (always in production). A
signed-out token is refused here as on the API (ltrako.core.revocation).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlmodel import Session

from api.gates import ALL_ROLES, GATE_ATTRIBUTE
from ltrako.core import policy, revocation
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, Role, TokenError, TokenVerifier

COOKIE = "ltrako_session"


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the login form."""


def current_user(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    verifier: TokenVerifier = request.app.state.verifier
    runtime: Runtime = request.app.state.runtime
    try:
        with Session(runtime.engine) as session:
            user = revocation.principal_of(verifier, session, token)
    except TokenError as exc:
        raise LoginRequired() from exc
    request.state.principal = user
    return user


def set_session_cookie(request: Request, response: Response, token: str, expires: dt.datetime) -> None:
    """The session cookie, for as long as the token is valid."""
    now = request.app.state.runtime.clock.now()
    max_age = max(0, int((expires - now).total_seconds()))
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=is_secure(request), max_age=max_age
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=is_secure(request))


def is_secure(request: Request) -> bool:
    """Cookies are Secure over https, and always in production (TLS may end at a proxy that
    the service does not trust for X-Forwarded-Proto)."""
    runtime: Runtime = request.app.state.runtime
    return request.url.scheme == "https" or runtime.settings.environment == "production"


UserDep = Annotated[Principal, Depends(current_user)]


class PageRefused(Exception):
    """A signed-in user whose role may not use the page: a German refusal page, 403."""

    def __init__(self, user: Principal) -> None:
        super().__init__("Diese Seite ist für Ihre Rolle nicht freigegeben.")
        self.user = user


def page_allow(*roles: Role) -> Any:
    """The page's role rule (as `api.gates.allow` for the API; no roles: anyone signed in)."""
    allowed = frozenset(roles) or ALL_ROLES

    def gate(user: UserDep) -> Principal:
        if not policy.has_role(user, allowed):
            raise PageRefused(user)
        return user

    setattr(gate, GATE_ATTRIBUTE, allowed)
    return Depends(gate)
