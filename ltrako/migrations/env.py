"""Alembic environment: runs on the connection ltrako.core.db.upgrade hands over, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context

import ltrako.models  # noqa: F401  (registers every table on the metadata)
from ltrako.core.config import Settings
from ltrako.core.db import make_engine
from ltrako.models import metadata

SCHEDULER_TABLE = "ltrako_scheduler_jobs"  # APScheduler's job store manages its own table


def _include(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name == SCHEDULER_TABLE)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = make_engine(Settings().database_url)
    with engine.begin() as own:
        _configure(own)


if context.is_offline_mode():
    raise SystemExit("ltrako migrations run online only (ltrako db upgrade)")
run()
