"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from ltrako.core.db import alembic_config, downgrade, make_engine, upgrade
from ltrako.models import TransportRequestPerson, metadata


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
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head is not None and MigrationContext.configure(connection).get_current_revision() == head
    engine.dispose()


def test_persons_get_their_owner_and_duplicates_of_the_old_rule_are_merged(db_url: str) -> None:
    """0008: a municipal person is owned by its ABH, a state facility's by its request's ZAB; two
    NULL-ABH rows with one case ref (let through by the old unique key) become one person."""
    engine = make_engine(db_url)
    downgrade(engine, "0007")
    at = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)
    request = {
        "origin": "state_facility",
        "abh_id": None,
        "zab_id": "ZAB-E",
        "purpose": "flight",
        "service_date": at.date(),
        "persons": 1,
        "escorts_required": 2,
        "priority": 3,
        "requires_female_escort": False,
        "requires_medical_escort": False,
        "wheelchair": False,
        "pickup_location_id": "ABH-05113",
        "pickup_earliest": at,
        "pickup_latest": at,
        "pickup_service_min": 0,
        "dropoff_location_id": "AP-DUS",
        "dropoff_earliest": at,
        "dropoff_latest": at,
        "dropoff_service_min": 0,
        "status": "submitted",
        "created_at": at,
        "created_by": "test",
    }
    person = (
        "INSERT INTO person (id, case_ref, abh_id, nationality, gender, requires_female_escort, "
        "requires_medical_escort, wheelchair, requires_medical_reception, created_at) "
        "VALUES (:id, :ref, :abh, 'ALB', 'm', false, false, false, false, :at)"
    )
    with engine.begin() as connection:
        for rid in ("TR-1", "TR-2"):
            # the columns of 0007 only: later columns of the model do not exist yet
            old = sa.table("transport_request", *(sa.column(c) for c in ("id", *request)))
            connection.execute(old.insert().values(id=rid, **request))
        connection.execute(text(person), {"id": 1, "ref": "E-1", "abh": "ABH-05113", "at": at})
        for pid in (2, 3):
            connection.execute(text(person), {"id": pid, "ref": "FAC-7", "abh": None, "at": at})
        links = [("TR-1", 2), ("TR-2", 3), ("TR-2", 2)]
        for rid, pid in links:
            connection.execute(
                TransportRequestPerson.__table__.insert().values(request_id=rid, person_id=pid)
            )
    upgrade(engine)
    with engine.connect() as connection:
        owners = connection.execute(text("SELECT id, owner_id FROM person ORDER BY id")).all()
        linked = connection.execute(
            text("SELECT request_id, person_id FROM transport_request_person ORDER BY request_id")
        ).all()
    assert [tuple(r) for r in owners] == [(1, "ABH-05113"), (2, "ZAB-E")]
    assert [tuple(r) for r in linked] == [("TR-1", 2), ("TR-2", 2)]
    engine.dispose()
