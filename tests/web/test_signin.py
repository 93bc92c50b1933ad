"""The demo sign-in: only when switched on, never in production, known units, namespaced subjects;
Secure cookies over https; sign-out revokes (issue 16, item 1). The OIDC flow: test_oidc.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.main import create_app
from api.web.session import COOKIE
from cli.main import app as cli_app
from ltrako.core import revocation
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, transaction
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.core.security import ConfigurationError, LocalIssuer, Role, check_production, local_issuer
from ltrako.models import AuditEvent, RevokedToken
from tests.conftest import TEST_SECRET
from tests.web.test_oidc import denied_reasons, set_cookies

PROBE = {"role": "zrk", "name": "anonymous"}  # what the outside probe sent


def _client(runtime: Runtime, base_url: str = "http://testserver") -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), base_url=base_url) as test_client:
        yield test_client


def _runtime(settings: Settings, clock: FixedClock, **values: object) -> Runtime:
    return runtime_on(make_engine(settings.database_url), settings.model_copy(update=values), clock)


def demo_login(client: TestClient, **form: str) -> tuple[int, str, str | None]:
    """Status, Location and session cookie of a demo sign-in."""
    answer = client.post("/web/login", data=form, follow_redirects=False)
    cookie = set_cookies(answer).get(COOKIE)
    return answer.status_code, answer.headers.get("location", ""), cookie.value if cookie else None


def subject_of(token: str | None, clock: FixedClock) -> str:
    assert token is not None
    return LocalIssuer(TEST_SECRET.encode(), clock=clock).verify(token).subject


def test_production_without_oidc_signs_nobody_in(settings: Settings, db_url: str, clock: FixedClock) -> None:
    """The probe's case: production, a real LTRAKO_JWT_SECRET, no OIDC. The page says the
    sign-in is not set up and the form's POST is refused: no cookie, audited."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a production service runs on PostgreSQL only")
    runtime = _runtime(settings, clock, environment="production", demo_login=False)
    for client in _client(runtime):
        page = client.get("/web/login", follow_redirects=False)
        assert page.status_code == 503 and "nicht eingerichtet" in page.text
        assert "<form" not in page.text.split("</header>")[1] and "demo-login" not in page.text
        status, _, cookie = demo_login(client, **PROBE)
        assert status == 403 and cookie is None
        assert denied_reasons(runtime) == ["Anmeldung abgelehnt: demo-off"]
    runtime.engine.dispose()


def test_production_with_demo_sign_in_does_not_start(settings: Settings, clock: FixedClock) -> None:
    production = settings.model_copy(
        update={"environment": "production", "demo_login": True, "database_url": "postgresql://x@db/ltrako"}
    )
    with pytest.raises(ConfigurationError, match="LTRAKO_DEMO_LOGIN"):
        check_production(production)


def test_the_form_refuses_in_production_even_when_switched_on(runtime: Runtime, clock: FixedClock) -> None:
    """The route decides again: a service whose settings say production (and demo) refuses."""
    for client in _client(runtime):
        production = runtime.settings.model_copy(update={"environment": "production", "demo_login": True})
        client.app.state.runtime = dataclasses.replace(runtime, settings=production)  # type: ignore[attr-defined]
        status, _, cookie = demo_login(client, **PROBE)
        assert status == 403 and cookie is None
        assert client.get("/web/login").status_code == 503


def test_the_demo_sign_in_is_off_by_default(settings: Settings, clock: FixedClock) -> None:
    """Development without LTRAKO_DEMO_LOGIN: the page tells the developer how to switch it on."""
    assert Settings().demo_login is False
    runtime = _runtime(settings, clock, demo_login=False)
    for client in _client(runtime):
        page = client.get("/web/login")
        assert page.status_code == 503 and "--demo-login" in page.text
        assert demo_login(client, **PROBE)[0] == 403
    runtime.engine.dispose()


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"role": "zab", "zab": "ZAB-X", "name": "d"}, "Unbekannte ZAB"),
        ({"role": "zab", "zab": "", "name": "d"}, "ZAB"),
        ({"role": "abh", "abh": "ABH-99999", "name": "d"}, "Unbekannte ABH"),
        ({"role": "root", "name": "d"}, "Unbekannte Rolle"),
    ],
)
def test_demo_refuses_unknown_units_and_roles(
    client: TestClient, runtime: Runtime, form: dict[str, str], text: str
) -> None:
    status, location, cookie = demo_login(client, **form)
    assert status == 303 and location.startswith("/web/login?") and cookie is None
    assert text in client.get(location).text
    assert len(denied_reasons(runtime)) == 1


@pytest.mark.parametrize(
    ("form", "subject"),
    [
        ({"role": "zab", "zab": "ZAB-E", "name": "zab-e"}, "demo:zab:ZAB-E:zab-e"),
        ({"role": "zab", "zab": "ZAB-E", "abh": "ABH-05113", "name": "system"}, "demo:zab:ZAB-E:system"),
        ({"role": "abh", "abh": "ABH-05113", "name": "sb.1"}, "demo:abh:ABH-05113:sb.1"),
        ({"role": "admin", "zab": "ZAB-E", "name": "admin"}, "demo:admin:admin"),
    ],
)
def test_a_demo_subject_is_namespaced_by_role_and_unit(
    client: TestClient, clock: FixedClock, form: dict[str, str], subject: str
) -> None:
    """The chosen name is only the last part: nobody becomes "zab-e" or "system"."""
    status, _, cookie = demo_login(client, **form)
    assert status == 303
    assert subject_of(cookie, clock) == subject


@pytest.mark.parametrize(
    "name", ["demo:admin:x", "zab e", "zab-\ne", "x" * 33, "Müller", "<script>", "a/b", "ZAB-E:zab-e"]
)
def test_a_demo_name_outside_the_safe_characters_is_refused(client: TestClient, name: str) -> None:
    status, location, cookie = demo_login(client, role="zab", zab="ZAB-E", name=name)
    assert status == 303 and cookie is None
    assert "Kennung: 1 bis 32 Zeichen" in client.get(location).text


def test_every_name_gives_a_subject_in_the_demo_namespace(clock: FixedClock, settings: Settings) -> None:
    """Also an empty name: a random one, still under demo:<role>."""
    runtime = _runtime(settings, clock)
    for client in _client(runtime):
        _, _, cookie = demo_login(client, role="zfa", name="")
        assert subject_of(cookie, clock).startswith("demo:zfa:zfa-")
    runtime.engine.dispose()


def test_the_cookie_is_secure_over_https_only(runtime: Runtime) -> None:
    for base_url, secure in (("https://testserver", True), ("http://testserver", False)):
        for client in _client(runtime, base_url):
            answer = client.post("/web/login", data={"role": "zfa", "name": "z"}, follow_redirects=False)
            cookie = set_cookies(answer)[COOKIE]
            assert bool(cookie["secure"]) is secure
            assert cookie["httponly"] and cookie["samesite"].lower() == "strict"
            assert int(cookie["max-age"]) == runtime.settings.token_ttl_min * 60


def test_sign_out_revokes_the_token_for_cookie_and_bearer(
    client: TestClient, runtime: Runtime, clock: FixedClock
) -> None:
    """The probe's last finding: the token worked after sign-out."""
    _, _, token = demo_login(client, role="zrk", name="k")
    assert token is not None
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/zrk/cases", headers=bearer).status_code == 200
    client.cookies.set(COOKIE, token)
    out = client.post("/web/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/web/login?msg=Sie+sind+abgemeldet")
    assert set_cookies(out)[COOKIE]["max-age"] == "0"
    assert client.get("/api/v1/zrk/cases", headers=bearer).status_code == 401
    client.cookies.set(COOKIE, token)
    page = client.get("/web/zrk", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/web/login"
    assert client.post("/web/logout", follow_redirects=False).status_code == 303  # again: harmless
    with Session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "session")).all()
        assert [(e.actor, e.action, e.context) for e in events] == [
            ("demo:zrk:k", "create", "Anmeldung (demo)"),
            ("demo:zrk:k", "delete", "Abmeldung, Token widerrufen"),
        ]
        assert len(session.exec(select(RevokedToken)).all()) == 1
    other = local_issuer(runtime.settings, clock).issue(Role.ZRK, subject="k2")
    assert client.get("/api/v1/zrk/cases", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_expired_revocations_are_purged(runtime: Runtime, clock: FixedClock) -> None:
    """A revocation is kept until its token expires (plus leeway), then the next sign-out drops it."""
    issuer = local_issuer(runtime.settings, clock)
    first = issuer.issue(Role.ZFA, subject="a")
    with transaction(runtime.sessions) as session:
        revocation.revoke(session, first, now=clock.now())
    clock.advance(minutes=runtime.settings.token_ttl_min, seconds=29)
    second = issuer.issue(Role.ZFA, subject="b")
    with transaction(runtime.sessions) as session:
        revocation.revoke(session, second, now=clock.now())
        assert revocation.is_revoked(session, first)  # still within the leeway
    clock.advance(seconds=2)
    with transaction(runtime.sessions) as session:
        assert revocation.purge(session, clock.now()) == 1
        assert not revocation.is_revoked(session, first) and revocation.is_revoked(session, second)


def test_serve_refuses_the_demo_sign_in_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LTRAKO_DEMO_LOGIN", "false")  # restored after the test (serve sets it)
    env = {
        "LTRAKO_ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql://ltrako@db.invalid/ltrako",
        "LTRAKO_JWT_SECRET": "x" * 32,
        "LTRAKO_LOCAL_KEY_FILE": str(tmp_path / "k"),
    }
    result = CliRunner().invoke(cli_app, ["serve", "--demo-login"], env=env)
    assert result.exit_code == 2 and "LTRAKO_DEMO_LOGIN" in result.output
