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
from typing import Any

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
from ocop_tracker.sellers.models import SellerAccount, SellerActivity
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import (
    CoachingVisit,
    TrainingAttendee,
    TrainingSession,
)


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


def shop_open_on(session: Session, account_id: int, day: dt.date) -> bool:
    """The seller account's status on ``day`` is "open", each status from its own day.

    Replayed from the trail: every change of status is an episode starting on
    its ``status_on`` (capped at the day it was recorded); a correction of the
    day moves the current episode's start. On ``day`` the status is the one of
    the latest-recorded episode started by then that no episode recorded after
    it starts on or before.
    """
    episodes: list[list[object]] = []
    last: object = None
    for _, action, recorded, after in history.row_changes(
        session, "seller_accounts", [account_id]
    ):
        if action == "delete":
            episodes.append([recorded, None])
            continue
        raw = after.get("status_on")
        start = recorded if raw is None else min(recorded, dt.date.fromisoformat(raw))
        if action == "create" or ("status" in after and after["status"] != last):
            last = after.get("status")
            episodes.append([start, last])
        elif raw is not None:
            episodes[-1][0] = start
    standing = [
        (i, e)
        for i, e in enumerate(episodes)
        if e[0] <= day  # type: ignore[operator]
        and not any(later[0] <= e[0] for later in episodes[i + 1 :])  # type: ignore[operator]
    ]
    return bool(standing) and standing[-1][1][1] == "open"


def recount_activity(
    session: Session, area_id: int, month: dt.date
) -> tuple[int, int, int]:
    """Shops with an order, orders and revenue of the area's shops in ``month``.

    At each shop's hamlet today, under the tree of the month's last day.
    """
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    under = hamlets_on(session, area_id, last - dt.timedelta(days=1))
    active = orders = revenue = 0
    for row in session.scalars(
        select(SellerActivity).where(SellerActivity.month == month)
    ):
        account = session.get_one(SellerAccount, row.seller_account_id)
        if under is not None and account.hamlet_id not in under:
            continue
        active += row.orders > 0
        orders += row.orders
        revenue += row.revenue_vnd
    return active, orders, revenue


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
            paying = True
        else:
            paying = False
        shops = {
            a.marketplace_id
            for a in session.scalars(
                select(SellerAccount).where(SellerAccount.producer_id == r.id)
            )
            if shop_open_on(session, a.id, day)
        }
        if shops:
            out["producers.shop"] += 1
            out[f"producers.kind.{kind}.shop"] += 1
            for m in shops:
                out[f"producers.shop.{m}"] += 1
            if paying:
                out["producers.shop_paying"] += 1
                out[f"producers.kind.{kind}.shop_paying"] += 1
        if named and named <= shops:
            out["producers.shop.both"] += 1
        trained = attended_by(session, TrainingAttendee.producer_id, r.id, day)
        if trained:
            out["producers.trained"] += 1
            out[f"producers.kind.{kind}.trained"] += 1
        if holds_ocop(session, r.id, day):
            out["producers.ocop"] += 1
            out[f"producers.kind.{kind}.ocop"] += 1
            if trained:
                out["producers.ocop.trained"] += 1
                out[f"producers.kind.{kind}.ocop.trained"] += 1
    members_alive = history.ids_existing_on(session, "team_members", day)
    for person in session.scalars(select(TeamMember)):
        if person.id not in members_alive or (
            under is not None and person.hamlet_id not in under
        ):
            continue
        out["members"] += 1
        if attended_by(session, TrainingAttendee.member_id, person.id, day):
            out["members.trained"] += 1
    return {k: v for k, v in out.items() if v}


def attended_by(session: Session, column: Any, subject_id: int, day: dt.date) -> bool:
    """The producer or member attended a session held on or before ``day``."""
    return (
        session.scalar(
            select(TrainingSession.id)
            .join(TrainingAttendee, TrainingAttendee.session_id == TrainingSession.id)
            .where(column == subject_id, TrainingSession.held_on <= day)
            .limit(1)
        )
        is not None
    )


def holds_ocop(session: Session, producer_id: int, day: dt.date) -> bool:
    """One of the producer's OCOP products has a certificate in force on ``day``."""
    for product in session.scalars(
        select(Product).where(Product.producer_id == producer_id)
    ):
        if product.kind.value != "ocop":
            continue
        certs = session.scalars(
            select(Certificate).where(Certificate.product_id == product.id)
        ).all()
        if product_rules.current_certificate(certs, day) is not None:
            return True
    return False


def recount_training(
    session: Session, area_id: int, month: dt.date
) -> tuple[int, int, int]:
    """Sessions, attendees and coaching visits of the area in ``month``, each
    at its place, under the tree of the month's last day."""
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    under = hamlets_on(session, area_id, last - dt.timedelta(days=1))
    sessions = attendees = visits = 0
    for s in session.scalars(
        select(TrainingSession).where(
            TrainingSession.held_on >= month, TrainingSession.held_on < last
        )
    ):
        if under is None or s.area_id in under:
            sessions += 1
            attendees += len(
                session.scalars(
                    select(TrainingAttendee).where(TrainingAttendee.session_id == s.id)
                ).all()
            )
    for v in session.scalars(
        select(CoachingVisit).where(
            CoachingVisit.visited_on >= month, CoachingVisit.visited_on < last
        )
    ):
        visits += under is None or v.hamlet_id in under
    return sessions, attendees, visits
