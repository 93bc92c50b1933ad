"""person: owner_id (the ABH, or for state facilities the ZAB, that issued the case reference)

Persons were unique per (abh_id, case_ref); persons of state facilities have no ABH, so their
case references were matched across all of NRW (one ZAB could overwrite another's person) and
the unique constraint let duplicates through (NULL abh_id). Now every person has an owner.
Duplicates left by the old rule are merged into the oldest row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables with a person_id and their other key column (None: the row has its own id).
LINKS = (
    ("transport_request_person", "request_id"),
    ("removal_case_person", "case_id"),
    ("medical_reception", None),
)


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.String(length=32), nullable=True))
    op.execute("UPDATE person SET owner_id = abh_id WHERE abh_id IS NOT NULL")
    op.execute(
        "UPDATE person SET owner_id = (SELECT MIN(r.zab_id) FROM transport_request r "
        "JOIN transport_request_person l ON l.request_id = r.id WHERE l.person_id = person.id) "
        "WHERE owner_id IS NULL"
    )
    op.execute(
        "UPDATE person SET owner_id = (SELECT MIN(c.zab_id) FROM removal_case c "
        "JOIN removal_case_person l ON l.case_id = c.id WHERE l.person_id = person.id) "
        "WHERE owner_id IS NULL"
    )
    op.execute("UPDATE person SET owner_id = 'unbekannt' WHERE owner_id IS NULL")
    _merge_duplicates(op.get_bind())
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("uq_person_abh_id_case_ref", type_="unique")
        batch_op.alter_column("owner_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint("uq_person_owner_id_case_ref", ["owner_id", "case_ref"])
        batch_op.create_index("ix_person_owner_id", ["owner_id"], unique=False)


def _merge_duplicates(connection: sa.Connection) -> None:
    groups = connection.execute(
        sa.text(
            "SELECT owner_id, case_ref, MIN(id) FROM person GROUP BY owner_id, case_ref HAVING COUNT(*) > 1"
        )
    ).all()
    for owner, case_ref, keep in groups:
        others = [
            row[0]
            for row in connection.execute(
                sa.text("SELECT id FROM person WHERE owner_id = :o AND case_ref = :c AND id <> :k"),
                {"o": owner, "c": case_ref, "k": keep},
            )
        ]
        for table, key in LINKS:
            for other in others:
                if key is not None:  # a link the kept person has already would repeat the key
                    connection.execute(
                        sa.text(
                            f"DELETE FROM {table} WHERE person_id = :d AND {key} IN "
                            f"(SELECT {key} FROM {table} WHERE person_id = :k)"
                        ),
                        {"d": other, "k": keep},
                    )
                connection.execute(
                    sa.text(f"UPDATE {table} SET person_id = :k WHERE person_id = :d"),
                    {"k": keep, "d": other},
                )
        for other in others:
            connection.execute(sa.text("DELETE FROM person WHERE id = :d"), {"d": other})


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_owner_id")
        batch_op.drop_constraint("uq_person_owner_id_case_ref", type_="unique")
        batch_op.create_unique_constraint("uq_person_abh_id_case_ref", ["abh_id", "case_ref"])
        batch_op.drop_column("owner_id")
