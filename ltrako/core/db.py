"""Engines, sessions, transactions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from ltrako.core.clock import SESSION_KEY, Clock, clock_of
from ltrako.models.types import stamp_keys

MIGRATIONS = Path(__file__).parent.parent / "migrations"
AFTER_ROLLBACK = "ltrako.after_rollback"

SessionFactory = Callable[[], Session]


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on and may be used from several threads;
    statement parameters are left out of errors and logs (they carry personal data).

    Pool sizes apply to PostgreSQL (SQLite's pool is per file and thread)."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)  # SQL parameters (case refs, flags) never reach a log
    pool = {key: kwargs.pop(key) for key in ("pool_size", "max_overflow") if key in kwargs}
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_timeout=10, **pool, **kwargs)
    connect_args = {"check_same_thread": False}
    if make_url(url).database in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def session_factory(engine: Engine, clock: Clock) -> SessionFactory:
    """Sessions on `engine` that carry `clock` (see `ltrako.core.clock.clock_of`)."""
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False, info={SESSION_KEY: clock})


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    """Rows whose timestamp says when they were stored get it from the session's clock."""
    stamped = [(row, keys) for row in session.new if (keys := stamp_keys(type(row)))]
    if not stamped:
        return
    now = clock_of(session).now()
    for row, keys in stamped:
        for key in keys:
            if getattr(row, key) is None:
                setattr(row, key, now)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    Work that must outlive a rollback (the audit record of a refused access) registers a
    callback in ``session.info[AFTER_ROLLBACK]``; it runs in a fresh transaction after the
    rollback, and the original error is raised again.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        callbacks = session.info.pop(AFTER_ROLLBACK, [])
        if callbacks:
            for callback in callbacks:
                callback(session)
            session.commit()
        raise
    finally:
        session.close()


def after_rollback(session: Session, callback: Callable[[Session], None]) -> None:
    """Register work that `transaction` performs even when the unit of work fails."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(callback)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` on the engine's database."""
    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    """One migration step in one transaction. SQLite rebuilds a table to change its constraints
    (batch mode), which foreign keys pointing at it would stop: they are off meanwhile (this must
    happen outside a transaction) and checked afterwards."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = is_sqlite(engine)
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("migration left rows pointing at missing rows")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
