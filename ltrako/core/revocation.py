"""Signed-out tokens: refused as session cookie and as bearer token until they expire.

A token is a signed statement that stays valid until its `exp`; signing out therefore stores
a hash of it (never the token) in `revoked_token`, with its expiry plus the verifiers' leeway.
Every principal is resolved through `principal_of`, which checks that table (one primary-key
lookup) after the signature; rows whose token has expired anyway are purged at each sign-out.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, col, delete

from ltrako.core.security import LEEWAY, Principal, TokenError, TokenVerifier, token_expiry
from ltrako.models import RevokedToken


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def revoke(session: Session, token: str, *, now: dt.datetime) -> None:
    """Refuse `token` from now on (it must have been verified); purge expired revocations."""
    purge(session, now)
    key = digest(token)
    if session.get(RevokedToken, key) is None:
        session.add(RevokedToken(token_sha256=key, expires_at=token_expiry(token) + LEEWAY))


def is_revoked(session: Session, token: str) -> bool:
    return session.get(RevokedToken, digest(token)) is not None


def purge(session: Session, now: dt.datetime) -> int:
    """Delete the revocations of tokens that have expired: no verifier accepts those anyway."""
    result = session.exec(delete(RevokedToken).where(col(RevokedToken.expires_at) < now))
    return int(result.rowcount or 0)


def principal_of(verifier: TokenVerifier, session: Session, token: str) -> Principal:
    """The principal of a valid token that has not been signed out."""
    principal = verifier.verify(token)
    if is_revoked(session, token):
        raise TokenError("Token ungültig oder abgelaufen.")
    return principal
