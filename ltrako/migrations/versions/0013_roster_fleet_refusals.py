"""escort absences, roster and fleet changes, ZAB refusals, endangered tours

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 02:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "escort_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escort_id", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "sick",
                "leave",
                name=op.f("ck_escort_absence_kind"),
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["escort_id"], ["escort.id"], name=op.f("fk_escort_absence_escort_id_escort")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escort_absence")),
    )
    with op.batch_alter_table("escort_absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escort_absence_escort_id"), ["escort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escort_absence_first_day"), ["first_day"], unique=False)
    op.create_table(
        "resource_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_resource_change_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_change")),
    )
    with op.batch_alter_table("resource_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_change_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_resource_change_zab_id"), ["zab_id"], unique=False)
    op.create_table(
        "zab_refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["transport_request.id"], name=op.f("fk_zab_refusal_request_id_transport_request")
        ),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_zab_refusal_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zab_refusal")),
    )
    with op.batch_alter_table("zab_refusal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zab_refusal_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_zab_refusal_zab_id"), ["zab_id"], unique=False)
    with op.batch_alter_table("tour", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endangered", sa.String(length=400), nullable=True))
    op.create_table(
        "tour_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("tour_revision", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zab_id", sa.String(length=32), nullable=False),
        sa.Column("tours", sa.JSON(), nullable=False),
        sa.Column("bases", sa.JSON(), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "superseded",
                name=op.f("ck_tour_repair_status"),
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_tour_repair_tour_id_tour")),
        sa.ForeignKeyConstraint(["zab_id"], ["zab.id"], name=op.f("fk_tour_repair_zab_id_zab")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour_repair")),
    )
    with op.batch_alter_table("tour_repair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tour_repair_tour_id"), ["tour_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tour_repair_zab_id"), ["zab_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("tour_repair")
    with op.batch_alter_table("tour", schema=None) as batch_op:
        batch_op.drop_column("endangered")
    for table in ("zab_refusal", "resource_change", "escort_absence"):
        op.drop_table(table)
