"""Sign-in of the pages at the configured OpenID Connect issuer: authorization code flow with PKCE.

The flow (Authlib's OAuth2 client for the protocol, PyJWT for the tokens):

1. `GET /web/login` → `begin`: a fresh `state`, `nonce` and PKCE code verifier. A row of
   `oidc_login`, keyed by the SHA-256 of the state, keeps the verifier, the nonce and the
   redirect URL for ten minutes, so that any instance of the service can finish the flow.
   The browser goes to the issuer's authorization endpoint with state, nonce and the S256
   code challenge. The page layer also sets a short cookie holding the state (SameSite=Lax:
   it must come back on the issuer's redirect, a cross-site top-level GET, on which a Strict
   cookie is not sent); the callback requires it, so a callback URL planted in another
   browser does not sign that browser in (login CSRF).
2. `GET /web/oidc/callback?code=…&state=…` → `consume` takes the row out in its own committed
   transaction (deleted; a replayed or unknown state finds nothing, an expired one is
   refused), then `exchange` redeems the code at the token endpoint with the code verifier
   and the client's credentials, and checks the ID token: signature by the issuer's JWKS,
   `iss`, `aud` = client id (`azp` when there are several audiences), `nonce`, `at_hash` when
   present, expiry and not-before by the service's clock.
3. The session cookie then holds the issuer's **access token**: the token the API accepts as
   bearer, verified by the same `OidcVerifier` (issuer, LTRAKO_OIDC_AUDIENCE, role claim
   LTRAKO_OIDC_ROLE_CLAIM, `zab`/`abh`), with the same `sub` as the ID token. Pages and API so
   share one verifier, one expiry and one revocation list; the app mints no tokens of its
   own in production. The issuer must therefore issue JWT access tokens (Keycloak, Entra ID,
   …); when one expires the pages send the browser to the issuer again, which signs it back
   in without a prompt while its own session lasts. Unknown ZAB or ABH ids are refused
   (ltrako.core.signin).
4. `POST /web/logout` revokes the token (ltrako.core.revocation) and, when the issuer has an
   `end_session_endpoint`, sends the browser there (RP-initiated logout).

Endpoints come from LTRAKO_OIDC_AUTHORIZATION_URL / _TOKEN_URL / _JWKS_URL /
_END_SESSION_URL, else from the issuer's `/.well-known/openid-configuration` (read once per
process, its `issuer` must be the configured one; Authlib's metadata checks want https except
on loopback). Refusals are `SignInError`s: a German message and a short reason, never a claim.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url
from sqlmodel import Session, col, delete

from ltrako.core.clock import Clock
from ltrako.core.config import Settings
from ltrako.core.db import SessionFactory, transaction
from ltrako.core.security import (
    OidcVerifier,
    Principal,
    SignInError,
    TokenError,
    check_times,
    decode_options,
    token_expiry,
)
from ltrako.models import OidcLogin

LOGIN_TTL = dt.timedelta(minutes=10)  # from the redirect to the issuer to the callback
HTTP_TIMEOUT_S = 10.0
UNREACHABLE = "Der Identitätsanbieter ist nicht erreichbar. Bitte später erneut anmelden."
NOT_CONFIRMED = "Der Identitätsanbieter hat die Anmeldung nicht bestätigt. Bitte erneut anmelden."


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorization: str
    token: str
    jwks: str
    end_session: str | None


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """What the callback needs of a sign-in begun on any instance."""

    code_verifier: str
    nonce: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # the issuer's access token: the session cookie and a valid bearer token
    principal: Principal
    expires: dt.datetime


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Provider:
    """The configured issuer: its endpoints (given, or discovered once) and the pages' client."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer is not None
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self._endpoints: Endpoints | None = None
        self._lock = threading.Lock()

    def endpoints(self) -> Endpoints:
        with self._lock:
            if self._endpoints is None:
                self._endpoints = self._resolve()
            return self._endpoints

    def jwks_url(self) -> str:
        """For the verifier (build_verifier's `discovered_jwks`): unreachable → the token is refused."""
        return self.endpoints().jwks

    def _resolve(self) -> Endpoints:
        s = self.settings
        given = {
            "issuer": self.issuer,
            "authorization_endpoint": s.oidc_authorization_url,
            "token_endpoint": s.oidc_token_url,
            "jwks_uri": s.oidc_jwks_url,
            "end_session_endpoint": s.oidc_end_session_url,
        }
        needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        document = self._discover() if not all(given[k] for k in needed) else {}
        merged = {**document, **{k: v for k, v in given.items() if v}}
        metadata = OpenIDProviderMetadata(merged)
        try:
            for check in (
                metadata.validate_issuer,
                metadata.validate_authorization_endpoint,
                metadata.validate_token_endpoint,
                metadata.validate_jwks_uri,
            ):
                check()
            if not merged.get("authorization_endpoint"):
                raise ValueError("no authorization_endpoint")
        except ValueError as exc:
            raise SignInError(UNREACHABLE, "metadata") from exc
        return Endpoints(
            authorization=merged["authorization_endpoint"],
            token=merged["token_endpoint"],
            jwks=merged["jwks_uri"],
            end_session=merged.get("end_session_endpoint") or None,
        )

    def _discover(self) -> dict[str, Any]:
        try:
            answer = requests.get(get_well_known_url(self.issuer, external=True), timeout=HTTP_TIMEOUT_S)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignInError(UNREACHABLE, "discovery") from exc
        # OpenID Connect Discovery 1.0, 4.3: the document must name exactly this issuer.
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            raise SignInError(UNREACHABLE, "discovery-issuer")
        return document

    def client(self, redirect_url: str) -> OAuth2Session:
        s = self.settings
        scopes = s.oidc_scopes.split()
        return OAuth2Session(
            client_id=s.oidc_client_id,
            client_secret=s.oidc_client_secret.get_secret_value() if s.oidc_client_secret else None,
            scope=" ".join(scopes if "openid" in scopes else ["openid", *scopes]),
            redirect_uri=redirect_url,
            code_challenge_method="S256",
        )

    def end_session_url(self, post_logout_url: str | None) -> str | None:
        """RP-initiated logout at the issuer, when it has such an endpoint (else None)."""
        try:
            endpoint = self.endpoints().end_session
        except SignInError:
            return None  # signing out here must not depend on the issuer being reachable
        if not endpoint:
            return None
        params = {"client_id": self.settings.oidc_client_id or ""}
        if post_logout_url:
            params["post_logout_redirect_uri"] = post_logout_url
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def begin(session: Session, provider: Provider, *, redirect_url: str, now: dt.datetime) -> tuple[str, str]:
    """Store a new sign-in; the issuer's authorization URL to send the browser to, and the state."""
    authorization = provider.endpoints().authorization  # any discovery before the transaction
    session.exec(delete(OidcLogin).where(col(OidcLogin.expires_at) < now))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)  # 86 characters (RFC 7636: 43 to 128)
    url, _ = provider.client(redirect_url).create_authorization_url(
        authorization, state=state, code_verifier=code_verifier, nonce=nonce
    )
    session.add(
        OidcLogin(
            state_sha256=_sha256(state),
            code_verifier=code_verifier,
            nonce=nonce,
            redirect_url=redirect_url,
            expires_at=now + LOGIN_TTL,
        )
    )
    return url, state


def consume(sessions: SessionFactory, state: str, *, now: dt.datetime) -> PendingLogin:
    """Take the sign-in of `state` out, once, in a transaction of its own (committed even when
    the sign-in is refused afterwards): a replayed, unknown or expired state is refused."""
    key = _sha256(state)
    with transaction(sessions) as session:
        row = session.get(OidcLogin, key)
        pending = PendingLogin(row.code_verifier, row.nonce, row.redirect_url) if row else None
        valid = row is not None and row.expires_at > now
        # The delete decides a race between two callbacks: only one of them removes the row.
        removed = session.exec(delete(OidcLogin).where(col(OidcLogin.state_sha256) == key))
        taken = removed.rowcount == 1
    if pending is None or not (taken and valid):
        raise SignInError(
            "Die Anmeldung ist abgelaufen oder schon abgeschlossen. Bitte erneut anmelden.", "state"
        )
    return pending


def exchange(
    provider: Provider, verifier: OidcVerifier, pending: PendingLogin, *, code: str, clock: Clock
) -> SignedIn:
    """Redeem the code (with the PKCE verifier), check the ID token, accept the access token."""
    try:
        tokens = provider.client(pending.redirect_url).fetch_token(
            provider.endpoints().token,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.code_verifier,
            timeout=HTTP_TIMEOUT_S,
        )
    except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
        raise SignInError(NOT_CONFIRMED, "token-endpoint") from exc
    id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise SignInError(NOT_CONFIRMED, "tokens-missing")
    claims = _id_token_claims(provider, verifier, id_token, pending.nonce, clock)
    _check_at_hash(claims, id_token, access_token)
    try:
        principal = verifier.verify(access_token)
    except TokenError as exc:
        raise SignInError(
            "Das Zugriffstoken des Identitätsanbieters wird nicht angenommen (Rolle, ZAB oder ABH, "
            "Zielgruppe). Bitte an den Betrieb wenden.",
            "access-token",
        ) from exc
    if principal.subject != claims["sub"]:
        raise SignInError(NOT_CONFIRMED, "subject")
    return SignedIn(access_token, principal, token_expiry(access_token))


def _id_token_claims(
    provider: Provider, verifier: OidcVerifier, id_token: str, nonce: str, clock: Clock
) -> dict[str, Any]:
    client_id = provider.settings.oidc_client_id
    options = decode_options()
    options["require"] = ["exp", "iat", "iss", "sub", "aud", "nonce"]
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            verifier.signing_key(id_token),
            algorithms=list(verifier.algorithms),
            issuer=provider.issuer,
            audience=client_id,
            options=options,
        )
        check_times(claims, clock)
    except (jwt.PyJWTError, TokenError) as exc:
        raise SignInError(NOT_CONFIRMED, "id-token") from exc
    if not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise SignInError(NOT_CONFIRMED, "nonce")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInError(NOT_CONFIRMED, "azp")
    return claims


def _check_at_hash(claims: dict[str, Any], id_token: str, access_token: str) -> None:
    """OIDC Core 3.1.3.8: the left half of the access token's hash, when the ID token has one."""
    expected = claims.get("at_hash")
    if expected is None:
        return
    algorithm = jwt.get_unverified_header(id_token).get("alg", "")
    digest = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}.get(algorithm[-3:])
    if digest is None:
        raise SignInError(NOT_CONFIRMED, "at-hash")
    half = digest(access_token.encode()).digest()
    actual = base64.urlsafe_b64encode(half[: len(half) // 2]).rstrip(b"=").decode()
    if not hmac.compare_digest(actual, str(expected)):
        raise SignInError(NOT_CONFIRMED, "at-hash")
