"""The pages' sign-in at an OIDC issuer (tests/fake_oidc.py), driven through the TestClient.

Authorization code flow with PKCE: state, nonce and code verifier are kept in the database and
taken once; the ID token is checked; the session cookie holds the issuer's access token, the
same token the API accepts; sign-out revokes it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, select

from api.main import create_app
from api.web.session import COOKIE
from ltrako.core import oidc
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.core.security import SignInError
from ltrako.models import AuditEvent, OidcLogin, RevokedToken
from tests.fake_oidc import AUDIENCE, CLIENT_ID, CLIENT_SECRET, ROLE_CLAIM, FakeProvider, running_provider

CALLBACK = "https://testserver/web/oidc/callback"
POST_LOGOUT = "https://testserver/web/login?msg=Abgemeldet"


@pytest.fixture
def provider(clock: FixedClock) -> Iterator[FakeProvider]:
    with running_provider(clock) as fake:
        yield fake


def oidc_settings(settings: Settings, provider: FakeProvider, **values: Any) -> Settings:
    update: dict[str, Any] = {
        "demo_login": False,
        "oidc_issuer": provider.issuer,
        "oidc_audience": AUDIENCE,
        "oidc_role_claim": ROLE_CLAIM,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": SecretStr(CLIENT_SECRET),
        "oidc_redirect_url": CALLBACK,
        "oidc_post_logout_url": POST_LOGOUT,
        **values,
    }
    return settings.model_copy(update=update)


@pytest.fixture
def oidc_runtime(settings: Settings, provider: FakeProvider, clock: FixedClock) -> Iterator[Runtime]:
    configured = oidc_settings(settings, provider)
    engine = make_engine(configured.database_url)
    yield runtime_on(engine, configured, clock)
    engine.dispose()


def _client(runtime: Runtime, base_url: str = "https://testserver") -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url=base_url) as test_client:
        yield test_client


@pytest.fixture
def web(oidc_runtime: Runtime) -> Iterator[TestClient]:
    yield from _client(oidc_runtime)


@pytest.fixture
def other_browser(oidc_runtime: Runtime) -> Iterator[TestClient]:
    yield from _client(oidc_runtime)


def start(client: TestClient, provider: FakeProvider) -> str:
    """GET /web/login: the redirect to the issuer, followed there; the callback URL it sends back."""
    answer = client.get("/web/login", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"{provider.issuer}/authorize?")
    back = provider.authorize(answer.headers["location"])
    assert back.startswith(CALLBACK + "?")
    return back.removeprefix("https://testserver")


def sign_in(client: TestClient, provider: FakeProvider) -> httpx2.Response:
    return client.get(start(client, provider), follow_redirects=False)


def set_cookies(answer: httpx2.Response) -> dict[str, Any]:
    """The Set-Cookie headers of an answer by name, with their attributes."""
    cookies: dict[str, Any] = {}
    for header in answer.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            cookies[name] = morsel
    return cookies


def denied_reasons(runtime: Runtime) -> list[str]:
    with Session(runtime.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.entity == "session", AuditEvent.outcome == "denied")
        ).all()
    return [str(e.context) for e in events]


def test_the_full_flow_signs_in_with_the_issuers_access_token(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    """Authorize with state, nonce and S256 challenge; the callback sets a Secure, Strict cookie
    with the access token; pages and API accept it; the sign-in row is gone; the audit has it."""
    answer = sign_in(web, provider)
    assert answer.status_code == 200, answer.text
    assert 'http-equiv="refresh" content="0;url=/web/zab/tag"' in answer.text
    asked = provider.authorize_requests[0]
    assert asked["code_challenge_method"] == "S256" and asked["redirect_uri"] == CALLBACK
    assert len(provider.token_requests) == 1 and provider.token_requests[0]["code_verifier"]
    cookie = set_cookies(answer)[COOKIE]
    assert cookie.value == provider.issued[0]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"].lower() == "strict"
    assert 0 < int(cookie["max-age"]) <= 300  # as long as the access token lives
    assert set_cookies(answer)["ltrako_oidc"]["max-age"] == "0"  # the flow cookie is cleared
    page = web.get("/web/zab/tag", follow_redirects=False)
    assert page.status_code == 200 and "u-4711 (zab, ZAB-E)" in page.text
    api = web.get("/api/v1/transport-requests", headers={"Authorization": f"Bearer {cookie.value}"})
    assert api.status_code == 200
    with Session(oidc_runtime.engine) as session:
        assert session.exec(select(OidcLogin)).all() == []
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "session")).all()
    assert [(e.actor, e.role, e.outcome, e.context) for e in events] == [
        ("u-4711", "zab", "ok", "Anmeldung (oidc)")
    ]


def test_the_flow_cookie_comes_back_on_the_cross_site_redirect(web: TestClient) -> None:
    """The state cookie is SameSite=Lax (a Strict one is not sent on the issuer's redirect)."""
    answer = web.get("/web/login", follow_redirects=False)
    flow = set_cookies(answer)["ltrako_oidc"]
    assert flow["samesite"].lower() == "lax" and flow["path"] == "/web/oidc"
    assert flow["secure"] and flow["httponly"] and int(flow["max-age"]) == 600
    state = parse_qs(urlsplit(answer.headers["location"]).query)["state"][0]
    assert flow.value == state
    with Session(web.app.state.runtime.engine) as session:  # type: ignore[attr-defined]
        stored = session.exec(select(OidcLogin)).one()
    assert stored.state_sha256 != state and len(stored.state_sha256) == 64  # a hash, not the state


def test_a_replayed_or_unknown_state_is_refused(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    callback = start(web, provider)
    assert web.get(callback, follow_redirects=False).status_code == 200
    web.cookies.clear()
    web.cookies.set("ltrako_oidc", parse_qs(urlsplit(callback).query)["state"][0], path="/web/oidc")
    replayed = web.get(callback, follow_redirects=False)
    assert replayed.status_code == 400 and "abgelaufen oder schon abgeschlossen" in replayed.text
    assert COOKIE not in set_cookies(replayed)
    unknown = web.get("/web/oidc/callback?code=x&state=made-up", follow_redirects=False)
    assert unknown.status_code == 400 and COOKIE not in set_cookies(unknown)
    assert len(provider.token_requests) == 1  # neither reached the token endpoint
    assert denied_reasons(oidc_runtime) == ["Anmeldung abgelehnt: state", "Anmeldung abgelehnt: state"]


def test_a_state_older_than_ten_minutes_is_refused(
    web: TestClient, provider: FakeProvider, clock: FixedClock
) -> None:
    callback = start(web, provider)
    clock.advance(minutes=11)
    answer = web.get(callback, follow_redirects=False)
    assert answer.status_code == 400 and COOKIE not in set_cookies(answer)


def test_a_callback_in_another_browser_is_refused_and_burns_the_state(
    web: TestClient, other_browser: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    """Login CSRF: a callback URL planted in another browser does not sign that one in."""
    callback = start(web, provider)
    planted = other_browser.get(callback, follow_redirects=False)
    assert planted.status_code == 400 and "anderen Browser" in planted.text
    assert COOKIE not in set_cookies(planted)
    assert web.get(callback, follow_redirects=False).status_code == 400  # taken out once
    assert provider.token_requests == []


def test_the_token_endpoint_refuses_another_code_verifier(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    """PKCE: the provider checks the verifier against the challenge; the page refuses then."""
    callback = start(web, provider)
    with Session(oidc_runtime.engine) as session:
        pending = session.exec(select(OidcLogin)).one()
        pending.code_verifier = "another-verifier-" + "x" * 40
        session.add(pending)
        session.commit()
    answer = web.get(callback, follow_redirects=False)
    assert answer.status_code == 400 and "nicht bestätigt" in answer.text
    assert COOKIE not in set_cookies(answer)
    assert denied_reasons(oidc_runtime) == ["Anmeldung abgelehnt: token-endpoint"]


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"nonce": "a-nonce-of-another-sign-in"}, "nonce"),
        ({"aud": "another-client"}, "id-token"),
        ({"iss": "https://elsewhere.example"}, "id-token"),
        ({"exp": 1_700_000_000}, "id-token"),  # long expired by the service's clock
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at-hash"),
        ({"sub": "someone-else"}, "subject"),
        ("other-key", "id-token"),
    ],
)
def test_a_wrong_id_token_is_refused(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime, tamper: Any, reason: str
) -> None:
    if tamper == "other-key":
        provider.sign_with = rsa.generate_private_key(65537, 2048)
    else:
        provider.tamper = tamper
    answer = sign_in(web, provider)
    assert answer.status_code == 400 and "nicht bestätigt" in answer.text
    assert COOKIE not in set_cookies(answer)
    assert denied_reasons(oidc_runtime) == [f"Anmeldung abgelehnt: {reason}"]


@pytest.mark.parametrize(
    ("user", "text"),
    [
        ({"sub": "u-1", ROLE_CLAIM: "zab", "zab": "ZAB-X"}, "Unbekannte ZAB"),
        ({"sub": "u-2", ROLE_CLAIM: "abh", "abh": "ABH-99999"}, "Unbekannte ABH"),
        ({"sub": "u-3", ROLE_CLAIM: "superuser"}, "nicht angenommen"),
        ({"sub": "u-4", ROLE_CLAIM: "zab"}, "nicht angenommen"),  # a ZAB role without a ZAB
    ],
)
def test_roles_and_units_come_from_the_claims_and_unknown_ones_are_refused(
    web: TestClient, provider: FakeProvider, user: dict[str, str], text: str
) -> None:
    provider.user = user
    answer = sign_in(web, provider)
    assert answer.status_code == 400 and text in answer.text
    assert COOKIE not in set_cookies(answer)


def test_an_abh_user_lands_on_the_abh_page(web: TestClient, provider: FakeProvider) -> None:
    provider.user = {"sub": "sb-essen-1", ROLE_CLAIM: "abh", "abh": "ABH-05113"}
    answer = sign_in(web, provider)
    assert answer.status_code == 200 and "url=/web/abh" in answer.text
    assert web.get("/web/abh", follow_redirects=False).status_code == 200


def test_sign_out_revokes_the_token_and_goes_to_the_issuers_sign_out(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime, clock: FixedClock
) -> None:
    """After sign-out the same token gets 401 on the API and the cookie leads to the login."""
    token = set_cookies(sign_in(web, provider))[COOKIE].value
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.get("/api/v1/zabs", headers=bearer).status_code == 200
    out = web.post("/web/logout", follow_redirects=False)
    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/logout"
    assert parse_qs(target.query) == {"client_id": [CLIENT_ID], "post_logout_redirect_uri": [POST_LOGOUT]}
    assert set_cookies(out)[COOKIE]["max-age"] == "0"
    assert web.get("/api/v1/zabs", headers=bearer).status_code == 401
    web.cookies.set(COOKIE, token)
    page = web.get("/web/zab/tag", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/web/login"
    with Session(oidc_runtime.engine) as session:
        revoked = session.exec(select(RevokedToken)).one()
    assert revoked.expires_at == clock.now() + dt.timedelta(minutes=5, seconds=30)  # exp + leeway
    shown = web.get("/web/login?msg=Abgemeldet", follow_redirects=False)
    assert shown.status_code == 200 and "Beim Identitätsanbieter anmelden" in shown.text


def test_demo_sign_in_is_off_with_an_oidc_issuer(
    settings: Settings, provider: FakeProvider, clock: FixedClock
) -> None:
    """Even with LTRAKO_DEMO_LOGIN on, an OIDC issuer turns the form off: POST is refused."""
    configured = oidc_settings(settings, provider, demo_login=True)
    engine = make_engine(configured.database_url)
    for client in _client(runtime_on(engine, configured, clock)):
        answer = client.post("/web/login", data={"role": "zrk", "name": "anonymous"}, follow_redirects=False)
        assert answer.status_code == 403 and COOKIE not in set_cookies(answer)
        assert "Identitätsanbieter" in answer.text
    engine.dispose()


def test_in_production_the_cookie_is_secure_even_over_http(
    settings: Settings, db_url: str, provider: FakeProvider, clock: FixedClock
) -> None:
    """TLS may end at a proxy: in production the cookies are Secure whatever the scheme."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a production service runs on PostgreSQL only")
    configured = oidc_settings(settings, provider, environment="production", jwt_secret=None)
    engine = make_engine(configured.database_url)
    for client in _client(runtime_on(engine, configured, clock), base_url="http://testserver"):
        answer = client.get("/web/login", follow_redirects=False)
        assert answer.status_code == 303 and set_cookies(answer)["ltrako_oidc"]["secure"]
        back = provider.authorize(answer.headers["location"]).removeprefix("https://testserver")
        client.cookies.set("ltrako_oidc", set_cookies(answer)["ltrako_oidc"].value, path="/web/oidc")
        done = client.get(back, follow_redirects=False)
        assert done.status_code == 200 and set_cookies(done)[COOKIE]["secure"]
    engine.dispose()


def test_the_endpoints_are_discovered_once_per_process(web: TestClient, provider: FakeProvider) -> None:
    assert sign_in(web, provider).status_code == 200
    assert sign_in(web, provider).status_code == 200
    assert provider.discoveries == 1


def test_explicit_endpoints_need_no_discovery(
    settings: Settings, provider: FakeProvider, clock: FixedClock
) -> None:
    configured = oidc_settings(
        settings,
        provider,
        oidc_authorization_url=f"{provider.issuer}/authorize",
        oidc_token_url=f"{provider.issuer}/token",
        oidc_jwks_url=f"{provider.issuer}/jwks",
    )
    engine = make_engine(configured.database_url)
    for client in _client(runtime_on(engine, configured, clock)):
        assert sign_in(client, provider).status_code == 200
        out = client.post("/web/logout", follow_redirects=False)
        assert out.headers["location"].startswith("/web/login?")
    engine.dispose()
    assert provider.discoveries == 0  # and without an end-session endpoint, sign-out stays here


def test_a_discovery_document_of_another_issuer_is_refused(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    """OIDC Discovery 4.3: the document must name the configured issuer."""
    provider.claimed_issuer = "https://attacker.example"
    answer = web.get("/web/login", follow_redirects=False)
    assert answer.status_code == 503 and "nicht erreichbar" in answer.text
    assert provider.authorize_requests == []
    assert denied_reasons(oidc_runtime) == ["Anmeldung abgelehnt: discovery-issuer"]


def test_two_callbacks_racing_with_one_state_sign_in_once(
    web: TestClient, provider: FakeProvider, oidc_runtime: Runtime
) -> None:
    """Two instances taking the same sign-in at once: exactly one gets it (the delete decides)."""
    callback = start(web, provider)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take() -> None:
        barrier.wait()
        try:
            oidc.consume(oidc_runtime.sessions, state, now=oidc_runtime.clock.now())
            outcomes.append("taken")
        except SignInError as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["state", "taken"]
