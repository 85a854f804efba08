"""initial schema: frames, levels, areas, indicators, observations

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frames",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name_de", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_frames"),
    )
    op.create_table(
        "levels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("frame_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name_de", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["frame_id"], ["frames.id"], name="fk_levels_frame_id_frames", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["levels.id"], name="fk_levels_parent_id_levels"),
        sa.PrimaryKeyConstraint("id", name="pk_levels"),
        sa.UniqueConstraint("frame_id", "key", name="uq_levels_frame_id"),
    )
    op.create_index("ix_levels_frame_id", "levels", ["frame_id"])
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("geom", sa.LargeBinary(), nullable=False),
        sa.Column("geom_web", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"], ["levels.id"], name="fk_areas_level_id_levels", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["areas.id"], name="fk_areas_parent_id_areas"),
        sa.PrimaryKeyConstraint("id", name="pk_areas"),
        sa.UniqueConstraint("level_id", "code", name="uq_areas_level_id"),
    )
    op.create_index("ix_areas_parent_id", "areas", ["parent_id"])
    op.create_table(
        "indicators",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name_de", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("topic_en", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("unit_en", sa.String(64), nullable=False),
        sa.Column("polarity", sa.String(20), nullable=False),
        sa.Column("aggregation", sa.String(10), nullable=False),
        sa.Column("numerator", sa.String(64), nullable=True),
        sa.Column("denominator", sa.String(64), nullable=True),
        sa.Column("factor", sa.Float(), nullable=True),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("min_count", sa.Float(), nullable=True),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("definition_de", sa.Text(), nullable=False),
        sa.Column("definition_en", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "polarity IN ('higher_is_better', 'higher_is_worse', 'neutral')", name="ck_indicators_polarity"
        ),
        sa.CheckConstraint("aggregation IN ('sum', 'ratio', 'mean', 'none')", name="ck_indicators_aggregation"),
        sa.CheckConstraint("visibility IN ('public', 'internal')", name="ck_indicators_visibility"),
        sa.PrimaryKeyConstraint("id", name="pk_indicators"),
    )
    op.create_table(
        "observations",
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "status IN ('ok', 'missing', 'secret', 'not_applicable', 'later', 'unreliable', 'provisional')",
            name="ck_observations_status",
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name="fk_observations_area_id_areas", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name="fk_observations_indicator_id_indicators",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "period", "area_id", name="pk_observations"),
    )
    op.create_index("ix_observations_area", "observations", ["area_id"])


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_table("indicators")
    op.drop_table("areas")
    op.drop_table("levels")
    op.drop_table("frames")
