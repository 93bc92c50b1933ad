"""amendments of requests on committed tours (the carrying ZAB confirms)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 02:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "request_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=True),
        sa.Column("tour_revision", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("tour", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                name=op.f("ck_request_amendment_status"),
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["transport_request.id"],
            name=op.f("fk_request_amendment_request_id_transport_request"),
        ),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_request_amendment_tour_id_tour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_amendment")),
    )
    with op.batch_alter_table("request_amendment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_amendment_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_amendment_status"), ["status"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("request_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_amendment_status"))
        batch_op.drop_index(batch_op.f("ix_request_amendment_request_id"))
    op.drop_table("request_amendment")
