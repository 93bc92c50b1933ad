"""Roles, principals and bearer tokens: a local issuer for demo and tests, OIDC in production."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import jwt
from jwt.types import Options

from ltrako.core.clock import Clock
from ltrako.core.config import Settings


class Role(StrEnum):
    ABH = "abh"  # case worker of one Ausländerbehörde: its own requests only
    ZAB = "zab"  # dispatcher of one ZAB
    ZFA = "zfa"  # Zentralstelle für Flugabschiebungen
    ZRK = "zrk"  # Zentrale Rückkehrkoordination (medical reception)
    MINISTRY = "ministry"  # aggregates only, no personal data
    ADMIN = "admin"  # operations
    DPO = "dpo"  # Datenschutzbeauftragte/r: the audit trail of a case, never the case data


class TokenError(Exception):
    """A bearer token that cannot be accepted (the message is safe to show)."""


class SignInError(TokenError):
    """A sign-in of the pages that is refused: a German message safe to show, and a short
    `reason` (no personal data) for the audit trail and the log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ConfigurationError(Exception):
    """The service must not start with these settings (German message naming the variable)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a subject with one role, bound to a ZAB or ABH where the role needs it."""

    subject: str
    role: Role
    zab_id: str | None = None
    abh_id: str | None = None

    def __post_init__(self) -> None:
        if self.role is Role.ZAB and not self.zab_id:
            raise TokenError("Rolle zab braucht eine ZAB (Claim 'zab').")
        if self.role is Role.ABH and not self.abh_id:
            raise TokenError("Rolle abh braucht eine ABH (Claim 'abh').")


SYSTEM = Principal(subject="system", role=Role.ADMIN)
MAX_SUBJECT_CHARS = 80  # the audit trail's actor column
MAX_UNIT_CHARS = 32  # ids of ZABs and ABHs


def principal_from_claims(claims: dict[str, Any], role_claim: str = "role") -> Principal:
    try:
        role = Role(str(claims.get(role_claim)))
    except ValueError as exc:
        raise TokenError("Token ohne gültige Rolle.") from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("Token ohne Subjekt.")
    if len(subject) > MAX_SUBJECT_CHARS or not subject.isprintable():
        raise TokenError(f"Subjekt des Tokens ungültig (höchstens {MAX_SUBJECT_CHARS} druckbare Zeichen).")
    units = {}
    for claim in ("zab", "abh"):
        value = claims.get(claim)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_UNIT_CHARS):
            raise TokenError(f"Claim {claim!r} ungültig (Kennung der Behörde als Text erwartet).")
        units[claim] = value
    return Principal(subject=subject, role=role, zab_id=units["zab"], abh_id=units["abh"])


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal: ...


LEEWAY = dt.timedelta(seconds=30)  # clock skew between issuer and service


# Expiry and not-before are checked against the service's clock, not by PyJWT's wall clock.
def decode_options(*, verify_aud: bool = True) -> Options:
    return {
        "require": ["exp", "iss", "sub"],
        "verify_aud": verify_aud,
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
    }


def check_times(claims: dict[str, Any], clock: Clock) -> None:
    """Refuse a token that has expired or is not valid yet by `clock`."""
    now = clock.now()

    def instant(name: str) -> dt.datetime | None:
        value = claims.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TokenError("Token ungültig oder abgelaufen.")
        return dt.datetime.fromtimestamp(value, dt.UTC)

    expires, not_before = instant("exp"), instant("nbf")
    if expires is None or expires <= now - LEEWAY:
        raise TokenError("Token ungültig oder abgelaufen.")
    if not_before is not None and not_before > now + LEEWAY:
        raise TokenError("Token ungültig oder abgelaufen.")


class LocalIssuer:
    """HS256 tokens signed with a local secret (demo, development, tests)."""

    algorithm = "HS256"

    def __init__(
        self, secret: bytes, issuer: str = "ltrako-local", ttl_min: int = 480, *, clock: Clock
    ) -> None:
        self.secret = secret
        self.issuer = issuer
        self.ttl = dt.timedelta(minutes=ttl_min)
        self.clock = clock

    def issue(
        self, role: Role, *, subject: str | None = None, zab: str | None = None, abh: str | None = None
    ) -> str:
        principal = Principal(subject or f"{role.value}-{uuid.uuid4().hex[:8]}", role, zab, abh)
        now = self.clock.now()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": principal.subject,
            "role": role.value,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        if zab:
            claims["zab"] = zab
        if abh:
            claims["abh"] = abh
        return jwt.encode(claims, self.secret, algorithm=self.algorithm)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                options=decode_options(),
            )
        except jwt.PyJWTError as exc:
            raise TokenError("Token ungültig oder abgelaufen.") from exc
        check_times(claims, self.clock)
        return principal_from_claims(claims)


class OidcVerifier:
    """RS256/ES256 tokens of an external OpenID Connect issuer, keys from its JWKS endpoint.

    `jwks_url` is the URL or a function giving it (read from the issuer's discovery document
    on first use, ltrako.core.oidc); the key set is fetched then and cached.
    """

    algorithms = ("RS256", "ES256")

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        jwks_url: str | Callable[[], str],
        role_claim: str,
        *,
        clock: Clock,
    ) -> None:
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self._jwks_url = jwks_url
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def signing_key(self, token: str) -> Any:
        """The issuer's key that signed `token` (by its `kid`), from the cached key set."""
        with self._lock:
            if self._keys is None:
                url = self._jwks_url if isinstance(self._jwks_url, str) else self._jwks_url()
                self._keys = jwt.PyJWKClient(url, cache_keys=True)
            keys = self._keys
        return keys.get_signing_key_from_jwt(token).key

    def verify(self, token: str) -> Principal:
        try:
            key = self.signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=list(self.algorithms),
                issuer=self.issuer,
                audience=self.audience,
                options=decode_options(verify_aud=bool(self.audience)),
            )
        except jwt.PyJWTError as exc:
            raise TokenError("Token ungültig oder abgelaufen.") from exc
        check_times(claims, self.clock)
        return principal_from_claims(claims, self.role_claim)


MIN_SECRET_CHARS = 32
NO_SECRET = (
    "LTRAKO_JWT_SECRET fehlt: in der Produktion kommt das Geheimnis nur aus der Umgebung "
    f"(mindestens {MIN_SECRET_CHARS} Zeichen), oder LTRAKO_OIDC_ISSUER für einen OIDC-Anbieter setzen."
)


def local_secret(settings: Settings) -> bytes:
    """The local issuer's key: LTRAKO_JWT_SECRET, else (not in production) a key file created
    once (mode 0600). In production a key file on disk is neither written nor read."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else ""
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            raise TokenError(f"LTRAKO_JWT_SECRET ist zu kurz (mindestens {MIN_SECRET_CHARS} Zeichen).")
        return secret.encode()
    if settings.environment == "production":
        raise TokenError(NO_SECRET)
    path = Path(settings.local_key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def local_issuer(settings: Settings, clock: Clock) -> LocalIssuer:
    if settings.uses_oidc:
        raise TokenError("Ein externer OIDC-Aussteller ist konfiguriert: lokale Tokens sind abgeschaltet.")
    return LocalIssuer(local_secret(settings), settings.local_issuer, settings.token_ttl_min, clock=clock)


def build_verifier(
    settings: Settings, clock: Clock, *, discovered_jwks: Callable[[], str] | None = None
) -> TokenVerifier:
    """The service's verifier: the OIDC issuer's (JWKS from LTRAKO_OIDC_JWKS_URL, else from
    `discovered_jwks`), else the local issuer."""
    if settings.uses_oidc:
        jwks = settings.oidc_jwks_url or discovered_jwks
        if not jwks:
            raise TokenError("LTRAKO_OIDC_JWKS_URL fehlt.")
        assert settings.oidc_issuer is not None
        return OidcVerifier(
            settings.oidc_issuer, settings.oidc_audience, jwks, settings.oidc_role_claim, clock=clock
        )
    return local_issuer(settings, clock)


def token_expiry(token: str) -> dt.datetime:
    """The `exp` of a token that has already been verified (read without checking again)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return dt.datetime.fromtimestamp(claims["exp"], dt.UTC)


DEMO_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")
DEMO_NAME_RULE = (
    "Kennung: 1 bis 32 Zeichen, nur Buchstaben ohne Umlaute, Ziffern, Punkt, Binde- und Unterstrich."
)


def demo_subject(role: Role, unit: str | None, name: str) -> str:
    """The subject of a demo sign-in: `demo:<role>[:<unit>]:<name>`.

    The prefix and the role (and ZAB or ABH) are the service's, so a chosen name can never
    give the subject of a real user, of `ltrako token` or of another role's demo user."""
    if not DEMO_NAME.fullmatch(name):
        raise TokenError(DEMO_NAME_RULE)
    return ":".join(["demo", role.value, *([unit] if unit else []), name])


def check_production(settings: Settings) -> None:
    """Refuse to start a production service whose secrets or database are not from the environment.

    Production needs an external OIDC issuer (with the audience of its access tokens, and the
    redirect URL when the pages sign in there) or LTRAKO_JWT_SECRET (≥ 32 characters), a
    PostgreSQL database named by DATABASE_URL (not the default SQLite file), and no demo
    sign-in. Development is not checked.
    """
    if settings.environment != "production":
        return
    problems = []
    if settings.demo_login:
        problems.append(
            "LTRAKO_DEMO_LOGIN ist in der Produktion nicht erlaubt: die Seiten melden nur über den "
            "OIDC-Anbieter an."
        )
    if settings.uses_oidc:
        if not settings.oidc_audience:
            problems.append(
                "LTRAKO_OIDC_AUDIENCE fehlt: ohne Zielgruppe nähme der Dienst die Tokens jeder "
                "Anwendung des Anbieters an."
            )
        if settings.oidc_client_id and not settings.oidc_redirect_url:
            problems.append("LTRAKO_OIDC_REDIRECT_URL fehlt (https://…/web/oidc/callback).")
    else:
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else ""
        if not secret:
            problems.append(NO_SECRET)
        elif len(secret) < MIN_SECRET_CHARS:
            problems.append(f"LTRAKO_JWT_SECRET ist zu kurz (mindestens {MIN_SECRET_CHARS} Zeichen).")
    scheme = settings.database_url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in ("postgres", "postgresql"):
        problems.append(
            "DATABASE_URL fehlt oder nennt keine PostgreSQL-Datenbank: in der Produktion "
            "DATABASE_URL=postgresql://… setzen (die SQLite-Datei ist nur für Entwicklung und Demo)."
        )
    if problems:
        raise ConfigurationError("Start in der Produktion verweigert: " + " ".join(problems))
