"""catalogue field part_of: counts that are the parts of another count (disclosure control over part-of relations)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("part_of", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("part_of")
