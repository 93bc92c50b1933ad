"""escort display names; aMIT flag on APS cases and transport requests

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-23 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("escort", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=80), nullable=True))
    with op.batch_alter_table("aps_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amit", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("transport_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amit", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("transport_request", schema=None) as batch_op:
        batch_op.drop_column("amit")
    with op.batch_alter_table("aps_case", schema=None) as batch_op:
        batch_op.drop_column("amit")
    with op.batch_alter_table("escort", schema=None) as batch_op:
        batch_op.drop_column("display_name")
