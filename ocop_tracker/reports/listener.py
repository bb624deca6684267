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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import History, get_history
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core.base import Base
from ocop_tracker.core.db import session_state
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    StepRecord,
    Verification,
)
from ocop_tracker.producers.models import PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.reports import activity, ledger, segments, training
from ocop_tracker.sellers.models import SellerAccount, SellerActivity
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import (
    CoachingVisit,
    TrainingAttendee,
    TrainingSession,
)

KEY = "reports_pending"
# The areas whose kept figures this transaction moved: their revisions are
# bumped just before it commits (``ledger.bump``), and a coverage answer read
# meanwhile in this transaction is not kept (``reports.service.coverage_of``).
REVISED = "reports_revised"
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
    # Team members; products whose producer may now hold OCOP or not (issue 17).
    members: set[int] = field(default_factory=set)
    ocop_products: set[int] = field(default_factory=set)
    # Places whose training months must be recounted; sessions whose day moved
    # (their attendees are trained from another day).
    training_places: set[int] = field(default_factory=set)
    moved_sessions: set[int] = field(default_factory=set)
    stale: bool = False


def _pending(session: Session) -> Pending:
    return session_state(session, KEY, Pending)


def _moves_counts(obj: object) -> bool:
    """A unit moved in the tree, or the named marketplaces changed: counts go stale."""
    if isinstance(obj, AdminUnit):
        return _history(obj, "parent_id").has_changes()
    if isinstance(obj, Marketplace):
        return _history(obj, "is_named_in_plan").has_changes()
    return False


def collect(session: Session, _flush: UOWTransaction) -> None:
    """Hook (``after_flush``): note the products and producers the flush touched."""
    if session.info.get(DISABLED):
        return
    p = _pending(session)
    # Each of these properties builds its set anew: read once, not per object.
    new, deleted = session.new, session.deleted
    for obj in chain(new, session.dirty, deleted):
        if isinstance(obj, Product):
            p.products.add(obj.id)
            # Its producer holds OCOP or not only by the product's existence,
            # kind and owner: a name or price edit leaves the producer alone.
            if obj in new or obj in deleted or _changed(obj, "kind", "producer_id"):
                p.producers.update(_old_and_new(obj, "producer_id"))
        elif isinstance(obj, Certificate):
            p.products.add(obj.product_id)
            p.ocop_products.add(obj.product_id)
        elif isinstance(obj, Listing):
            p.products.add(obj.product_id)
        elif isinstance(obj, StepRecord | Verification):
            p.listings.add(obj.listing_id)
        elif isinstance(obj, Producer):
            p.producers.add(obj.id)
            if obj not in new:
                p.producer_products.add(obj.id)
        elif isinstance(obj, PaymentAccount):
            p.producers.add(obj.producer_id)
        elif isinstance(obj, SellerAccount):
            p.producers.add(obj.producer_id)
            moved = _history(obj, "hamlet_id")
            if obj in deleted or moved.has_changes():
                p.activity_hamlets.add(obj.hamlet_id)
                p.activity_hamlets.update(h for h in moved.deleted if h is not None)
        elif isinstance(obj, SellerActivity):
            p.activity_accounts.add(obj.seller_account_id)
            p.activity_hamlets.add(obj.hamlet_id)
        elif isinstance(obj, TeamMember):
            p.members.add(obj.id)
        elif isinstance(obj, TrainingAttendee):
            if obj.producer_id is not None:
                p.producers.add(obj.producer_id)
            if obj.member_id is not None:
                p.members.add(obj.member_id)
        elif isinstance(obj, TrainingSession):
            p.training_places.update(_old_and_new(obj, "area_id"))
            if obj not in new and (
                obj in deleted or _history(obj, "held_on").has_changes()
            ):
                p.moved_sessions.add(obj.id)
        elif isinstance(obj, CoachingVisit):
            p.training_places.update(_old_and_new(obj, "hamlet_id"))
        elif obj not in new and _moves_counts(obj):
            p.stale = True


def collect_inserted(
    session: Session, model: type[object], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Hook for records inserted in bulk (``core.db.insert_rows``): what
    ``collect`` notes of the same records added through the ORM."""
    if session.info.get(DISABLED) or not rows:
        return
    p = _pending(session)
    if model is Producer:
        p.producers.update(row["id"] for row in rows)
    elif model is Product:
        p.products.update(row["id"] for row in rows)
        p.producers.update(row["producer_id"] for row in rows)
    elif model is Certificate:
        p.products.update(row["product_id"] for row in rows)
        p.ocop_products.update(row["product_id"] for row in rows)
    else:
        raise NotImplementedError(f"the ledger notes no bulk insert of {model}")


def _history(obj: object, attr: str) -> History:
    """What this flush did to one attribute, without loading it — and without
    ``inspect(obj).attrs``, which builds a state for every attribute of the row
    (for a product, more than the rest of this hook costs)."""
    return get_history(obj, attr, passive=PASSIVE_NO_INITIALIZE)


def _changed(obj: object, *attrs: str) -> bool:
    """Whether this flush changed any of ``attrs`` of a row already stored."""
    return any(_history(obj, attr).has_changes() for attr in attrs)


def _old_and_new(obj: object, attr: str) -> set[int]:
    """A row's ``attr`` now and, when this flush changed it, before."""
    history = _history(obj, attr)
    return {v for v in chain(history.deleted, [getattr(obj, attr)]) if v is not None}


def refresh_before_commit(session: Session) -> None:
    """Hook (``before_commit``): bring the ledger in step, in the same
    transaction, then bump the revisions of the areas whose figures moved."""
    if session.info.get(DISABLED):
        return
    sync(session)
    revised = session.info.pop(REVISED, None)
    if revised:
        ledger.bump(session.connection(), revised)


def forget_after_rollback(session: Session) -> None:
    """Hook (``after_rollback``): forget the noted subjects — unless only a
    savepoint rolled back: what the transaction noted before it still has to
    be refreshed and bumped, and refreshing a subject whose change was rolled
    back, or bumping its areas, changes nothing."""
    if session.in_nested_transaction():
        return
    session.info.pop(KEY, None)
    session.info.pop(REVISED, None)


def _column_of(
    conn: Connection, model: type[Base], column: str, key: str, keys: set[int]
) -> Sequence[int]:
    """``column`` of ``model``'s rows whose ``key`` is one of ``keys``, read from
    its table (no statement for no keys; the keys as one parameter: an import's
    20,000 products were a statement of 20,000, 0.25 s on PostgreSQL)."""
    if not keys:
        return []
    table: Table = model.__table__  # type: ignore[assignment]
    return conn.scalars(
        select(table.c[column]).where(ledger.among(conn, table.c[key], sorted(keys)))
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
    producers = set(p.producers)
    producers.update(_column_of(conn, Product, "producer_id", "id", p.ocop_products))
    members = set(p.members)
    if p.moved_sessions:
        for column, into in (("producer_id", producers), ("member_id", members)):
            into.update(
                v
                for v in _column_of(
                    conn, TrainingAttendee, column, "session_id", p.moved_sessions
                )
                if v is not None
            )
    if p.stale:
        segments.mark_stale(conn)
    revised: set[int] = session.info.setdefault(REVISED, set())
    segments.refresh(
        conn,
        products=products,
        producers=producers,
        members=members,
        revised=revised,
    )
    hamlets = set(p.activity_hamlets)
    hamlets.update(
        _column_of(conn, SellerAccount, "hamlet_id", "id", p.activity_accounts)
    )
    activity.refresh(conn, hamlets, revised)
    training.refresh(conn, p.training_places, revised)
