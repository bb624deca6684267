"""Every SQL statement about seller accounts, their checklist, verifications and prerequisites."""

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.sellers.models import (
    ClaimStatus,
    SellerAccount,
    SellerChecklistItem,
    SellerPrerequisite,
    SellerVerification,
)
from ocop_tracker.users.models import User


def account(session: Session, account_id: int) -> SellerAccount | None:
    """One seller account by id."""
    return session.get(SellerAccount, account_id)


def account_of(
    session: Session, producer_id: int, marketplace_id: int
) -> SellerAccount | None:
    """The producer's account on a marketplace, if any."""
    return session.scalar(
        select(SellerAccount).where(
            SellerAccount.producer_id == producer_id,
            SellerAccount.marketplace_id == marketplace_id,
        )
    )


def accounts_of_producer(session: Session, producer_id: int) -> Sequence[SellerAccount]:
    """A producer's accounts, in the order they were opened."""
    return session.scalars(
        select(SellerAccount)
        .where(SellerAccount.producer_id == producer_id)
        .order_by(SellerAccount.id)
    ).all()


def pending_claims(
    session: Session, actor: User, *, limit: int
) -> tuple[Sequence[SellerAccount], int]:
    """The accounts of the actor's area whose "open" claim waits, the longest first."""
    stmt = scope_to_user(
        select(SellerAccount).where(SellerAccount.claim_status == ClaimStatus.pending),
        actor,
        SellerAccount.hamlet_id,
    )
    return query.page(
        session,
        stmt,
        order_by=(SellerAccount.claimed_at, SellerAccount.id),
        limit=limit,
        offset=0,
    )


def producer_names(session: Session, producer_ids: Iterable[int]) -> dict[int, str]:
    """The name of each producer (one query)."""
    return query.names_by_id(session, Producer.id, Producer.name, producer_ids)


def market_codes(session: Session, marketplace_ids: Iterable[int]) -> dict[int, str]:
    """The code of each marketplace (one query)."""
    return query.names_by_id(session, Marketplace.id, Marketplace.code, marketplace_ids)


def prerequisites_of(
    session: Session, marketplace_ids: Iterable[int], *, active_only: bool = True
) -> dict[int, list[SellerPrerequisite]]:
    """Each marketplace's prerequisites in order (one query)."""
    stmt = select(SellerPrerequisite).order_by(
        SellerPrerequisite.position, SellerPrerequisite.id
    )
    if active_only:
        stmt = stmt.where(SellerPrerequisite.is_active.is_(True))
    return query.grouped_in(
        session, stmt, SellerPrerequisite.marketplace_id, marketplace_ids
    )


def prerequisite(
    session: Session, marketplace_id: int, code: str
) -> SellerPrerequisite | None:
    """One prerequisite of a marketplace by code (active or not)."""
    return session.scalar(
        select(SellerPrerequisite).where(
            SellerPrerequisite.marketplace_id == marketplace_id,
            SellerPrerequisite.code == code,
        )
    )


def items_of(
    session: Session, account_ids: Iterable[int]
) -> dict[int, list[SellerChecklistItem]]:
    """Each account's checklist records (one query)."""
    return query.grouped_in(
        session,
        select(SellerChecklistItem).order_by(SellerChecklistItem.id),
        SellerChecklistItem.seller_account_id,
        account_ids,
    )


def verifications_of(
    session: Session, account_ids: Iterable[int]
) -> dict[int, list[SellerVerification]]:
    """Each account's verification decisions, newest first (one query)."""
    return query.grouped_in(
        session,
        select(SellerVerification).order_by(SellerVerification.id.desc()),
        SellerVerification.seller_account_id,
        account_ids,
    )
