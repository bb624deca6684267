"""The API's view of seller accounts, their checklist, verifications and prerequisites.

Domain rules (the shop URL's domain, lengths, required comments, status moves)
are checked by the service so that a refusal names the field in Vietnamese;
the caps here are generous limits against oversized input. The login phone and
e-mail are written in full and only ever read masked.
"""

import datetime as dt

from pydantic import Field

from ocop_tracker.core.schemas import IsoDate, Schema
from ocop_tracker.onboarding.models import Decision
from ocop_tracker.sellers.models import ClaimStatus, SellerStatus


class PrerequisiteRead(Schema):
    """One item a marketplace asks before a shop opens."""

    id: int
    marketplace_id: int
    code: str
    label: str
    position: int
    required: bool
    is_active: bool
    version: int


class PrerequisiteCreate(Schema):
    """A new item at the end of a marketplace's checklist (or at ``position``)."""

    code: str = Field(max_length=100)
    label: str = Field(max_length=1000)
    required: bool = True
    position: int | None = Field(default=None, ge=1, le=1000)


class PrerequisiteUpdate(Schema):
    """Change an item: its words, whether it is required, its place, or retire it."""

    label: str | None = Field(default=None, max_length=1000)
    required: bool | None = None
    position: int | None = Field(default=None, ge=1, le=1000)
    is_active: bool | None = None
    version: int | None = None


class ChecklistItemRead(Schema):
    """One prerequisite of an account, with what was recorded for it."""

    code: str
    label: str
    position: int
    required: bool
    done: bool
    note: str | None
    evidence_url: str | None
    done_by_id: int | None
    done_at: dt.datetime | None


class SellerVerificationRead(Schema):
    """A decision on an "open" claim."""

    id: int
    decision: Decision
    comment: str | None
    decided_by_id: int
    decided_at: dt.datetime


class SellerAccountRead(Schema):
    """A producer's seller account on one marketplace; the login only masked.

    ``is_open`` is true only for a shop an official verified open.
    ``version`` and ``updated_at`` are None in a view ``as_of`` a past date,
    and so are the masked login fields (the trail never holds them).
    """

    id: int
    producer_id: int
    marketplace_id: int
    marketplace_code: str
    hamlet_id: int
    status: SellerStatus
    status_on: dt.date
    is_open: bool
    shop_name: str | None
    shop_url: str | None
    login_phone_masked: str | None
    login_email_masked: str | None
    payout_account_id: int | None = Field(
        default=None,
        description="The producer's e-payment account the marketplace pays into",
    )
    claim_status: ClaimStatus | None
    claimed_by_id: int | None
    claimed_at: dt.datetime | None
    verified_by_id: int | None
    verified_at: dt.datetime | None
    checklist_ready: bool
    checklist: list[ChecklistItemRead]
    verifications: list[SellerVerificationRead]
    created_at: dt.datetime
    updated_at: dt.datetime | None
    version: int | None


class SellerAccountCreate(Schema):
    """Start tracking a producer's shop on a marketplace (one per pair)."""

    marketplace_id: int
    status: SellerStatus = SellerStatus.not_started
    status_on: IsoDate | None = None
    shop_name: str | None = Field(default=None, max_length=1000)
    shop_url: str | None = Field(default=None, max_length=2000)
    login_phone: str | None = Field(default=None, max_length=100)
    login_email: str | None = Field(default=None, max_length=1000)


class SellerAccountUpdate(Schema):
    """Change an account; send the ``version`` you read. Fields left out stay."""

    status: SellerStatus | None = None
    status_on: IsoDate | None = None
    shop_name: str | None = Field(default=None, max_length=1000)
    shop_url: str | None = Field(default=None, max_length=2000)
    login_phone: str | None = Field(default=None, max_length=100)
    login_email: str | None = Field(default=None, max_length=1000)
    payout_account_id: int | None = Field(
        default=None,
        description="One of the producer's own e-payment accounts; null clears it",
    )
    version: int


class ChecklistChange(Schema):
    """Mark a prerequisite done (with a note or evidence) or undo it."""

    done: bool = True
    note: str | None = Field(default=None, max_length=5000)
    evidence_url: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class OpenClaim(Schema):
    """The team's claim that the shop is open, with its URL on the marketplace."""

    shop_url: str = Field(max_length=2000)
    shop_name: str | None = Field(default=None, max_length=1000)
    version: int


class SellerVerificationCreate(Schema):
    """An official's answer to an "open" claim; a rejection needs a comment."""

    decision: Decision
    comment: str | None = Field(default=None, max_length=5000)
    version: int


class ActivityRead(Schema):
    """One month of a shop's activity, as the team reported it."""

    id: int
    seller_account_id: int
    month: dt.date = Field(description="The month's first day")
    orders: int
    revenue_vnd: int
    last_order_on: dt.date | None
    cancelled_unconfirmed: int = Field(
        description="Orders the marketplace cancelled because nobody confirmed them in time"
    )
    note: str | None
    reported_by_id: int | None
    updated_at: dt.datetime
    version: int


class ActivityPut(Schema):
    """A month's figures; send the ``version`` you read to correct a month."""

    orders: int = Field(ge=0, le=1_000_000)
    revenue_vnd: int = Field(default=0, ge=0, le=1_000_000_000_000)
    last_order_on: IsoDate | None = None
    cancelled_unconfirmed: int = Field(default=0, ge=0, le=1_000_000)
    note: str | None = Field(default=None, max_length=5000)
    version: int | None = None


class FlagRuleRead(Schema):
    """A rule that puts a shop or a listing on the action list."""

    code: str
    label: str
    days: int
    is_active: bool
    version: int


class FlagRuleUpdate(Schema):
    """Change a rule's number of days or turn it off (admin)."""

    days: int | None = Field(default=None, ge=0, le=3650)
    is_active: bool | None = None
    version: int | None = None
