"""level visibility and the minimum denominator of disclosure control

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("levels") as batch:
        batch.add_column(sa.Column("visibility", sa.String(10), nullable=False, server_default="public"))
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("min_denominator", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("min_denominator")
    with op.batch_alter_table("levels") as batch:
        batch.drop_column("visibility")
