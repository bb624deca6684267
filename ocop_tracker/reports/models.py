"""Models of reports: the coverage ledger kept in step with writes, and submissions.

The ledger has three parts (see ``reports/ledger.py`` and its neighbours):

- ``report_segments``: for every product and producer, the spans of days over
  which it counted in the same way (valid OCOP 4★ listed on voso…), at its
  hamlet. Any past date is a GROUP BY over the segments open on that day, under
  the tree as it stood then (a join on the dated closure links).
- ``report_counts``: per area node (hamlet and every ancestor; ``NATION`` for the
  whole country) and metric, the count on ``report_state.counts_day``.
- ``report_revisions``: per area, a number bumped by every commit that moved
  its figures: the stamp of the coverage answers kept between requests.

- ``report_checkpoints``: per area above the hamlets and metric, on every
  month end and every day the tree changed before the counts day (for the
  country and its provinces on each month's 8th, 15th and 22nd too, for the
  country every day), the figure under the tree of that day (communes:
  headline figures only).

Today's figures = the counts: one index read. A later day = the counts + the
segments that start or end between the counts day and it (a certificate
expires on its last day + 1, enters its last 90 days…).
A past date = the nearest earlier checkpoint + the segments that start or end
between it and the date (no tree change can fall in between: each is itself a
checkpoint).
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, utcnow

# The area id under which the whole country is counted (no admin unit has id 0).
NATION = 0


class ReportSegment(Base):
    """A span of days over which one product or producer counted the same way."""

    __tablename__ = "report_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))  # product|producer|member
    subject_id: Mapped[int]
    # The subject's hamlet, from its row (held to the tree by that row's own
    # key): no key of its own, whose check cost every segment written a
    # lookup of the hamlet (0.4 s of an import's 80,000 on PostgreSQL).
    hamlet_id: Mapped[int]
    start_day: Mapped[dt.date] = mapped_column(Date)
    # First day no longer covered; NULL = still open.
    end_day: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(
        String(10)
    )  # ocop|lapsed|other|producer|member
    stars: Mapped[int | None]
    group_id: Mapped[int | None]
    # Product kind (other) or producer kind (producer).
    kind: Mapped[str | None] = mapped_column(String(20))
    # The product's producer kind (ocop).
    ptype: Mapped[str | None] = mapped_column(String(20))
    listed: Mapped[bool] = mapped_column(default=False)
    both: Mapped[bool] = mapped_column(default=False)
    expiring: Mapped[bool] = mapped_column(default=False)
    paying: Mapped[bool] = mapped_column(default=False)
    # Sorted marketplace ids, comma-separated ("1,2"); "" for none.
    markets: Mapped[str] = mapped_column(String(200), default="")
    # Sorted step codes done on at least one marketplace ("listing,photos").
    steps: Mapped[str] = mapped_column(String(300), default="")
    # A producer or team member: has attended a training session by then.
    trained: Mapped[bool] = mapped_column(default=False)
    # A producer: holds a product whose OCOP certificate is in force.
    holds_ocop: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        # A subject's segments are read and replaced by id, a few hundred ids
        # at a time: led by the id, the index answers the whole list whatever
        # the planner believes of the table (led by the type, a plan made
        # while the table was small filtered every segment of the type).
        Index("ix_report_segments_subject", "subject_id", "subject_type"),
        Index("ix_report_segments_hamlet_start", "hamlet_id", "start_day"),
        # A past date of an area inside one province seeks, hamlet by hamlet,
        # the segments that start or end in its window (``checkpoints.window``).
        Index("ix_report_segments_hamlet_end", "hamlet_id", "end_day"),
        # A past date reads a checkpoint plus the segments that start or end
        # between it and the date; the country's children's lines (hamlet,
        # category, listed, both) come from these indexes alone.
        Index(
            "ix_report_segments_start_cover",
            "start_day",
            "hamlet_id",
            "category",
            "listed",
            "both",
        ),
        Index(
            "ix_report_segments_end_cover",
            "end_day",
            "hamlet_id",
            "category",
            "listed",
            "both",
        ),
    )


class ReportCount(Base):
    """One figure of one area on ``report_state.counts_day``."""

    __tablename__ = "report_counts"

    area_id: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(default=0)

    __table_args__ = (PrimaryKeyConstraint("area_id", "metric"),)


class ReportRevision(Base):
    """How many times the kept figures of one area (or ``NATION``) changed.

    Bumped once per committing transaction for every area whose counts,
    figures of a later day or monthly sums it moved, as its last write (in area
    order, so two writers never wait on each other in a circle). With the
    ledger's state it stamps a kept coverage answer (``reports/answers.py``):
    an answer read under the same stamp is still true."""

    __tablename__ = "report_revisions"

    area_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportCheckpoint(Base):
    """One figure of one area on a checkpoint day, under the tree of that day.

    Checkpoints stand on every month end and every day the tree changed, for
    ``NATION`` and every province and district (all figures) and every commune
    (the headline figures its parent's breakdown by child needs:
    ``checkpoints.COMMUNE_METRICS``); a commune's own figures and a hamlet's are
    read from their few segments. Each month's 8th, 15th and 22nd keep
    ``NATION``'s and the provinces' figures only, and every other day
    ``NATION``'s (``ReportCheckpointDay.holds``).
    """

    __tablename__ = "report_checkpoints"

    day: Mapped[dt.date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(default=0)

    __table_args__ = (PrimaryKeyConstraint("day", "area_id", "metric"),)


class ReportCheckpointDay(Base):
    """A day ``report_checkpoints`` holds figures for."""

    __tablename__ = "report_checkpoint_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # The tree changed that day: the checkpoint cannot be read backwards from.
    tree_change: Mapped[bool] = mapped_column(default=False)
    # Whose figures it keeps (``checkpoints.holds_on``): 0 every area above the
    # hamlets, 1 the country and its provinces, 2 the country alone.
    holds: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class ReportActivity(Base):
    """What the shops of one area did in one month: sums kept in step with writes.

    Per area node (hamlet, every ancestor under the tree of the month's last
    day, ``NATION``) and month (its first day), from ``seller_activity``
    counted at the seller account's hamlet (``reports/activity.py``).
    """

    __tablename__ = "report_activity"

    area_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[dt.date] = mapped_column(Date)
    # Shops with at least one order in the month.
    active_shops: Mapped[int] = mapped_column(default=0)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_vnd: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (PrimaryKeyConstraint("area_id", "month"),)


class ReportTraining(Base):
    """Training in one area in one month: sums kept in step with writes.

    Per area node (the session's area or the visited producer's hamlet, every
    ancestor under the tree of the month's last day, ``NATION``) and month (its
    first day): sessions held, attendees at them, coaching visits
    (``reports/training.py``). A session may be held at a commune, which has
    places under it: rows with ``own`` hold a place's own sums (what a refresh
    compares a recount with), the others the sums under each area.
    """

    __tablename__ = "report_training"

    area_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[dt.date] = mapped_column(Date)
    own: Mapped[bool] = mapped_column(default=False)
    sessions: Mapped[int] = mapped_column(default=0)
    attendees: Mapped[int] = mapped_column(default=0)
    coaching_visits: Mapped[int] = mapped_column(default=0)

    __table_args__ = (PrimaryKeyConstraint("area_id", "month", "own"),)


class ReportState(Base):
    """The day ``report_counts`` stands on, and whether it must be rebuilt."""

    __tablename__ = "report_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    counts_day: Mapped[dt.date] = mapped_column(Date)
    # Set when something the counts depend on changed wholesale (the tree,
    # the named marketplaces): reads use the segments until a rebuild.
    stale: Mapped[bool] = mapped_column(default=False)
    rebuilt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReportSubmission(IdMixin, Audited, Base):
    """A monthly report as submitted: frozen figures, who, when, which version."""

    __tablename__ = "report_submissions"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("admin_units.id", ondelete="RESTRICT"), index=True
    )
    # First day of the reported month.
    month: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_by_name: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    on_time: Mapped[bool]
    recipient: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("area_id", "month", "version"),)
