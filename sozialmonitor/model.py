"""The data model: frames, levels, areas, indicators, observations (SQLAlchemy 2.0 typed tables).

Schema changes go through Alembic migrations in ``sozialmonitor/migrations``; a test checks that the
migrated schema matches these classes.

- A *frame* is a territory with its own partition ("berlin", "deutschland").
- A frame has *levels* (Planungsraum → Bezirksregion → …); each level may name a parent level.
- An *area* belongs to one level; ``code`` is the user's id (a string: leading zeros are kept) and is
  unique within its level. Geometry is stored as WKB in EPSG:4326 (``geom``, full resolution) and as a
  web-simplified WKB (``geom_web``), so SQLite and PostgreSQL behave the same.
- An *indicator* is a catalogue entry; an *observation* is one value of an indicator for an area and a
  period, with a status. A missing value is ``NULL`` with a status, never 0.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Frame(Base):
    __tablename__ = "frames"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # bumped by every import into this frame: the shared cache keys its entries by it
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Level(Base):
    __tablename__ = "levels"
    __table_args__ = (UniqueConstraint("frame_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    frame_id: Mapped[str] = mapped_column(ForeignKey("frames.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name_de: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"), nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default="public", server_default="public")


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("level_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), nullable=True, index=True)
    geom: Mapped[bytes] = mapped_column(LargeBinary)
    geom_web: Mapped[bytes] = mapped_column(LargeBinary)


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint(
            "polarity IN ('higher_is_better', 'higher_is_worse', 'neutral')", name="polarity"
        ),
        CheckConstraint("aggregation IN ('sum', 'ratio', 'mean', 'none')", name="aggregation"),
        CheckConstraint("visibility IN ('public', 'internal')", name="visibility"),
        CheckConstraint("scale IN ('sequential', 'diverging')", name="scale"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(200))
    topic_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(64))
    unit_en: Mapped[str] = mapped_column(String(64), default="")
    polarity: Mapped[str] = mapped_column(String(20))
    aggregation: Mapped[str] = mapped_column(String(10))
    numerator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    denominator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    factor: Mapped[float | None] = mapped_column(Float, nullable=True)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    min_count: Mapped[float | None] = mapped_column(Float, nullable=True)
    decimals: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    definition_de: Mapped[str] = mapped_column(Text, default="")
    definition_en: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[str] = mapped_column(String(12), default="sequential", server_default="sequential")
    # Derived indicators (composite index, typology, hot spots, interpolation …; see sozialmonitor/analytics):
    # how they were computed, from which inputs (JSON list) and when (ISO date). NULL for imported indicators.
    method: Mapped[str | None] = mapped_column(Text, nullable=True)
    inputs: Mapped[str | None] = mapped_column(Text, nullable=True)
    derived_at: Mapped[str | None] = mapped_column(String(10), nullable=True)
    min_denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    part_of: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('ok', 'missing', 'secret', 'not_applicable', 'later', 'unreliable', 'provisional')",
            name="status",
        ),
        Index("ix_observations_area", "area_id"),
    )

    indicator_id: Mapped[str] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")


class StoreState(Base):
    """One row: a counter that every import increments in its transaction, so app workers know when
    their per-process caches are stale."""

    __tablename__ = "store_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


# --- accounts (sozialmonitor/accounts.py) ---------------------------------------------------------------
# Times are UTC seconds since the epoch (float): the same on SQLite and PostgreSQL, no time-zone pitfalls.


class User(Base):
    """A local account. Anonymous visitors need none; ``role`` decides what a logged-in user sees."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('council', 'planner', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    # sessions that began earlier are void (logout, password change)
    sessions_valid_after: Mapped[float] = mapped_column(Float)


class LoginAttempt(Base):
    """One login attempt, kept for a day: the throttle counts recent failures per user name and address
    here (not in process memory), so it holds across workers and machines."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'failure', 'throttled')", name="outcome"),
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))
