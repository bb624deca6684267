"""Marketplaces and their ordered steps (data), listings, step records, verifications."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
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


class StepStatus(StrEnum):
    """Where one step of one listing stands."""

    done = "done"
    blocked = "blocked"


class ListingStatus(StrEnum):
    """Where a product stands on one marketplace."""

    in_progress = "in_progress"
    awaiting_verification = (
        "awaiting_verification"  # "listed" claimed, not yet verified
    )
    listed = "listed"  # verified and live
    rejected = "rejected"  # the claim was rejected; fix and claim again
    delisted = "delisted"  # was live, went down


class Decision(StrEnum):
    """An official's answer to a "listed" claim."""

    approved = "approved"
    rejected = "rejected"


class Marketplace(IdMixin, Audited, Base):
    """An e-commerce marketplace (voso.vn, postmart.vn, others added by an admin)."""

    __tablename__ = "marketplaces"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Storefront and listing URLs must be https:// on this domain or a subdomain.
    domain: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The plan names voso.vn and postmart.vn: "both named platforms" in reports.
    is_named_in_plan: Mapped[bool] = mapped_column(default=False)
    # What a shop (gian hàng) page is on this marketplace: a regular expression
    # the whole path must match, and an example shown in the refusal. A seller
    # account's shop URL is held to it. Data: an admin corrects it when the
    # marketplace changes its addresses.
    shop_url_pattern: Mapped[str | None] = mapped_column(String(300))
    shop_url_example: Mapped[str | None] = mapped_column(String(300))


class MarketplaceStep(IdMixin, Audited, Base):
    """One onboarding step of a marketplace, in order (DOMAIN.md §4)."""

    __tablename__ = "marketplace_steps"

    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(30))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    # What evidence the step asks for: "url" (storefront, listing), or none.
    evidence: Mapped[str | None] = mapped_column(String(20))
    # The shape of an evidence URL's path on this marketplace (a regular
    # expression the whole path must match, e.g. a product page rather than the
    # home page or a shop), and an example shown in the refusal. Data: an admin
    # corrects them when the marketplace changes its addresses.
    url_pattern: Mapped[str | None] = mapped_column(String(300))
    url_example: Mapped[str | None] = mapped_column(String(300))
    # What must hold before the step can be recorded, as data: "seller_open"
    # (the producer's seller account on this marketplace is open), or none.
    requires: Mapped[str | None] = mapped_column(String(30))
    # The day the step stopped being asked (the shop and the e-payment account
    # moved to the producer, issue 16): kept as history, never deleted, so the
    # days before still answer as they did.
    retired_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("marketplace_id", "code"),
        UniqueConstraint("marketplace_id", "position"),
    )


class Listing(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """A product's onboarding on one marketplace."""

    __tablename__ = "listings"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="RESTRICT"), index=True
    )
    # Indexed with the status and the last change (``ix_listings_hamlet_status``).
    hamlet_id: Mapped[int] = unit_ref()
    status: Mapped[ListingStatus] = mapped_column(
        str_enum(ListingStatus, 30), default=ListingStatus.in_progress
    )
    # Code of the next step to do (None when every step is done).
    next_step: Mapped[str | None] = mapped_column(String(30))
    storefront_url: Mapped[str | None] = mapped_column(String(500))
    listing_url: Mapped[str | None] = mapped_column(String(500))
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    delisted_on: Mapped[dt.date | None] = mapped_column(Date)
    delist_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("product_id", "marketplace_id"),
        # An area's list is filtered on status, ordered by the last change and
        # counted from this index alone, then reads its page's rows.
        Index("ix_listings_hamlet_status", "hamlet_id", "status", "updated_at", "id"),
    )


class StepRecord(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """One step of one listing: done with its evidence, or blocked with a reason."""

    __tablename__ = "step_records"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    hamlet_id: Mapped[int] = unit_ref()
    step_code: Mapped[str] = mapped_column(String(30))
    status: Mapped[StepStatus] = mapped_column(str_enum(StepStatus, 10))
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(1000))
    blocked_reason: Mapped[str | None] = mapped_column(String(300))
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    done_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("listing_id", "step_code"),)


class DecisionColumns:
    """Mixin: an official's decision on a claim — where, the answer, why, who, when.

    List it after the model's own columns (the claim it decides).
    """

    hamlet_id: Mapped[int] = unit_ref()
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, 10))
    comment: Mapped[str | None] = mapped_column(String(1000))
    decided_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Verification(DecisionColumns, IdMixin, Audited, Base):
    """An official's decision on a "listed" claim; a rejection needs a comment."""

    __tablename__ = "verifications"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )


class StepMove(IdMixin, Base):
    """Where a retired step's record went when the steps moved to the producer.

    Written by the migration that retired the "storefront" and "payment" steps
    (issue 16): one row per step record moved, naming the seller account or
    e-payment account it became. ``conflict`` marks a shop URL that was not
    taken because the producer's listings on that marketplace carried
    different ones: a person chooses (the account was made without a URL, and
    ``candidate_url`` is one of the choices).
    """

    __tablename__ = "step_moves"

    step_record_id: Mapped[int] = mapped_column(
        ForeignKey("step_records.id", ondelete="CASCADE"), index=True
    )
    seller_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("seller_accounts.id", ondelete="SET NULL"), index=True
    )
    payment_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_accounts.id", ondelete="SET NULL")
    )
    candidate_url: Mapped[str | None] = mapped_column(String(500))
    conflict: Mapped[bool] = mapped_column(default=False)
    moved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
