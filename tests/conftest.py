"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), runtime, API client, tokens.

Every database test runs twice, on SQLite and on PostgreSQL. PostgreSQL is taken from
LTRAKO_TEST_POSTGRES_URL (default: the local server, database `test`); when it cannot be
reached those runs are skipped, unless LTRAKO_REQUIRE_POSTGRES=1 (CI) makes that a failure.
Each test gets its own copy of a migrated database holding the reference data.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.main import create_app
from ltrako.core.clock import FixedClock, SystemClock
from ltrako.core.config import Settings
from ltrako.core.db import make_engine, normalize_url, session_factory, transaction, upgrade
from ltrako.core.runtime import Runtime, runtime_on
from ltrako.core.security import LocalIssuer, Role, local_issuer
from ltrako.requests.seed import load_reference
from ltrako.workers import jobs

POSTGRES_URL = os.environ.get("LTRAKO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LTRAKO_REQUIRE_POSTGRES") == "1"
TEST_SECRET = "test-secret-for-the-local-issuer-0123456789"
# The tests' "now": a Friday before the days the tests plan (24–26 November 2026). Tests that need
# another moment move their `clock`; nothing reads the machine's date.
TEST_NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _seed(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine, FixedClock(TEST_NOW))) as session:
        load_reference(session)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ltrako.db"
    _seed(f"sqlite:///{path}")
    return path


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(
        normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def _with_database(name: str) -> str:
    return make_url(normalize_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the server is not there
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not reachable at {POSTGRES_URL}: {type(exc).__name__}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"ltrako_tpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _seed(_with_database(name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh database with schema and reference data, on each backend."""
    if request.param == "sqlite":
        copy = tmp_path / "ltrako.db"
        shutil.copy(sqlite_template, copy)
        yield f"sqlite:///{copy}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"ltrako_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _with_database(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        jwt_secret=TEST_SECRET,
        local_key_file=str(tmp_path / "issuer.key"),
        oidc_issuer=None,
        timezone="Europe/Berlin",
        demo_login=True,  # the page tests sign in with the demo form (tests/web/test_signin.py: off)
    )


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock, standing at TEST_NOW until the test moves it."""
    return FixedClock(TEST_NOW)


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    engine = make_engine(settings.database_url)
    yield runtime_on(engine, settings, clock)
    engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


Headers = dict[str, str]


def _headers_of(issuer: LocalIssuer) -> Callable[..., Headers]:
    def headers(
        role: str, *, zab: str | None = None, abh: str | None = None, subject: str | None = None
    ) -> Headers:
        return {"Authorization": f"Bearer {issuer.issue(Role(role), zab=zab, abh=abh, subject=subject)}"}

    return headers


@pytest.fixture
def auth(settings: Settings, clock: FixedClock) -> Callable[..., Headers]:
    """auth(role, zab=..., abh=...) -> Authorization header of a local-issuer token (test clock)."""
    return _headers_of(local_issuer(settings, clock))


@pytest.fixture
def process_auth(settings: Settings) -> Callable[..., Headers]:
    """As `auth`, for service processes a test starts: they run on the machine's clock."""
    return _headers_of(local_issuer(settings, SystemClock()))


@pytest.fixture
def drain(runtime: Runtime) -> Callable[[], int]:
    """Run every queued planning job now, one after the other in this thread (no worker, no wait)."""
    return lambda: jobs.run_queued(runtime, "test-worker")
