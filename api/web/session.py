"""Login for the pages: the same tokens, roles and audit as the API, kept in a cookie.

With the local issuer (demo, tests) the login form issues a token for the chosen role; with
an external OIDC issuer the form is off (the sign-in goes through the issuer; not built yet).
The cookie is HttpOnly and SameSite=Strict, so other sites can neither read it nor send
forms with it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from api.gates import ALL_ROLES, GATE_ATTRIBUTE
from ltrako.core import policy
from ltrako.core.security import Principal, Role, TokenError, TokenVerifier

COOKIE = "ltrako_session"


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the login form."""


def current_user(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    verifier: TokenVerifier = request.app.state.verifier
    try:
        user = verifier.verify(token)
    except TokenError as exc:
        raise LoginRequired() from exc
    request.state.principal = user
    return user


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
