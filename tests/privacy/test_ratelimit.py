"""Login rate limit per client address, in the database: 429 with Retry-After, across instances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.main import create_app
from ltrako.core.clock import FixedClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, transaction
from ltrako.core.ratelimit import client_hash, register_attempt
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.models import LoginAttempt
from tests.conftest import TEST_NOW

LIMIT, WINDOW = 3, 60
FORM = {"role": "zfa", "name": "zfa-1"}
T0 = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_rate_limit": LIMIT, "login_rate_window_s": WINDOW})


def _instance(settings: Settings) -> Iterator[TestClient]:
    engine = make_engine(settings.database_url)
    with TestClient(create_app(runtime=runtime_on(engine, settings, FixedClock(TEST_NOW)))) as client:
        yield client
    engine.dispose()


@pytest.fixture
def first(limited: Settings) -> Iterator[TestClient]:
    yield from _instance(limited)


@pytest.fixture
def second(limited: Settings) -> Iterator[TestClient]:
    yield from _instance(limited)


def _login(client: TestClient) -> int:
    return client.post("/web/login", data=FORM, follow_redirects=False).status_code


def test_more_logins_than_the_limit_get_429_with_retry_after(first: TestClient, limited: Settings) -> None:
    """The fourth attempt within the window is refused on the login page, in German."""
    assert [_login(first) for _ in range(LIMIT)] == [303] * LIMIT
    refused = first.post("/web/login", data=FORM, follow_redirects=False)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW
    assert "Zu viele Anmeldeversuche" in refused.text and "<form" in refused.text
    assert "ltrako_session" not in refused.cookies
    with Session(first.app.state.runtime.engine) as session:
        clients = session.exec(select(LoginAttempt.client)).all()
    assert len(clients) == LIMIT  # the refused attempt is not counted
    assert {len(c) for c in clients} == {64} and "testclient" not in clients


def test_the_limit_holds_across_service_instances(first: TestClient, second: TestClient) -> None:
    """Attempts on two instances of the service share one count (it lives in the database)."""
    assert [_login(first), _login(second), _login(first)] == [303, 303, 303]
    assert _login(second) == 429


def test_attempts_leave_the_window_and_old_rows_are_deleted(runtime: Runtime) -> None:
    """After the window the client may log in again; Retry-After is when the oldest attempt expires."""
    client = client_hash("192.0.2.7", b"k" * 32)
    with transaction(runtime.sessions) as session:
        session.add(LoginAttempt(client="someone-else", at=T0 - dt.timedelta(hours=1)))
        for seconds in (0, 10, 20):
            assert register_attempt(
                session, client=client, now=T0 + dt.timedelta(seconds=seconds), limit=LIMIT, window_s=WINDOW
            ).allowed
        refused = register_attempt(
            session, client=client, now=T0 + dt.timedelta(seconds=30), limit=LIMIT, window_s=WINDOW
        )
        assert not refused.allowed and refused.retry_after_s == 30
        assert "1 Minute " in refused.message
        later = register_attempt(
            session, client=client, now=T0 + dt.timedelta(seconds=61), limit=LIMIT, window_s=WINDOW
        )
        assert later.allowed
        assert (
            session.exec(select(LoginAttempt.client).where(LoginAttempt.client == "someone-else")).all() == []
        )


def test_the_address_is_stored_as_a_keyed_hash() -> None:
    """The same address gives the same hash under one key and another under another key."""
    assert client_hash("192.0.2.7", b"a" * 32) == client_hash("192.0.2.7", b"a" * 32)
    assert client_hash("192.0.2.7", b"a" * 32) != client_hash("192.0.2.7", b"b" * 32)
    assert client_hash("192.0.2.7", b"a" * 32) != client_hash("192.0.2.8", b"a" * 32)
