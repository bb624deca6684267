"""A naïve recount of coverage straight from the rows and the audit trail.

Written independently of ``reports.rules``/``reports.ledger``: every figure is
recomputed for one day by replaying each record with ``history.service`` and
judging certificates with ``products.rules``, then counted under the tree of
that day. A listing is live on a day when it was listed as recorded by then
and no delisting recorded later is dated on or before that day (coverage is
valid-time, like a certificate's revocation date). Slow on purpose; the
ledger must give the same numbers.
"""

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.history import service as history
from ocop_tracker.onboarding.models import Listing, Marketplace, StepRecord
from ocop_tracker.producers.models import PaymentAccount, Producer
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.reports.models import NATION


def hamlets_on(session: Session, area_id: int, day: dt.date) -> set[int] | None:
    """Units under the area on ``day`` (None = the whole country)."""
    if area_id == NATION:
        return None
    return set(session.scalars(area_repository.subtree_ids(area_id, day=day)))


def delisted_later(session: Session, day: dt.date) -> set[int]:
    """Listings whose delisting, recorded after ``day``, is dated on or before it."""
    out: set[int] = set()
    for object_id, after in session.execute(
        select(AuditEvent.object_id, AuditEvent.after).where(
            AuditEvent.object_type == "listings",
            AuditEvent.action == "update",
            AuditEvent.at >= clock.end_of_day(day),
        )
    ):
        gone = (after or {}).get("delisted_on")
        if (
            (after or {}).get("status") == "delisted"
            and gone is not None
            and dt.date.fromisoformat(gone) <= day
        ):
            out.add(int(object_id))
    return out


def recount(session: Session, area_id: int, day: dt.date) -> dict[str, int]:
    """Every figure of the area on ``day``, counted product by product."""
    under = hamlets_on(session, area_id, day)
    named = set(
        session.scalars(select(Marketplace.id).where(Marketplace.is_named_in_plan))
    )
    out: Counter[str] = Counter()
    alive = history.ids_existing_on(session, "products", day)
    products = [
        p
        for p in session.scalars(select(Product))
        if under is None or p.hamlet_id in under
    ]
    listings = session.scalars(
        select(Listing).where(Listing.product_id.in_([p.id for p in products]))
    ).all()
    listing_states = history.states_as_of(
        session, "listings", [x.id for x in listings], day
    )
    records = session.scalars(
        select(StepRecord).where(StepRecord.listing_id.in_([x.id for x in listings]))
    ).all()
    record_states = history.states_as_of(
        session, "step_records", [r.id for r in records], day
    )
    gone = delisted_later(session, day)
    for p in products:
        producer = session.get_one(Producer, p.producer_id)
        mine = [x for x in listings if x.product_id == p.id]
        live = {
            x.marketplace_id
            for x in mine
            if listing_states.get(x.id, {}).get("status") == "listed"
            and x.id not in gone
        }
        if p.kind.value == "ocop":
            certs = session.scalars(
                select(Certificate).where(Certificate.product_id == p.id)
            ).all()
            cert = product_rules.current_certificate(certs, day)
            if cert is None:
                if any(c.decision_date <= day for c in certs):
                    out["ocop.lapsed"] += 1
                continue
            keys = [
                "ocop",
                f"ocop.stars.{cert.stars}",
                f"ocop.ptype.{producer.kind.value}",
            ]
            if p.group_id is not None:
                keys.append(f"ocop.group.{p.group_id}")
            for k in keys:
                out[k] += 1
                if live:
                    out[f"{k}.listed"] += 1
            if (
                product_rules.status_of(cert, day)
                is product_rules.CertificateStatus.expiring
            ):
                out["ocop.expiring"] += 1
            if named and named <= live:
                out["ocop.both"] += 1
            for m in live:
                out[f"ocop.mp.{m}"] += 1
            done = {
                r.step_code
                for r in records
                if r.listing_id in {x.id for x in mine}
                and record_states.get(r.id, {}).get("status") == "done"
            }
            for code in done:
                out[f"ocop.step.{code}"] += 1
        elif p.id in alive:
            kind = p.kind.value
            out["other"] += 1
            out[f"other.kind.{kind}"] += 1
            if live:
                out["other.listed"] += 1
                out[f"other.kind.{kind}.listed"] += 1
            if named and named <= live:
                out["other.both"] += 1
            for m in live:
                out[f"other.mp.{m}"] += 1
    producers_alive = history.ids_existing_on(session, "producers", day)
    producers = [
        r
        for r in session.scalars(select(Producer))
        if r.id in producers_alive and (under is None or r.hamlet_id in under)
    ]
    accounts = session.scalars(
        select(PaymentAccount).where(
            PaymentAccount.producer_id.in_([r.id for r in producers])
        )
    ).all()
    account_states = history.states_as_of(
        session, "payment_accounts", [a.id for a in accounts], day
    )
    for r in producers:
        kind = r.kind.value
        out["producers"] += 1
        out[f"producers.kind.{kind}"] += 1
        if any(
            a.producer_id == r.id
            # "opened": the word of the days before accounts took the plan's words
            and account_states.get(a.id, {}).get("status") in {"open", "opened"}
            for a in accounts
        ):
            out["producers.paying"] += 1
            out[f"producers.kind.{kind}.paying"] += 1
    return {k: v for k, v in out.items() if v}
