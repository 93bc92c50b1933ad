"""A small OpenID Connect provider inside the test process, for the pages' sign-in.

An HTTP server in a thread (Authlib and PyJWT's key client talk real HTTP) with discovery,
an authorization endpoint that signs in the user the test chose and redirects back with a
code, a token endpoint that checks the client's credentials, the redirect URI and the PKCE
verifier against the challenge, a JWKS with one RSA key, and an end-session endpoint. Tokens
are stamped by the test's clock. `tamper` changes claims of the next ID token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from ltrako.core.clock import Clock

CLIENT_ID = "ltrako-web"
CLIENT_SECRET = "client-secret-of-the-pages-0123456789"
AUDIENCE = "ltrako-api"
ROLE_CLAIM = "ltrako_role"
KID = "k1"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class FakeProvider:
    issuer: str
    clock: Clock
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    user: dict[str, Any] = field(default_factory=lambda: {"sub": "u-4711", ROLE_CLAIM: "zab", "zab": "ZAB-E"})
    tamper: dict[str, Any] = field(default_factory=dict)  # claims of the next ID token
    sign_with: rsa.RSAPrivateKey | None = None  # another key for the next ID token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)  # access tokens handed out
    discoveries: int = 0  # how often the discovery document was read
    claimed_issuer: str | None = None  # another `issuer` in the discovery document

    def discovery(self) -> dict[str, Any]:
        self.discoveries += 1
        return {
            "issuer": self.claimed_issuer or self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KID, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def authorize(self, url: str) -> str:
        """The browser at the authorization endpoint: where the provider sends it back."""
        answer = requests.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    # ------------------------------------------------------------------ the endpoints

    def on_authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.authorize_requests.append(query)
        if (
            query.get("response_type") != "code"
            or query.get("client_id") != CLIENT_ID
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("state")
            or not query.get("nonce")
        ):
            return 400, {}, b'{"error": "invalid_request"}'
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "nonce": query["nonce"],
            "redirect_uri": query["redirect_uri"],
            "user": dict(self.user),
        }
        back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": back}, b""

    def on_token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, str], bytes]:
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {}, b'{"error": "invalid_client"}'
        grant = self.codes.pop(form.get("code", ""), None)  # a code is redeemed once
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
            or s256(form.get("code_verifier", "")) != grant["challenge"]
        ):
            return 400, {}, b'{"error": "invalid_grant"}'
        now = self.clock.now()
        times = {"iat": now, "exp": now + dt.timedelta(minutes=5)}
        user = grant["user"]
        access = jwt.encode(
            {"iss": self.issuer, "aud": AUDIENCE, "azp": CLIENT_ID, **times, **user},
            self.key,
            algorithm="RS256",
            headers={"kid": KID},
        )
        digest = hashlib.sha256(access.encode()).digest()
        at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
        id_claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": user["sub"],
            "nonce": grant["nonce"],
            "at_hash": at_hash,
            **times,
            **self.tamper,
        }
        id_token = jwt.encode(id_claims, self.sign_with or self.key, algorithm="RS256", headers={"kid": KID})
        self.issued.append(access)
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        return 200, {}, json.dumps(body).encode()


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._send(200, {}, json.dumps(provider.discovery()).encode())
            elif parts.path == "/jwks":
                self._send(200, {}, json.dumps(provider.jwks()).encode())
            elif parts.path == "/authorize":
                self._send(*provider.on_authorize(query))
            else:
                self._send(404, {}, b"{}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self._send(*provider.on_token(form, self.headers.get("Authorization", "")))
            else:
                self._send(404, {}, b"{}")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_provider(clock: Clock) -> Iterator[FakeProvider]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    provider = FakeProvider(issuer=f"http://127.0.0.1:{server.server_port}", clock=clock)
    server.RequestHandlerClass = _handler(provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
