"""Every SQL statement about households' private links and what their page reads."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.households.models import HouseholdLink
from ocop_tracker.onboarding.models import Listing
from ocop_tracker.teams.models import Team, TeamMember


def link_of(session: Session, producer_id: int) -> HouseholdLink | None:
    """The producer's current link, if one was issued."""
    return session.scalar(
        select(HouseholdLink).where(HouseholdLink.producer_id == producer_id)
    )


def by_hash(session: Session, token_hash: str) -> HouseholdLink | None:
    """The link whose token hashes to ``token_hash`` (indexed, unique)."""
    return session.scalar(
        select(HouseholdLink).where(HouseholdLink.token_hash == token_hash)
    )


def listings_of(session: Session, product_ids: Sequence[int]) -> Sequence[Listing]:
    """The listings of these products (one producer's: a handful)."""
    if not product_ids:
        return []
    return session.scalars(
        select(Listing).where(Listing.product_id.in_(product_ids))
    ).all()


def team_contacts(session: Session, hamlet_id: int) -> Sequence[TeamMember]:
    """The hamlet team's members with a phone (ordered by the caller)."""
    return session.scalars(
        select(TeamMember)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.hamlet_id == hamlet_id, TeamMember.phone.is_not(None))
        .order_by(TeamMember.id)
    ).all()
