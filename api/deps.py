"""Request-scoped dependencies: the runtime, a session in one transaction, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from ltrako.core import revocation
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import Principal, TokenError, TokenVerifier

bearer = HTTPBearer(
    auto_error=False, description="JWT des lokalen Ausstellers (ltrako token) oder des OIDC-Anbieters."
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with transaction(runtime.sessions) as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: SessionDep,
) -> Principal:
    """The caller of a valid token that was not signed out (the request's own session looks it up)."""
    if credentials is None:
        raise TokenError("Anmeldung erforderlich (Bearer-Token).")
    verifier: TokenVerifier = request.app.state.verifier
    principal = revocation.principal_of(verifier, session, credentials.credentials)
    request.state.principal = principal  # whom a refusal decided later concerns (api.errors)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
