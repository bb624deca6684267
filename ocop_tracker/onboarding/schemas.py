"""The API's view of marketplaces, listings, their steps and verifications.

Domain rules (URL hosts, lengths, required comments) are checked by the
service so that a refusal names the field in Vietnamese; the caps here are
generous limits against oversized input.
"""

import datetime as dt
from enum import StrEnum

from pydantic import Field

from ocop_tracker.core.schemas import Schema
from ocop_tracker.onboarding.models import Decision, ListingStatus


class Evidence(StrEnum):
    """What evidence a step asks for: a page on the marketplace, or a document
    (a photo of it uploaded to the step, or a link to it)."""

    url = "url"
    document = "document"


class StepState(StrEnum):
    """Where one step of one listing stands, as the workflow counts it."""

    todo = "todo"
    done = "done"
    blocked = "blocked"


class SortField(StrEnum):
    """What a list of listings may be sorted by."""

    updated_at = "updated_at"
    created_at = "created_at"
    product_name = "product_name"
    status = "status"


class MarketplaceStepRead(Schema):
    """One onboarding step of a marketplace."""

    id: int
    code: str
    position: int
    name: str
    evidence: str | None
    url_pattern: str | None = None
    url_example: str | None = None
    requires: str | None = None


class MarketplaceRead(Schema):
    """A marketplace with its product's onboarding steps asked today, in order,
    and what a shop page is on it."""

    id: int
    code: str
    name: str
    domain: str
    is_active: bool
    is_named_in_plan: bool
    shop_url_pattern: str | None = None
    shop_url_example: str | None = None
    steps: list[MarketplaceStepRead]


class MarketplaceStepCreate(Schema):
    """A step to add at the end of a marketplace's onboarding."""

    code: str = Field(max_length=100)
    name: str = Field(max_length=1000)
    evidence: Evidence | None = None
    url_pattern: str | None = Field(
        default=None,
        max_length=1000,
        description="Regular expression the whole path of an evidence URL must match",
    )
    url_example: str | None = Field(
        default=None, max_length=1000, description="An evidence URL the rule accepts"
    )


class MarketplaceStepUrlRule(Schema):
    """What an evidence URL of a step must look like (admin)."""

    url_pattern: str | None = Field(default=None, max_length=1000)
    url_example: str | None = Field(default=None, max_length=1000)


class MarketplaceCreate(Schema):
    """A new marketplace, optionally with its steps in order."""

    code: str = Field(max_length=100)
    name: str = Field(max_length=1000)
    domain: str = Field(max_length=300)
    steps: list[MarketplaceStepCreate] = Field(default_factory=list, max_length=30)


class ListingCreate(Schema):
    """Start onboarding a product on a marketplace."""

    product_id: int
    marketplace_id: int


class ListingRead(Schema):
    """A product's onboarding on one marketplace.

    ``version`` and ``updated_at`` are None in a view ``as_of`` a past date.
    """

    id: int
    product_id: int
    product_name: str
    marketplace_id: int
    marketplace_code: str
    hamlet_id: int
    status: ListingStatus
    next_step: str | None
    storefront_url: str | None
    listing_url: str | None
    claimed_by_id: int | None
    verified_at: dt.datetime | None
    verified_by_id: int | None
    delisted_on: dt.date | None
    delist_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    version: int | None


class StepRead(Schema):
    """One step of a listing: the marketplace's definition and what was recorded."""

    code: str
    position: int
    name: str
    evidence: str | None
    url_example: str | None = None
    state: StepState
    is_next: bool
    # What the step requires and does not hold yet ("seller_open": the
    # producer's shop on this marketplace is not open).
    waiting_for: str | None = None
    evidence_url: str | None
    note: str | None
    blocked_reason: str | None
    done_by_id: int | None
    done_at: dt.datetime | None


class ListingSteps(Schema):
    """A listing with every step of its marketplace, in order."""

    listing: ListingRead
    steps: list[StepRead]


class StepRecordCreate(Schema):
    """Record a step as done, with its evidence; ``version`` is the listing's."""

    step: str = Field(max_length=100)
    evidence_url: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=5000)
    version: int


class StepBlock(Schema):
    """Block a step with a reason; send the listing's ``version`` to avoid lost edits."""

    reason: str = Field(max_length=2000)
    version: int | None = None


class StepUnblock(Schema):
    """Unblock a step; send the listing's ``version`` to avoid lost edits."""

    version: int | None = None


class VerificationCreate(Schema):
    """An official's answer to a "listed" claim; a rejection needs a comment."""

    decision: Decision
    comment: str | None = Field(default=None, max_length=5000)
    version: int


class VerificationRead(Schema):
    """A decision on a "listed" claim."""

    id: int
    listing_id: int
    decision: Decision
    comment: str | None
    decided_by_id: int
    decided_at: dt.datetime


class DelistCreate(Schema):
    """The listing went down: on which date and why."""

    date: dt.date
    reason: str = Field(max_length=2000)
    version: int


class RelistCreate(Schema):
    """Bring a delisted listing back (its claim is then made and verified again)."""

    version: int
