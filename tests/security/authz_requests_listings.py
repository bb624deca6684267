"""Requests of the listing routes (delist, re-list, evidence photos) for the
authorization matrix. Re-listing needs a delisted listing: the world's live one
is delisted first, through the service, as an admin would."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding.models import Listing
from ocop_tracker.users.models import Role, User
from tests.photos import corpus

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def _delisted(session: Session, stale: Listing) -> Listing:
    # The world's object may be detached by an earlier request: read it again.
    listing = session.get_one(Listing, stale.id)
    admin = session.scalar(select(User).where(User.role == Role.admin).limit(1))
    assert admin is not None
    onboarding_service.delist(
        session,
        admin,
        listing,
        on=clock.today(),
        reason="Sàn gỡ",
        version=listing.version,
    )
    session.commit()
    return listing


def request(
    route: str,
    path: str,
    w: "World",
    t: str,
    actor: User | None,
    session: Session,
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one listing route, or None for other routes."""
    live, listing = w.live[t], w.listing[t]
    if route == "POST /api/v1/listings/{listing_id}/relist":
        down = _delisted(session, live)
        return (
            "POST",
            f"/api/v1/listings/{down.id}/relist",
            {"json": {"version": down.version}},
        )
    if route == "POST /listings/{listing_id}/relist":
        down = _delisted(session, live)
        return (
            "POST",
            f"/listings/{down.id}/relist",
            {"data": {"version": str(down.version)}},
        )
    if route == "POST /listings/{listing_id}/delist":
        body = {
            "date": clock.today().isoformat(),
            "reason": "Sàn gỡ",
            "version": str(live.version),
        }
        return ("POST", f"/listings/{live.id}/delist", {"data": body})
    if route == "POST /listings/{listing_id}/steps/{step}/photos":
        jpeg = corpus.plain_jpeg(320, 240, seed=4242)
        return (
            "POST",
            f"/listings/{listing.id}/steps/listing/photos",
            {"data": {}, "files": {"file": ("anh.jpg", jpeg, "image/jpeg")}},
        )
    return None
