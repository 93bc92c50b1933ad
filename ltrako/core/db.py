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
    """An engine for `url`; SQLite gets foreign keys on and may be used from several threads.

    Pool sizes apply to PostgreSQL (SQLite's pool is per file and thread)."""
    url = normalize_url(url)
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


def session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


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
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
