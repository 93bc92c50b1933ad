"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ltrako.core.db import downgrade, make_engine, upgrade
from ltrako.models import metadata


def test_migrations_upgrade_an_empty_database_to_the_models(db_url: str) -> None:
    """From empty to head and back: the schema equals the models, with no drift."""
    engine = make_engine(db_url)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_migrations_are_idempotent(db_url: str) -> None:
    """Upgrading a database that is already at head changes nothing."""
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0008"
    engine.dispose()
