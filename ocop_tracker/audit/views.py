"""Reads of the audit trail: a page of events, a record's history, and the names
and places the events point to.

Nothing here writes; events are written by ``audit/listener.py`` in the
transaction that made the change. Lists are scoped through ``auth/scope.py`` by
the area each event belongs to: the department and officials see their area,
admins everything. A record's history is read only after its page has checked
the record itself is visible (``ensure_visible``), so it is not scoped again:
a producer moved into the area keeps the events of its past.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.audit import repository
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.clock import end_of_day, start_of_day
from ocop_tracker.core.text import fold
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    StepRecord,
    Verification,
)
from ocop_tracker.producers.models import Consent, PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, OcopGroup, OcopSubgroup, Product
from ocop_tracker.users import views as user_views
from ocop_tracker.users.models import User


def list_events(
    session: Session,
    actor: User,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    actor_name: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEvent], int]:
    """One page of the events the actor may read, newest first, and their count
    (two statements whatever the page's length).

    ``actor_name``: words of the acting account's name or login, without
    diacritics too; ``since``/``until``: Vietnam days, both included.
    """
    stmt = repository.events_statement(
        action=action, object_type=object_type, object_id=object_id, actor_id=actor_id
    )
    stmt = repository.within(
        stmt,
        start_of_day(since) if since is not None else None,
        end_of_day(until) if until is not None else None,
    )
    if actor_name and fold(actor_name).split():
        stmt = repository.by_actor_named(stmt, fold(actor_name))
    stmt = scope_to_user(stmt, actor, AuditEvent.area_id)
    return query.page(
        session, stmt, order_by=repository.NEWEST_FIRST, limit=limit, offset=offset
    )


def record_events(
    session: Session,
    subjects: Mapping[str, Sequence[int]],
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEvent], int]:
    """One page of the events about these records (table → ids), newest first,
    and their count. The caller has checked the records are visible."""
    return query.page(
        session,
        repository.of_records(subjects),
        order_by=repository.NEWEST_FIRST,
        limit=limit,
        offset=offset,
    )


# --- what the events point to ---------------------------------------------------------

# Value kinds of ``core.labels.FIELDS`` whose values are ids, with the name to show.
_NAMED: Mapping[str, tuple[Any, Any]] = {
    "area": (AdminUnit.id, AdminUnit.name),
    "producer": (Producer.id, Producer.name),
    "product": (Product.id, Product.name),
    "group": (OcopGroup.id, OcopGroup.name),
    "subgroup": (OcopSubgroup.id, OcopSubgroup.name),
    "marketplace": (Marketplace.id, Marketplace.name),
}


def names(
    session: Session, wanted: Mapping[str, Iterable[int]]
) -> dict[str, dict[int, str]]:
    """Per value kind (``area``, ``user``, ``product``, …), the names of these ids:
    one query per kind asked, whatever the number of events."""
    out: dict[str, dict[int, str]] = {}
    for kind, ids in wanted.items():
        if kind == "user":
            out[kind] = user_views.display_names(session, ids)
        elif kind == "payment_account":
            # Named as the pages show them: provider and last 4 (never more).
            out[kind] = {
                a.id: (
                    f"{a.provider_info.name} ••••{a.last4}"
                    if a.last4
                    else a.provider_info.name
                )
                for a in query.all_in(
                    session, select(PaymentAccount), PaymentAccount.id, ids
                )
            }
        elif kind in _NAMED:
            out[kind] = query.names_by_id(session, *_NAMED[kind], ids)
    return out


def step_names(
    session: Session, marketplace_ids: Iterable[int]
) -> dict[tuple[int, str], str]:
    """The steps of these marketplaces by (marketplace, code), named (one query)."""
    return repository.step_names(session, marketplace_ids)


def listing_marketplaces(
    session: Session, listing_ids: Iterable[int]
) -> dict[int, int]:
    """The marketplace of each listing (one query)."""
    return repository.parents(session, Listing.id, Listing.marketplace_id, listing_ids)


def step_listings(session: Session, step_ids: Iterable[int]) -> dict[int, int]:
    """The listing of each step record (one query)."""
    return repository.parents(session, StepRecord.id, StepRecord.listing_id, step_ids)


@dataclass(frozen=True)
class Place:
    """Where an event's record is shown, and what it is called."""

    url: str
    name: str


# Records shown on another record's page: table → (id, parent id, parent table).
_SHOWN_ON: Mapping[str, tuple[Any, Any, str]] = {
    "certificates": (Certificate.id, Certificate.product_id, "products"),
    "step_records": (StepRecord.id, StepRecord.listing_id, "listings"),
    "verifications": (Verification.id, Verification.listing_id, "listings"),
    "producer_consents": (Consent.id, Consent.producer_id, "producers"),
    "payment_accounts": (PaymentAccount.id, PaymentAccount.producer_id, "producers"),
}


def children(session: Session, table: str, parent_id: int) -> list[int]:
    """Ids of the records of ``table`` held by one record (a product's
    certificates, a listing's steps, a producer's consents), one query."""
    id_col, parent_col, _ = _SHOWN_ON[table]
    return repository.children(session, id_col, parent_col, parent_id)


_URLS = {
    "products": "/products/{}",
    "producers": "/producers/{}",
    "listings": "/listings/{}/history",
}


def places(
    session: Session, events: Sequence[AuditEvent]
) -> dict[tuple[str, str], Place]:
    """Where each event's record lives now, named: a product, a producer, a listing,
    or the page of the record that holds it (a certificate's product). Records
    removed since have no place. A few queries whatever the number of events."""
    ids: dict[str, set[int]] = {}
    for e in events:
        if e.object_type and e.object_id and e.object_id.isdigit():
            ids.setdefault(e.object_type, set()).add(int(e.object_id))
    owner: dict[tuple[str, int], tuple[str, int]] = {}
    for table, (id_col, parent_col, parent_table) in _SHOWN_ON.items():
        for row_id, parent in repository.parents(
            session, id_col, parent_col, ids.get(table, ())
        ).items():
            owner[(table, row_id)] = (parent_table, parent)
            ids.setdefault(parent_table, set()).add(parent)
    listings = listing_marketplaces(session, ids.get("listings", ()))
    products_of = repository.parents(
        session, Listing.id, Listing.product_id, ids.get("listings", ())
    )
    found = names(
        session,
        {
            "product": ids.get("products", set()) | set(products_of.values()),
            "producer": ids.get("producers", ()),
            "marketplace": set(listings.values()),
        },
    )
    titled: dict[tuple[str, int], str] = {}
    for i in ids.get("products", ()):
        if i in found["product"]:
            titled[("products", i)] = found["product"][i]
    for i in ids.get("producers", ()):
        if i in found["producer"]:
            titled[("producers", i)] = found["producer"][i]
    for i, product_id in products_of.items():
        market = found["marketplace"].get(listings.get(i, 0), "")
        titled[("listings", i)] = f"{found['product'].get(product_id, '')} — {market}"
    out: dict[tuple[str, str], Place] = {}
    for (table, i), name in titled.items():
        out[(table, str(i))] = Place(_URLS[table].format(i), name)
    for (table, i), held_by in owner.items():
        if held_by in titled:
            out[(table, str(i))] = Place(
                _URLS[held_by[0]].format(held_by[1]), titled[held_by]
            )
    return out


def last_writer(session: Session, object_type: str, object_id: int) -> int | None:
    """Who last changed a record (the trail's newest row change), unscoped: a
    service asks it about a record it already checked the actor may write."""
    return repository.last_writer(session, object_type, object_id)
