"""Seller accounts (a producer's shop on one marketplace), their checklist and verifications.

DOMAIN.md §4 and §7: the shop belongs to the seller, once per marketplace, not
to each product. What a marketplace asks before a shop opens is data
(``SellerPrerequisite``), seeded for voso.vn and postmart.vn, edited by admins.
"""

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import (
    Base,
    IdMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
    utcnow,
)
from ocop_tracker.onboarding.models import DecisionColumns


class SellerStatus(StrEnum):
    """Where a producer's shop stands on one marketplace."""

    not_started = "not_started"
    preparing = "preparing"  # gathering what the marketplace asks
    applied = "applied"  # signed up, waiting for the marketplace's moderation
    open = "open"  # open, verified by an official (never set by the team alone)
    suspended = "suspended"
    closed = "closed"


class ClaimStatus(StrEnum):
    """Where the team's claim "the shop is open" stands."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class SellerPrerequisite(VersionedMixin, IdMixin, Audited, Base):
    """One item a marketplace asks before a shop opens, in order (data)."""

    __tablename__ = "seller_prerequisites"

    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("marketplace_id", "code"),)


class SellerAccount(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """A producer's seller account and shop on one marketplace."""

    __tablename__ = "seller_accounts"
    # The login the household uses on the marketplace is personal data: stored
    # for the team, shown masked, never copied into the trail in clear.
    __audit_exclude__ = frozenset({"login_phone", "login_email"})

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="RESTRICT"), index=True
    )
    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="RESTRICT"), index=True
    )
    # The producer's hamlet, copied for scoping (follows the producer when it moves).
    hamlet_id: Mapped[int] = unit_ref(index=True)
    status: Mapped[SellerStatus] = mapped_column(
        str_enum(SellerStatus, 20), default=SellerStatus.not_started
    )
    # The day the status last changed (Vietnam day, as the team reports it).
    status_on: Mapped[dt.date] = mapped_column(Date)
    shop_name: Mapped[str | None] = mapped_column(String(200))
    shop_url: Mapped[str | None] = mapped_column(String(500))
    login_phone: Mapped[str | None] = mapped_column(String(20))
    login_email: Mapped[str | None] = mapped_column(String(254))
    # Where the marketplace pays the shop's sales: one of the producer's own
    # e-payment accounts (DOMAIN.md §7), or not said yet.
    payout_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_accounts.id", ondelete="SET NULL")
    )
    claim_status: Mapped[ClaimStatus | None] = mapped_column(str_enum(ClaimStatus, 10))
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    verified_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("producer_id", "marketplace_id"),)


class SellerChecklistItem(IdMixin, Audited, Base):
    """One prerequisite of one seller account: done or undone, by whom, when, why."""

    __tablename__ = "seller_checklist_items"

    seller_account_id: Mapped[int] = mapped_column(
        ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True
    )
    hamlet_id: Mapped[int] = unit_ref()
    item_code: Mapped[str] = mapped_column(String(30))
    done: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(1000))
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    done_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("seller_account_id", "item_code"),)


class SellerVerification(DecisionColumns, IdMixin, Audited, Base):
    """An official's decision on an "open" claim; a rejection needs a comment."""

    __tablename__ = "seller_verifications"

    seller_account_id: Mapped[int] = mapped_column(
        ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True
    )


class SellerActivity(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """What a shop did in one month, as the team reports it (DOMAIN.md §8).

    One row per seller account and month (``month`` is the month's first day).
    Self-reported: orders, revenue in đồng, the last order's day, and the orders
    the marketplace cancelled because nobody confirmed them in time.
    """

    __tablename__ = "seller_activity"

    seller_account_id: Mapped[int] = mapped_column(
        ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True
    )
    # The producer's hamlet, copied for scoping (follows the producer when it moves).
    hamlet_id: Mapped[int] = unit_ref(index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    orders: Mapped[int] = mapped_column(default=0)
    revenue_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    last_order_on: Mapped[dt.date | None] = mapped_column(Date)
    cancelled_unconfirmed: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(1000))
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (UniqueConstraint("seller_account_id", "month"),)


class SellerFlagRule(VersionedMixin, IdMixin, Audited, Base):
    """A rule that flags a shop or a listing for the action list (data, admins edit).

    ``days`` is the rule's N: a shop open N days with no live listing
    (``shop_no_listing``), an open shop with no order for N days
    (``dormant_shop``), a listing live N days without its first order
    (``no_first_order``). A rule not active flags nothing.
    """

    __tablename__ = "seller_flag_rules"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    days: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=100)
