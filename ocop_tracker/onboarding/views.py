"""Reads of listings: one listing as it stands now, blocked steps, verifications.

Nothing here writes; every read checks area scope first (an object outside the
caller's area is a 404). The list and the steps, which can also be read as of a
past date, are still in ``service`` beside the history replay they use.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_visible
from ocop_tracker.core.errors import NotFound
from ocop_tracker.onboarding import repository
from ocop_tracker.onboarding.models import Listing, Verification
from ocop_tracker.onboarding.schemas import ListingRead
from ocop_tracker.users.models import User

WHAT = "hồ sơ lên sàn"
# The columns a listing's API view copies from its row.
LISTING_COLUMNS = [
    name
    for name in ListingRead.model_fields
    if name not in {"product_name", "marketplace_code"}
]


def get_listing(session: Session, actor: User, listing_id: int) -> Listing:
    """A listing the actor may see (404 otherwise)."""
    listing = repository.listing(session, listing_id)
    if listing is None:
        raise NotFound(f"Không tìm thấy {WHAT} này.")
    ensure_visible(session, actor, listing.hamlet_id, WHAT)
    return listing


def read(session: Session, listing: Listing) -> ListingRead:
    """The API view of a listing as it stands now."""
    product_name, marketplace_code = repository.names(session, listing)
    return read_row(listing, product_name, marketplace_code)


def read_row(listing: Listing, product_name: str, marketplace_code: str) -> ListingRead:
    """The API view of a listing row and its names (no query)."""
    data: dict[str, Any] = {name: getattr(listing, name) for name in LISTING_COLUMNS}
    return ListingRead.model_validate(
        {**data, "product_name": product_name, "marketplace_code": marketplace_code}
    )


def blocked_steps(
    session: Session, actor: User, listing_ids: Sequence[int]
) -> dict[int, list[str]]:
    """The blocked step codes of each listing now (one query for a whole page).

    Listings outside the actor's area, and those with nothing blocked, are absent.
    """
    return repository.blocked_steps(session, actor, listing_ids)


def verifications(
    session: Session, actor: User, listing: Listing, *, as_of: dt.date | None = None
) -> Sequence[Verification]:
    """A listing's verification decisions, newest first (up to ``as_of``)."""
    ensure_visible(session, actor, listing.hamlet_id, WHAT)
    return repository.verifications_of(session, listing.id, day=as_of)
