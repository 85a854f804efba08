"""derived indicators: method, inputs and date of computation in the catalogue

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("method", sa.Text(), nullable=True))
        batch.add_column(sa.Column("inputs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("derived_at", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("derived_at")
        batch.drop_column("inputs")
        batch.drop_column("method")
