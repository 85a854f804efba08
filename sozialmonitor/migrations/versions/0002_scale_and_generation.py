"""indicator scale (sequential/diverging) and the store generation counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("scale", sa.String(12), nullable=False, server_default="sequential"))
        batch.create_check_constraint("scale", "scale IN ('sequential', 'diverging')")
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_state"),
    )
    op.execute("INSERT INTO store_state (id, generation) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("store_state")
    with op.batch_alter_table("indicators") as batch:
        batch.drop_constraint("ck_indicators_scale", type_="check")
        batch.drop_column("scale")
