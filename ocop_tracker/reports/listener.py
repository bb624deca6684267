"""Keeps the coverage ledger in step with every ORM write, inside the same transaction.

``after_flush`` notes which products and producers a flush touched (a
certificate, listing, step, verification, payment or seller account, or the
rows themselves) and which hamlets' monthly activity (a ``seller_activity``
row, a seller account moved with its producer or deleted). ``before_commit`` flushes what is left and recomputes their
segments and counts once per transaction — an import of 20,000 rows flushing
row by row pays one batched refresh, not 20,000 — in the same transaction as
the writes, so both commit or neither. Readers call ``sync()`` first, so a
report read inside a writing transaction sees its own writes. A refresh
recomputes from the rows, so refreshing a subject whose change was rolled back
(a savepoint) is harmless. Bulk Core inserts bypass the ORM: call
``segments.rebuild()`` after them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import Connection, Table, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core.base import Base
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    StepRecord,
    Verification,
)
from ocop_tracker.producers.models import PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.reports import activity, segments
from ocop_tracker.sellers.models import SellerAccount, SellerActivity

KEY = "reports_pending"
# Set in session.info to switch the listener off (bulk loads that rebuild after).
DISABLED = "reports_ledger_off"


@dataclass
class Pending:
    """Subjects touched by the flushes of one transaction, not yet refreshed."""

    products: set[int] = field(default_factory=set)
    producers: set[int] = field(default_factory=set)
    listings: set[int] = field(default_factory=set)
    producer_products: set[int] = field(default_factory=set)
    # Hamlets and seller accounts whose monthly activity sums must be recounted.
    activity_hamlets: set[int] = field(default_factory=set)
    activity_accounts: set[int] = field(default_factory=set)
    stale: bool = False


def _pending(session: Session) -> Pending:
    value = session.info.get(KEY)
    if not isinstance(value, Pending):
        value = Pending()
        session.info[KEY] = value
    return value


def _moves_counts(obj: object) -> bool:
    """A unit moved in the tree, or the named marketplaces changed: counts go stale."""
    if isinstance(obj, AdminUnit):
        return inspect(obj).attrs.parent_id.history.has_changes()
    if isinstance(obj, Marketplace):
        return inspect(obj).attrs.is_named_in_plan.history.has_changes()
    return False


def collect(session: Session, _flush: UOWTransaction) -> None:
    """Hook (``after_flush``): note the products and producers the flush touched."""
    if session.info.get(DISABLED):
        return
    p = _pending(session)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Product):
            p.products.add(obj.id)
        elif isinstance(obj, Certificate | Listing):
            p.products.add(obj.product_id)
        elif isinstance(obj, StepRecord | Verification):
            p.listings.add(obj.listing_id)
        elif isinstance(obj, Producer):
            p.producers.add(obj.id)
            if obj not in session.new:
                p.producer_products.add(obj.id)
        elif isinstance(obj, PaymentAccount):
            p.producers.add(obj.producer_id)
        elif isinstance(obj, SellerAccount):
            p.producers.add(obj.producer_id)
            moved = inspect(obj).attrs.hamlet_id.history
            if obj in session.deleted or moved.has_changes():
                p.activity_hamlets.add(obj.hamlet_id)
                p.activity_hamlets.update(h for h in moved.deleted if h is not None)
        elif isinstance(obj, SellerActivity):
            p.activity_accounts.add(obj.seller_account_id)
            p.activity_hamlets.add(obj.hamlet_id)
        elif obj not in session.new and _moves_counts(obj):
            p.stale = True


def refresh_before_commit(session: Session) -> None:
    """Hook (``before_commit``): bring the ledger in step, in the same transaction."""
    if session.info.get(DISABLED):
        return
    sync(session)


def forget_after_rollback(session: Session) -> None:
    """Hook (``after_rollback``): forget the noted subjects."""
    session.info.pop(KEY, None)


def _column_of(
    conn: Connection, model: type[Base], column: str, key: str, keys: set[int]
) -> Sequence[int]:
    """``column`` of ``model``'s rows whose ``key`` is one of ``keys``, read from
    its table (no statement for no keys)."""
    if not keys:
        return []
    table: Table = model.__table__  # type: ignore[assignment]
    return conn.scalars(
        select(table.c[column]).where(table.c[key].in_(sorted(keys)))
    ).all()


def sync(session: Session) -> None:
    """Flush, then bring the ledger in step with everything written so far."""
    if session.info.get(DISABLED):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    p = session.info.pop(KEY, None)
    if not isinstance(p, Pending):
        return
    conn = session.connection()
    products = set(p.products)
    products.update(_column_of(conn, Listing, "product_id", "id", p.listings))
    products.update(_column_of(conn, Product, "id", "producer_id", p.producer_products))
    if p.stale:
        segments.mark_stale(conn)
    segments.refresh(conn, products=products, producers=p.producers)
    hamlets = set(p.activity_hamlets)
    hamlets.update(
        _column_of(conn, SellerAccount, "hamlet_id", "id", p.activity_accounts)
    )
    activity.refresh(conn, hamlets)
