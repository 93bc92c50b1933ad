"""Authentication and roles: who sees which request, and every refused access is audited."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlmodel import select

from ltrako.core.clock import FixedClock, SystemClock
from ltrako.core.config import Settings
from ltrako.core.db import transaction
from ltrako.core.runtime import Runtime
from ltrako.core.security import LocalIssuer, OidcVerifier, Role, TokenError, local_issuer
from ltrako.models import AuditEvent
from tests.conftest import TEST_SECRET
from tests.factories import request_body

URL = "/api/v1/transport-requests"
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def essen_request(client: TestClient, auth: Auth) -> dict:  # type: ignore[type-arg]
    body = request_body(
        persons=[
            {
                "case_ref": "E-2026-0009",
                "nationality": "GEO",
                "gender": "f",
                "requires_female_escort": True,
                "requires_medical_escort": True,
            }
        ]
    )
    response = client.post(URL, json=body, headers=auth("abh", abh="ABH-05113"))
    assert response.status_code == 201, response.text
    return response.json()


def test_abh_cannot_read_another_abhs_request_and_the_attempt_is_audited(
    client: TestClient,
    auth: Auth,
    runtime: Runtime,
    essen_request: dict,  # type: ignore[type-arg]
) -> None:
    """ABH Duisburg gets 404 for Essen's request, as for an unknown id; the denial is audited."""
    response = client.get(
        f"{URL}/{essen_request['id']}", headers=auth("abh", abh="ABH-05112", subject="sb-duisburg")
    )
    assert response.status_code == 404
    assert "GEO" not in response.text and "E-2026-0009" not in response.text
    with transaction(runtime.sessions) as session:
        denied = session.exec(
            select(AuditEvent).where(
                AuditEvent.entity_id == essen_request["id"], AuditEvent.outcome == "denied"
            )
        ).all()
    assert [(e.actor, e.role, e.action) for e in denied] == [("sb-duisburg", "abh", "read")]


def test_abh_lists_only_its_own_requests(client: TestClient, auth: Auth, essen_request: dict) -> None:  # type: ignore[type-arg]
    """Listing shows Essen its request and Duisburg none."""
    assert [r["id"] for r in client.get(URL, headers=auth("abh", abh="ABH-05113")).json()] == [
        essen_request["id"]
    ]
    assert client.get(URL, headers=auth("abh", abh="ABH-05112")).json() == []


def test_zab_sees_its_district_only(client: TestClient, auth: Auth, essen_request: dict) -> None:  # type: ignore[type-arg]
    """ZAB Essen reads the request of an ABH in its district; ZAB Köln may not."""
    assert client.get(f"{URL}/{essen_request['id']}", headers=auth("zab", zab="ZAB-E")).status_code == 200
    assert client.get(f"{URL}/{essen_request['id']}", headers=auth("zab", zab="ZAB-K")).status_code == 404


def test_medical_flags_are_hidden_from_roles_without_need(
    client: TestClient, auth: Auth, essen_request: dict
) -> None:  # type: ignore[type-arg]
    """ZFA sees the request but not the medical flags; ZRK and the ZAB see them."""
    path = f"{URL}/{essen_request['id']}"
    zfa = client.get(path, headers=auth("zfa")).json()
    assert zfa["medical_details_visible"] is False
    assert zfa["requires_medical_escort"] is None and zfa["persons"][0]["requires_medical_escort"] is None
    for role, claims in (("zrk", {}), ("zab", {"zab": "ZAB-E"})):
        seen = client.get(path, headers=auth(role, **claims)).json()
        assert (
            seen["requires_medical_escort"] is True and seen["persons"][0]["requires_medical_escort"] is True
        )


def test_ministry_sees_no_single_cases_and_is_audited(
    client: TestClient, auth: Auth, runtime: Runtime, essen_request: dict
) -> None:  # type: ignore[type-arg]
    """The ministry gets 403 on single cases (it sees aggregates only); the attempt is recorded."""
    assert client.get(URL, headers=auth("ministry", subject="mkjfgfi-1")).status_code == 403
    assert client.get(f"{URL}/{essen_request['id']}", headers=auth("ministry")).status_code == 403
    with transaction(runtime.sessions) as session:
        assert session.exec(
            select(AuditEvent).where(AuditEvent.actor == "mkjfgfi-1", AuditEvent.outcome == "denied")
        ).first()


def test_every_read_of_a_request_is_audited(
    client: TestClient, auth: Auth, runtime: Runtime, essen_request: dict
) -> None:  # type: ignore[type-arg]
    """Reading and listing write one read event per request, without personal data."""
    client.get(f"{URL}/{essen_request['id']}", headers=auth("zfa", subject="zfa-1"))
    client.get(URL, headers=auth("zfa", subject="zfa-1"))
    with transaction(runtime.sessions) as session:
        reads = session.exec(
            select(AuditEvent).where(AuditEvent.actor == "zfa-1", AuditEvent.action == "read")
        ).all()
    assert len(reads) == 2 and {e.entity_id for e in reads} == {essen_request["id"]}
    assert all("E-2026-0009" not in (e.context or "") for e in reads)


def test_abh_cannot_submit_for_another_abh(client: TestClient, auth: Auth, runtime: Runtime) -> None:
    """A body naming a foreign ABH is refused with 403 and audited."""
    response = client.post(
        URL, json=request_body(abh_id="ABH-05112"), headers=auth("abh", abh="ABH-05113", subject="sb-e")
    )
    assert response.status_code == 403
    with transaction(runtime.sessions) as session:
        assert session.exec(
            select(AuditEvent).where(AuditEvent.actor == "sb-e", AuditEvent.outcome == "denied")
        ).first()


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_missing_or_bad_tokens_get_401(client: TestClient, header: str | None) -> None:
    """Without a valid bearer token only the health check answers."""
    headers = {"Authorization": header} if header else {}
    assert client.get(URL, headers=headers).status_code == 401
    assert client.get("/api/v1/zabs", headers=headers).status_code == 401
    assert client.get("/api/v1/health").status_code == 200


def test_expired_and_foreign_tokens_are_refused(clock: FixedClock) -> None:
    """Tokens signed with another key, or expired by the service's clock, do not verify."""
    issuer = LocalIssuer(TEST_SECRET.encode(), ttl_min=60, clock=clock)
    token = issuer.issue(Role.ZFA)
    assert issuer.verify(token).role is Role.ZFA
    clock.advance(minutes=61)
    with pytest.raises(TokenError):
        issuer.verify(token)
    other = LocalIssuer(b"another-secret-another-secret-another-secret", clock=clock)
    with pytest.raises(TokenError):
        LocalIssuer(TEST_SECRET.encode(), clock=clock).verify(other.issue(Role.ZFA))


def test_role_claims_are_required(clock: FixedClock) -> None:
    """A zab token needs a ZAB, an abh token an ABH."""
    issuer = LocalIssuer(TEST_SECRET.encode(), clock=clock)
    with pytest.raises(TokenError):
        issuer.issue(Role.ZAB)
    with pytest.raises(TokenError):
        issuer.issue(Role.ABH)


def test_local_issuer_is_off_when_an_oidc_issuer_is_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With an external issuer configured, local tokens cannot be made."""
    settings = Settings(
        database_url="sqlite://", oidc_issuer="https://login.example", local_key_file=str(tmp_path / "k")
    )
    with pytest.raises(TokenError):
        local_issuer(settings, SystemClock())


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """A local JWKS endpoint serving one RSA key, as an OIDC provider would."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    payload = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks", key
    server.shutdown()


def test_oidc_verifier_accepts_provider_tokens_with_the_role_claim(jwks_server, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    """An RS256 token from the provider's key is accepted; one from another key is not."""
    url, key = jwks_server
    verifier = OidcVerifier("https://login.example", "ltrako", url, "ltrako_role", clock=clock)
    now = clock.now()
    claims = {
        "iss": "https://login.example",
        "aud": "ltrako",
        "sub": "u-17",
        "ltrako_role": "zab",
        "zab": "ZAB-K",
        "exp": now + dt.timedelta(minutes=5),
    }
    principal = verifier.verify(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"}))
    assert (principal.subject, principal.role, principal.zab_id) == ("u-17", Role.ZAB, "ZAB-K")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenError):
        verifier.verify(jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "k1"}))
    with pytest.raises(TokenError):
        verifier.verify(jwt.encode({**claims, "aud": "other"}, key, algorithm="RS256", headers={"kid": "k1"}))
