"""What a product or producer counts as, day by day, read for the ledger.

Facts come from the rows and, for states that change over time (a listing's
status, a step, a payment account, a product's existence), from the audit
trail: the state at the end of a day is the one recorded by then (the same
replay as ``history.service``) — except what carries its own date: a
certificate counts by its decision, expiry and revocation dates and a
delisting from its ``delisted_on``, whenever they were recorded (coverage is
valid-time, DOMAIN.md §3). Rows written without a trail (bulk loads) count
from their own dates: ``verified_at`` to ``delisted_on`` for a listing,
``done_at`` for a step, ``created_at`` otherwise. A seller account's status
counts from its own day (``status_on``), like a delisting.

Reads are batched in chunks on the raw connection: ``rebuild()`` runs them for
every product of the country, and the listener runs them inside a flush.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core.clock import today, vn_date
from ocop_tracker.history import service as history_service
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    MarketplaceStep,
    StepRecord,
)
from ocop_tracker.producers.models import PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.reports import rules
from ocop_tracker.reports.ledger import among, chunks
from ocop_tracker.reports.rules import (
    CertFact,
    ListingFact,
    MemberFacts,
    ProducerFacts,
    ProductFacts,
    Timeline,
)
from ocop_tracker.sellers.models import SellerAccount
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import TrainingAttendee, TrainingSession


def _events(
    conn: Connection, object_type: str, ids: Sequence[int]
) -> Iterator[tuple[int, str, dt.date, dict[str, Any]]]:
    """Row changes of the objects in order: ``(id, action, day, after)``."""
    for chunk in chunks(ids):
        yield from history_service.row_changes(conn, object_type, chunk)


# Subjects whose facts are read together: a refresh's part
# (``segments.REFRESH_SUBJECTS``), one statement per table.
FACTS_CHUNK = 2000


def _existence(
    conn: Connection, object_type: str, ids: Sequence[int]
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per object, ``(day, "1")`` for each creation and ``(day, None)`` for each
    deletion, in order, from the row changes ``history_service.row_changes``
    reads, without each event's record (a product's creation carries the
    whole row: decoding 30,000 of them took a tenth of an import's refresh)."""
    events: Table = AuditEvent.__table__  # type: ignore[assignment]
    out: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    for chunk in chunks(ids, FACTS_CHUNK):
        for object_id, action, at in conn.execute(
            select(events.c.object_id, events.c.action, events.c.at)
            .where(
                events.c.object_type == object_type,
                among(conn, events.c.object_id, [str(i) for i in chunk]),
                events.c.action.in_(("create", "delete")),
            )
            .order_by(events.c.id)
        ):
            out[int(object_id)].append(
                (vn_date(at), "1" if action == "create" else None)
            )
    return out


def _trails(
    conn: Connection, object_type: str, ids: Sequence[int], column: str
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per object, ``(day, value)`` in order: ``column`` of each row change."""
    out: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    for key, action, day, after in _events(conn, object_type, ids):
        if action == "delete":
            out[key].append((day, None))
        elif action == "create" or column in after:
            value = after.get(column)
            out[key].append((day, None if value is None else str(value)))
    return out


def _listing_trails(
    conn: Connection, ids: Sequence[int]
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per listing, ``(day, status)`` in order, a delisting from its own date.

    Coverage is valid-time (DOMAIN.md §3): a listing is live on a day unless
    delisted on or before it, whenever that was recorded — as a certificate
    is valid unless revoked on or before the day. A delisting recorded on day
    R as gone down on day E replaces what the trail said from E on.
    """
    out: dict[int, list[tuple[dt.date, str | None]]] = defaultdict(list)
    delisted_on: dict[int, str | None] = {}
    for key, action, day, after in _events(conn, "listings", ids):
        if action == "create" or "delisted_on" in after:
            delisted_on[key] = after.get("delisted_on")
        if action == "delete":
            out[key].append((day, None))
        elif action == "create" or "status" in after:
            status = after.get("status")
            gone = delisted_on.get(key)
            if status == "delisted" and gone is not None:
                since = min(day, dt.date.fromisoformat(gone))
                out[key] = [c for c in out[key] if c[0] <= since]
                day = since
            out[key].append((day, None if status is None else str(status)))
    return out


def _shop_trails(
    conn: Connection, ids: Sequence[int]
) -> dict[int, list[tuple[dt.date, str | None]]]:
    """Per seller account, ``(day, status)`` in order, each status from its own day.

    A status holds from the day the team says it changed (``status_on``),
    whenever that was recorded, as a delisting does. Each change of status
    starts an episode; correcting the current status's day moves its start; an
    episode recorded later that starts on or before an earlier one's start
    replaces it.
    """
    episodes: dict[int, list[list[Any]]] = defaultdict(list)  # [start, status]
    status: dict[int, str | None] = {}
    for key, action, day, after in _events(conn, "seller_accounts", ids):
        if action == "delete":
            episodes[key].append([day, None])
            continue
        raw = after.get("status_on")
        since = day if raw is None else min(day, dt.date.fromisoformat(str(raw)))
        if action == "create" or (
            "status" in after and after["status"] != status.get(key)
        ):
            value = after.get("status")
            status[key] = None if value is None else str(value)
            episodes[key].append([since, status[key]])
        elif raw is not None and episodes[key]:
            episodes[key][-1][0] = since
    out: dict[int, list[tuple[dt.date, str | None]]] = {}
    for key, eps in episodes.items():
        kept: list[tuple[dt.date, str | None]] = []
        for start, value in eps:
            kept = [e for e in kept if e[0] < start]
            kept.append((start, value))
        out[key] = kept
    return out


def named_marketplaces(conn: Connection) -> frozenset[int]:
    """Ids of the marketplaces the plan names (voso.vn, postmart.vn)."""
    table: Table = Marketplace.__table__  # type: ignore[assignment]
    return frozenset(
        conn.scalars(select(table.c.id).where(table.c.is_named_in_plan.is_(True)))
    )


def retired_steps(conn: Connection) -> dict[tuple[int, str], dt.date]:
    """The day each retired step stopped being asked, by (marketplace id, code)."""
    table: Table = MarketplaceStep.__table__  # type: ignore[assignment]
    return {
        (mid, code): day
        for mid, code, day in conn.execute(
            select(table.c.marketplace_id, table.c.code, table.c.retired_on).where(
                table.c.retired_on.is_not(None)
            )
        )
    }


def product_facts(conn: Connection, ids: Sequence[int]) -> dict[int, ProductFacts]:
    """Facts of the products that still exist, by id.

    A retired step's record counts until its step's retirement day, so days
    before it answer as they did (issue 16 retired "storefront", "payment").
    """
    products: Table = Product.__table__  # type: ignore[assignment]
    producers: Table = Producer.__table__  # type: ignore[assignment]
    certs: Table = Certificate.__table__  # type: ignore[assignment]
    listings: Table = Listing.__table__  # type: ignore[assignment]
    steps: Table = StepRecord.__table__  # type: ignore[assignment]
    retired = retired_steps(conn)
    out: dict[int, ProductFacts] = {}
    for chunk in chunks(sorted(set(ids)), FACTS_CHUNK):
        rows = conn.execute(
            select(
                products.c.id,
                products.c.hamlet_id,
                products.c.kind,
                products.c.group_id,
                producers.c.kind,
                products.c.created_at,
            )
            .join(producers, producers.c.id == products.c.producer_id)
            .where(among(conn, products.c.id, chunk))
        ).all()
        if not rows:
            continue
        present = [r[0] for r in rows]
        exists = _existence(conn, "products", present)
        cert_rows: dict[int, list[CertFact]] = defaultdict(list)
        for r in conn.execute(
            select(
                certs.c.product_id,
                certs.c.id,
                certs.c.decision_date,
                certs.c.expires_on,
                certs.c.revoked_on,
                certs.c.stars,
            ).where(among(conn, certs.c.product_id, present))
        ):
            cert_rows[r[0]].append(CertFact(r[1], r[2], r[3], r[4], r[5]))
        listing_rows = conn.execute(
            select(
                listings.c.id,
                listings.c.product_id,
                listings.c.marketplace_id,
                listings.c.status,
                listings.c.verified_at,
                listings.c.delisted_on,
                listings.c.created_at,
            ).where(among(conn, listings.c.product_id, present))
        ).all()
        listing_ids = [r[0] for r in listing_rows]
        status_trails = _listing_trails(conn, listing_ids)
        step_rows = conn.execute(
            select(
                steps.c.id,
                steps.c.listing_id,
                steps.c.step_code,
                steps.c.status,
                steps.c.done_at,
            ).where(among(conn, steps.c.listing_id, listing_ids))
        ).all()
        step_trails = _trails(conn, "step_records", [r[0] for r in step_rows], "status")
        market_of = {r[0]: r[2] for r in listing_rows}
        steps_by_listing: dict[int, dict[str, Timeline]] = defaultdict(dict)
        for sid, lid, code, status, done_at in step_rows:
            trail = step_trails.get(sid) or [(vn_date(done_at), str(status))]
            trail = rules.retire(trail, retired.get((market_of[lid], code)))
            steps_by_listing[lid][code] = rules.timeline(trail)
        facts_listings: dict[int, list[ListingFact]] = defaultdict(list)
        for lid, pid, mid, status, verified_at, delisted_on, created_at in listing_rows:
            trail = status_trails.get(lid) or _listing_fallback(
                str(status), verified_at, delisted_on, created_at
            )
            facts_listings[pid].append(
                ListingFact(mid, rules.timeline(trail), steps_by_listing.get(lid, {}))
            )
        for pid, hamlet_id, kind, group_id, ptype, created_at in rows:
            out[pid] = ProductFacts(
                product_id=pid,
                hamlet_id=hamlet_id,
                kind=str(kind),
                group_id=group_id,
                ptype=str(ptype),
                exists=rules.timeline(exists.get(pid) or [(vn_date(created_at), "1")]),
                certs=cert_rows.get(pid, []),
                listings=facts_listings.get(pid, []),
            )
    return out


def _listing_fallback(
    status: str,
    verified_at: dt.datetime | None,
    delisted_on: dt.date | None,
    created_at: dt.datetime,
) -> list[tuple[dt.date, str | None]]:
    """A listing's status over time when it has no trail (written in bulk)."""
    # The row's status is today's truth; its dates only say since when (a
    # date after today in bulk-loaded data would hide a live listing).
    now = today()
    start = min(vn_date(created_at), now)
    if status == "listed" and verified_at is not None:
        return [(start, "in_progress"), (min(vn_date(verified_at), now), "listed")]
    if status == "delisted" and verified_at is not None and delisted_on is not None:
        return [
            (start, "in_progress"),
            (min(vn_date(verified_at), delisted_on), "listed"),
            (delisted_on, "delisted"),
        ]
    return [(start, status)]


def trained_from(
    conn: Connection, column: str, ids: Sequence[int]
) -> dict[int, dt.date]:
    """Per producer or team member (``column``: ``producer_id`` or ``member_id``),
    the day of the first session they attended, as the rows say now (a session's
    day is its own date, whenever recorded)."""
    attendees: Table = TrainingAttendee.__table__  # type: ignore[assignment]
    sessions: Table = TrainingSession.__table__  # type: ignore[assignment]
    key = attendees.c[column]
    out: dict[int, dt.date] = {}
    for subject, day in conn.execute(
        select(key, func.min(sessions.c.held_on))
        .join(sessions, sessions.c.id == attendees.c.session_id)
        .where(among(conn, key, ids))
        .group_by(key)
    ):
        out[subject] = day
    return out


def _ocop_certs(
    conn: Connection, producer_ids: Sequence[int]
) -> dict[int, list[list[CertFact]]]:
    """Per producer, each of its OCOP products' certificates."""
    products: Table = Product.__table__  # type: ignore[assignment]
    certs: Table = Certificate.__table__  # type: ignore[assignment]
    by_product: dict[tuple[int, int], list[CertFact]] = defaultdict(list)
    for producer_id, product_id, cid, decided, expires, revoked, stars in conn.execute(
        select(
            products.c.producer_id,
            products.c.id,
            certs.c.id,
            certs.c.decision_date,
            certs.c.expires_on,
            certs.c.revoked_on,
            certs.c.stars,
        )
        .join(certs, certs.c.product_id == products.c.id)
        .where(
            among(conn, products.c.producer_id, producer_ids),
            products.c.kind == "ocop",
        )
    ):
        by_product[(producer_id, product_id)].append(
            CertFact(cid, decided, expires, revoked, stars)
        )
    out: dict[int, list[list[CertFact]]] = defaultdict(list)
    for (producer_id, _), facts in sorted(by_product.items()):
        out[producer_id].append(facts)
    return out


def member_facts(conn: Connection, ids: Sequence[int]) -> dict[int, MemberFacts]:
    """Facts of the team members that still exist, by id: on a team from the
    trail's creation to its removal, trained from their first session."""
    members: Table = TeamMember.__table__  # type: ignore[assignment]
    out: dict[int, MemberFacts] = {}
    for chunk in chunks(sorted(set(ids)), FACTS_CHUNK):
        rows = conn.execute(
            select(members.c.id, members.c.hamlet_id, members.c.created_at).where(
                among(conn, members.c.id, chunk)
            )
        ).all()
        if not rows:
            continue
        present = [r[0] for r in rows]
        exists = _existence(conn, "team_members", present)
        trained = trained_from(conn, "member_id", present)
        for mid, hamlet_id, created_at in rows:
            out[mid] = MemberFacts(
                member_id=mid,
                hamlet_id=hamlet_id,
                exists=rules.timeline(exists.get(mid) or [(vn_date(created_at), "1")]),
                trained_from=trained.get(mid),
            )
    return out


def producer_facts(conn: Connection, ids: Sequence[int]) -> dict[int, ProducerFacts]:
    """Facts of the producers that still exist, by id."""
    producers: Table = Producer.__table__  # type: ignore[assignment]
    accounts: Table = PaymentAccount.__table__  # type: ignore[assignment]
    sellers: Table = SellerAccount.__table__  # type: ignore[assignment]
    out: dict[int, ProducerFacts] = {}
    for chunk in chunks(sorted(set(ids)), FACTS_CHUNK):
        rows = conn.execute(
            select(
                producers.c.id,
                producers.c.hamlet_id,
                producers.c.kind,
                producers.c.created_at,
            ).where(among(conn, producers.c.id, chunk))
        ).all()
        if not rows:
            continue
        present = [r[0] for r in rows]
        exists = _existence(conn, "producers", present)
        account_rows = conn.execute(
            select(
                accounts.c.id,
                accounts.c.producer_id,
                accounts.c.status,
                accounts.c.created_at,
            ).where(among(conn, accounts.c.producer_id, present))
        ).all()
        trails = _trails(
            conn, "payment_accounts", [r[0] for r in account_rows], "status"
        )
        payments: dict[int, list[Timeline]] = defaultdict(list)
        for aid, pid, status, created_at in account_rows:
            trail = trails.get(aid) or [(vn_date(created_at), str(status))]
            payments[pid].append(rules.timeline(trail))
        seller_rows = conn.execute(
            select(
                sellers.c.id,
                sellers.c.producer_id,
                sellers.c.marketplace_id,
                sellers.c.status,
                sellers.c.status_on,
            ).where(among(conn, sellers.c.producer_id, present))
        ).all()
        shop_trails = _shop_trails(conn, [r[0] for r in seller_rows])
        trained = trained_from(conn, "producer_id", present)
        ocop = _ocop_certs(conn, present)
        now = today()
        shops: dict[int, dict[int, Timeline]] = defaultdict(dict)
        for sid, pid, mid, status, status_on in seller_rows:
            trail = shop_trails.get(sid) or [(min(status_on, now), str(status))]
            shops[pid][mid] = rules.timeline(trail)
        for pid, hamlet_id, kind, created_at in rows:
            out[pid] = ProducerFacts(
                producer_id=pid,
                hamlet_id=hamlet_id,
                kind=str(kind),
                exists=rules.timeline(exists.get(pid) or [(vn_date(created_at), "1")]),
                payments=payments.get(pid, []),
                shops=shops.get(pid, {}),
                trained_from=trained.get(pid),
                ocop_certs=ocop.get(pid, []),
            )
    return out
