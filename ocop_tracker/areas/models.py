"""The administrative tree: units of both editions, their links over time, mappings."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, TimestampMixin, str_enum


def unit_ref(
    *, index: bool | None = None, unique: bool | None = None
) -> MappedColumn[int]:
    """A column naming a unit of the tree, which cannot be deleted while named.

    Most are a row's hamlet (or area), copied onto the row so scope checks
    need no join; nullable when its ``Mapped`` type says so.
    """
    return mapped_column(
        ForeignKey("admin_units.id", ondelete="RESTRICT"), index=index, unique=unique
    )


class Edition(StrEnum):
    """An edition of the administrative map: before and after the 2025 reform."""

    e2022 = "2022"
    e2025 = "2025"


class Level(StrEnum):
    """A level of the tree; which levels an edition has is data (EDITION_LEVELS)."""

    province = "province"
    district = "district"
    commune = "commune"
    hamlet = "hamlet"


class MappingKind(StrEnum):
    """How an old commune became new ones."""

    merged = "merged"  # the whole old commune went into one new commune
    divided = "divided"  # the old commune was divided among several new ones


class AdminUnit(IdMixin, TimestampMixin, Audited, Base):
    """A node of the administrative tree: province, district, commune or hamlet."""

    __tablename__ = "admin_units"

    edition: Mapped[Edition] = mapped_column(str_enum(Edition, 4))
    level: Mapped[Level] = mapped_column(str_enum(Level, 10))
    # Official code; hamlets have none.
    code: Mapped[str | None] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    short_name: Mapped[str] = mapped_column(String(120))
    unit_type: Mapped[str | None] = mapped_column(String(30))
    # The parent today; past parents live in admin_unit_links with their dates.
    parent_id: Mapped[int | None] = unit_ref(index=True)
    # Folded name (no diacritics, lower case) for search on both databases.
    search_key: Mapped[str] = mapped_column(String(300))
    # First and last day the unit was in force (inclusive); NULL = open.
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        UniqueConstraint("edition", "level", "code"),
        Index(
            "uq_admin_units_root_name",
            "edition",
            "name",
            unique=True,
            sqlite_where=parent_id.is_(None),
            postgresql_where=parent_id.is_(None),
        ),
        Index("ix_admin_units_edition_level", "edition", "level"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )


class AdminUnitLink(Base):
    """Closure of the tree: ancestor → descendant at a depth, valid between dates.

    Every unit has a depth-0 row to itself. "Everything under a node" is one
    indexed lookup on ``ancestor_id``; a report as of a date filters the rows
    valid on that date, so a hamlet moved to its 2025 commune is still counted
    under its 2022 commune for dates before the move.
    """

    __tablename__ = "admin_unit_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="CASCADE")
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="CASCADE")
    )
    depth: Mapped[int]
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_admin_unit_links_ancestor_depth", "ancestor_id", "depth"),
        # A hamlet's ancestors on a day, read from the index alone: the ledger's
        # ``Ancestors`` and a past date's window join every segment to them.
        Index(
            "ix_admin_unit_links_descendant_cover",
            "descendant_id",
            "ancestor_id",
            "valid_from",
            "valid_to",
        ),
        CheckConstraint("depth >= 0", name="depth_not_negative"),
    )


class AreaMapping(Base):
    """A dated mapping of an old (2022) commune to a new (2025) commune."""

    __tablename__ = "area_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="CASCADE"), index=True
    )
    new_unit_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="CASCADE"), index=True
    )
    effective_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[MappingKind] = mapped_column(str_enum(MappingKind, 10))
    # For a split commune, the new commune that kept its seat (source's default).
    is_default: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("old_unit_id", "new_unit_id"),)
