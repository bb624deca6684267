"""Move the shop and e-payment steps onto the producer, without loss (issue #16 item 4).

Until now every product × marketplace listing had the steps photos →
storefront → payment → listing → first order → quality. The shop (gian hàng)
and the e-payment account belong to the producer (DOMAIN.md §4, §7), so:

- The "storefront" and "payment" steps are **retired** on the day this runs
  (``retired_on``), never deleted, and their step records stay: the ledger
  ends a retired step's timeline on that day, so figures as of the days
  before answer as they did.
- The shop URL rule moves from the "storefront" step onto the marketplace
  (``shop_url_pattern`` / ``shop_url_example``).
- The "listing" step requires the producer's seller account on that
  marketplace to be open (``requires = 'seller_open'``); payment is no
  prerequisite. The "quality" step asks for evidence: a photo of the signed
  commitment or a link to the document (``evidence = 'document'``).
- Storefront records become **seller accounts**, one per producer ×
  marketplace (an account the team already made is kept as it is and only
  linked):

  - status **open**, verified, when a listing of that producer on that
    marketplace was approved by an official (the official saw the product on
    the shop): claimed by who recorded the storefront, when; verified by the
    first approval's official, when; ``status_on`` the day of that approval;
  - otherwise **applied** with a pending claim (claimed by who recorded the
    storefront, when), so it lands in the officials' verification queue;
  - a storefront only ever blocked: **preparing**, no claim;
  - the shop URL is the recorded one. Where the producer's listings on that
    marketplace carry **different** URLs, none is guessed: the account is
    made without a URL and **without a claim** (status applied, an open claim
    needs its URL), every candidate is kept in ``step_moves`` with
    ``conflict`` set, and the conflicts are printed for a person.

- A payment step done where the producer has no open e-payment account
  becomes an account, status open, provider "other" (kind from the provider,
  no last 4 digits). Created now, it counts from today on, so past figures
  do not move.
- ``step_moves`` holds one row per storefront or payment step record: the
  account it went to and the URL it carried — who and when stay on the step
  record itself (``done_by_id``, ``done_at``, ``note``), which is kept.
- Each listing's ``next_step`` is recomputed under the new steps; its status
  does not change (a verified listing stays verified).

A database whose report ledger is built has it recomputed right after the
upgrade (``REBUILDS_LEDGER``), so today's counts drop the retired steps and
add the new e-payment accounts.

Down again: the steps come back (``retired_on``, ``requires`` cleared, the
shop rule copied back onto the "storefront" step, ``next_step`` as it was);
the seller and e-payment accounts made here stay (their tables are older
than this revision; nothing is deleted), and the schema revision below
refuses to drop ``step_moves`` while it holds rows unless told to destroy data.

Revision ID: c5e80f3a1d27
Revises: b7d41e2a9c60
Create Date: 2026-12-03 11:05:00
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "c5e80f3a1d27"
down_revision: str | None = "b7d41e2a9c60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# What the kept report figures count changed: recompute them after upgrading.
REBUILDS_LEDGER = True

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SHOP, PAYMENT, CLAIM, QUALITY = "storefront", "payment", "listing", "quality"
RETIRED = (SHOP, PAYMENT)
CLAIM_STANDS = ("awaiting_verification", "listed")

marketplaces = sa.table(
    "marketplaces",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("shop_url_pattern", sa.String),
    sa.column("shop_url_example", sa.String),
)
steps = sa.table(
    "marketplace_steps",
    sa.column("id", sa.Integer),
    sa.column("marketplace_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("position", sa.Integer),
    sa.column("evidence", sa.String),
    sa.column("url_pattern", sa.String),
    sa.column("url_example", sa.String),
    sa.column("requires", sa.String),
    sa.column("retired_on", sa.Date),
)
producers = sa.table(
    "producers",
    sa.column("id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("name", sa.String),
)
products = sa.table(
    "products", sa.column("id", sa.Integer), sa.column("producer_id", sa.Integer)
)
listings = sa.table(
    "listings",
    sa.column("id", sa.Integer),
    sa.column("product_id", sa.Integer),
    sa.column("marketplace_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("next_step", sa.String),
)
records = sa.table(
    "step_records",
    sa.column("id", sa.Integer),
    sa.column("listing_id", sa.Integer),
    sa.column("step_code", sa.String),
    sa.column("status", sa.String),
    sa.column("evidence_url", sa.String),
    sa.column("done_by_id", sa.Integer),
    sa.column("done_at", sa.DateTime(timezone=True)),
)
verifications = sa.table(
    "verifications",
    sa.column("listing_id", sa.Integer),
    sa.column("decision", sa.String),
    sa.column("decided_by_id", sa.Integer),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)
sellers = sa.table(
    "seller_accounts",
    sa.column("id", sa.Integer),
    sa.column("producer_id", sa.Integer),
    sa.column("marketplace_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("status_on", sa.Date),
    sa.column("shop_url", sa.String),
    sa.column("claim_status", sa.String),
    sa.column("claimed_by_id", sa.Integer),
    sa.column("claimed_at", sa.DateTime(timezone=True)),
    sa.column("verified_by_id", sa.Integer),
    sa.column("verified_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
payments = sa.table(
    "payment_accounts",
    sa.column("id", sa.Integer),
    sa.column("producer_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("provider", sa.String),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
providers = sa.table(
    "payment_providers", sa.column("code", sa.String), sa.column("kind", sa.String)
)
moves = sa.table(
    "step_moves",
    sa.column("step_record_id", sa.Integer),
    sa.column("seller_account_id", sa.Integer),
    sa.column("payment_account_id", sa.Integer),
    sa.column("candidate_url", sa.String),
    sa.column("conflict", sa.Boolean),
    sa.column("moved_at", sa.DateTime(timezone=True)),
)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _day(moment: dt.datetime) -> dt.date:
    return _utc(moment).astimezone(VIETNAM).date()


def _insert(bind: sa.Connection, table: sa.TableClause, values: dict[str, Any]) -> int:
    result = bind.execute(table.insert().values(**values).returning(table.c.id))
    return int(result.scalar_one())


def _next_steps(bind: sa.Connection, *, with_retired: bool) -> None:
    """Every listing's next step: the first of its marketplace's steps not done."""
    cond = sa.true() if with_retired else steps.c.retired_on.is_(None)
    by_market: dict[int, list[str]] = defaultdict(list)
    for mid, code in bind.execute(
        sa.select(steps.c.marketplace_id, steps.c.code)
        .where(cond)
        .order_by(steps.c.marketplace_id, steps.c.position)
    ):
        by_market[mid].append(code)
    done: dict[int, set[str]] = defaultdict(set)
    for lid, code in bind.execute(
        sa.select(records.c.listing_id, records.c.step_code).where(
            records.c.status == "done"
        )
    ):
        done[lid].add(code)
    for lid, mid, status, old in bind.execute(
        sa.select(
            listings.c.id,
            listings.c.marketplace_id,
            listings.c.status,
            listings.c.next_step,
        )
    ).all():
        new = next(
            (
                code
                for code in by_market.get(mid, [])
                if code not in done[lid]
                or (code == CLAIM and status not in CLAIM_STANDS)
            ),
            None,
        )
        if new != old:
            bind.execute(
                listings.update().where(listings.c.id == lid).values(next_step=new)
            )


def upgrade() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(VIETNAM).date()
    # The shop rule moves onto the marketplace.
    for mid, pattern, example in bind.execute(
        sa.select(
            steps.c.marketplace_id, steps.c.url_pattern, steps.c.url_example
        ).where(steps.c.code == SHOP)
    ).all():
        bind.execute(
            marketplaces.update()
            .where(marketplaces.c.id == mid)
            .values(shop_url_pattern=pattern, shop_url_example=example)
        )
    bind.execute(
        steps.update()
        .where(steps.c.code.in_(RETIRED), steps.c.retired_on.is_(None))
        .values(retired_on=today)
    )
    bind.execute(
        steps.update()
        .where(steps.c.code == CLAIM, steps.c.requires.is_(None))
        .values(requires="seller_open")
    )
    bind.execute(
        steps.update()
        .where(steps.c.code == QUALITY, steps.c.evidence.is_(None))
        .values(evidence="document")
    )

    market_codes = dict(
        bind.execute(sa.select(marketplaces.c.id, marketplaces.c.code)).all()
    )
    producer_rows = {
        r.id: r
        for r in bind.execute(
            sa.select(producers.c.id, producers.c.hamlet_id, producers.c.name)
        )
    }
    moved = bind.execute(
        sa.select(
            records.c.id,
            records.c.step_code,
            records.c.status,
            records.c.evidence_url,
            records.c.done_by_id,
            records.c.done_at,
            listings.c.id.label("listing_id"),
            listings.c.marketplace_id,
            products.c.producer_id,
        )
        .join(listings, listings.c.id == records.c.listing_id)
        .join(products, products.c.id == listings.c.product_id)
        .where(records.c.step_code.in_(RETIRED))
        .order_by(records.c.done_at, records.c.id)
    ).all()

    # Storefronts → seller accounts, one per producer × marketplace.
    shops: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for r in moved:
        if r.step_code == SHOP:
            shops[(r.producer_id, r.marketplace_id)].append(r)
    approvals: dict[tuple[int, int], tuple[int, dt.datetime]] = {}
    for pid, mid, by, at in bind.execute(
        sa.select(
            products.c.producer_id,
            listings.c.marketplace_id,
            verifications.c.decided_by_id,
            verifications.c.decided_at,
        )
        .join(listings, listings.c.id == verifications.c.listing_id)
        .join(products, products.c.id == listings.c.product_id)
        .where(verifications.c.decision == "approved")
        .order_by(verifications.c.decided_at)
    ):
        approvals.setdefault((pid, mid), (by, at))
    existing = {
        (r.producer_id, r.marketplace_id): r
        for r in bind.execute(
            sa.select(
                sellers.c.id,
                sellers.c.producer_id,
                sellers.c.marketplace_id,
                sellers.c.shop_url,
            )
        )
    }
    conflicts: list[str] = []
    for (pid, mid), recs in shops.items():
        done = [r for r in recs if r.status == "done"]
        urls = sorted({r.evidence_url for r in done if r.evidence_url})
        conflict = len(urls) > 1
        account = existing.get((pid, mid))
        if account is not None:
            account_id = account.id
            conflict = conflict and not account.shop_url
        else:
            first = done[0] if done else None
            approval = approvals.get((pid, mid))
            values: dict[str, Any] = {
                "producer_id": pid,
                "marketplace_id": mid,
                "hamlet_id": producer_rows[pid].hamlet_id,
                "shop_url": None if conflict else (urls[0] if urls else None),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            if first is None:
                values |= {"status": "preparing", "status_on": today}
            elif conflict:
                values |= {"status": "applied", "status_on": _day(first.done_at)}
            elif approval is not None:
                values |= {
                    "status": "open",
                    "status_on": _day(approval[1]),
                    "claim_status": "approved",
                    "claimed_by_id": first.done_by_id,
                    "claimed_at": _utc(first.done_at),
                    "verified_by_id": approval[0],
                    "verified_at": _utc(approval[1]),
                }
            else:
                values |= {
                    "status": "applied",
                    "status_on": _day(first.done_at),
                    "claim_status": "pending",
                    "claimed_by_id": first.done_by_id,
                    "claimed_at": _utc(first.done_at),
                }
            account_id = _insert(bind, sellers, values)
        if conflict:
            conflicts.append(
                f"  - {producer_rows[pid].name} (chủ thể #{pid}) trên {market_codes[mid]}, "
                f"tài khoản bán hàng #{account_id}: " + " | ".join(urls)
            )
        for r in recs:
            bind.execute(
                moves.insert().values(
                    step_record_id=r.id,
                    seller_account_id=account_id,
                    candidate_url=r.evidence_url,
                    conflict=conflict and bool(r.evidence_url),
                    moved_at=now,
                )
            )

    # Payment steps → an open e-payment account where the producer has none.
    paid: dict[int, list[Any]] = defaultdict(list)
    for r in moved:
        if r.step_code == PAYMENT:
            paid[r.producer_id].append(r)
    open_account = {
        pid: aid
        for aid, pid in bind.execute(
            sa.select(payments.c.id, payments.c.producer_id)
            .where(payments.c.status == "open")
            .order_by(payments.c.id.desc())
        )
    }
    other_kind = (
        bind.scalar(sa.select(providers.c.kind).where(providers.c.code == "other"))
        or "e_wallet"
    )
    for pid, recs in paid.items():
        account_id = open_account.get(pid)
        if account_id is None and any(r.status == "done" for r in recs):
            account_id = _insert(
                bind,
                payments,
                {
                    "producer_id": pid,
                    "hamlet_id": producer_rows[pid].hamlet_id,
                    "provider": "other",
                    "kind": other_kind,
                    "status": "open",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        for r in recs:
            bind.execute(
                moves.insert().values(
                    step_record_id=r.id,
                    payment_account_id=account_id,
                    conflict=False,
                    moved_at=now,
                )
            )

    _next_steps(bind, with_retired=False)
    if conflicts:
        print(  # noqa: T201 (the migration output lists them for a person)
            "Gian hàng có nhiều đường dẫn khác nhau, cần người chọn "
            "(bảng step_moves, conflict = true):\n" + "\n".join(conflicts)
        )


def downgrade() -> None:
    bind = op.get_bind()
    for mid, pattern, example in bind.execute(
        sa.select(
            marketplaces.c.id,
            marketplaces.c.shop_url_pattern,
            marketplaces.c.shop_url_example,
        )
    ).all():
        bind.execute(
            steps.update()
            .where(steps.c.marketplace_id == mid, steps.c.code == SHOP)
            .values(url_pattern=pattern, url_example=example)
        )
    bind.execute(
        marketplaces.update().values(shop_url_pattern=None, shop_url_example=None)
    )
    bind.execute(
        steps.update().where(steps.c.code.in_(RETIRED)).values(retired_on=None)
    )
    bind.execute(
        steps.update()
        .where(steps.c.code == CLAIM, steps.c.requires == "seller_open")
        .values(requires=None)
    )
    bind.execute(
        steps.update()
        .where(steps.c.code == QUALITY, steps.c.evidence == "document")
        .values(evidence=None)
    )
    _next_steps(bind, with_retired=True)
