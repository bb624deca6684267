"""What the link check remembers about each verified URL (issue 16, item 7).

One row per subject (a seller account's shop URL or a listing's product page):
the URL last checked, the day, the outcome, and how many bad answers in a row.
A machine's notes, not a person's change: not audited, never shown as history.
"""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.core.base import Base, IdMixin, str_enum


class SubjectKind(StrEnum):
    """Whose URL it is."""

    shop = "shop"  # sellers.models.SellerAccount.shop_url
    listing = "listing"  # onboarding.models.Listing.listing_url


class Outcome(StrEnum):
    """What one check found."""

    ok = "ok"
    gone = "gone"  # 404 or 410
    home = "home"  # redirected to the marketplace's home page
    error = "error"  # timeout, 5xx, refused: never counted as gone


class LinkCheck(IdMixin, Base):
    """The last check of one subject's URL and its run of bad answers."""

    __tablename__ = "link_checks"

    subject_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind, 10))
    subject_id: Mapped[int]
    marketplace_id: Mapped[int] = mapped_column(
        ForeignKey("marketplaces.id", ondelete="CASCADE"), index=True
    )
    # The subject's hamlet, copied for scoping the action list.
    hamlet_id: Mapped[int] = unit_ref(index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The Vietnam day of the last request: at most one request per URL per day.
    checked_on: Mapped[dt.date] = mapped_column(Date)
    # None while the day's check is under way (claimed, not yet answered).
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 10))
    status_code: Mapped[int | None]
    # Gone or home answers in a row, one per day; an ok answer resets it.
    bad_count: Mapped[int] = mapped_column(default=0)
    first_bad_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("subject_kind", "subject_id"),)
