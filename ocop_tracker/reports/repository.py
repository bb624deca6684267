"""Every SQL statement of reports outside the ledger: action list, teams, submissions."""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink
from ocop_tracker.core import query, refcache
from ocop_tracker.onboarding import repository as onboarding_repository
from ocop_tracker.onboarding.models import (
    Decision,
    Listing,
    ListingStatus,
    Marketplace,
    MarketplaceStep,
    StepRecord,
    StepStatus,
    Verification,
)
from ocop_tracker.producers.models import (
    PaymentAccount,
    PaymentKind,
    PaymentStatus,
    Producer,
)
from ocop_tracker.products.models import Certificate, OcopGroup, Product, ProductKind
from ocop_tracker.reports.models import NATION, ReportSubmission
from ocop_tracker.teams.models import Position, Team, TeamMember


def in_force(day: dt.date) -> Any:
    """Certificates valid on ``day``."""
    return and_(
        Certificate.decision_date <= day,
        Certificate.expires_on >= day,
        or_(Certificate.revoked_on.is_(None), Certificate.revoked_on > day),
    )


def _under(column: Any, area_id: int, day: dt.date) -> Any:
    if area_id == NATION:
        return column.is_not(None)
    return column.in_(area_repository.subtree_ids(area_id, day=day))


def _within(
    column: Any, area_id: int, hamlet_id: int | None, day: dt.date
) -> list[Any]:
    """Rows under the area, and under the chosen hamlet too when there is one."""
    where = [_under(column, area_id, day)]
    if hamlet_id is not None:
        where.append(_under(column, hamlet_id, day))
    return where


def unlisted(
    session: Session,
    area_id: int,
    day: dt.date,
    *,
    hamlet_id: int | None,
    marketplace_id: int | None,
    blocked_only: bool,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    """Valid OCOP products with no live verified listing, longest waiting first."""
    live = exists().where(
        Listing.product_id == Product.id, Listing.status == ListingStatus.listed
    )
    valid = exists().where(Certificate.product_id == Product.id, in_force(day))
    last_move = (
        select(func.max(Listing.updated_at))
        .where(Listing.product_id == Product.id)
        .scalar_subquery()
    )
    stmt = (
        select(Product, Producer, AdminUnit, last_move.label("last_move"))
        .join(Producer, Producer.id == Product.producer_id)
        .join(AdminUnit, AdminUnit.id == Product.hamlet_id)
        .where(
            Product.kind == ProductKind.ocop,
            valid,
            ~live,
            *_within(Product.hamlet_id, area_id, hamlet_id, day),
        )
    )
    if marketplace_id is not None:
        stmt = stmt.where(
            ~exists().where(
                Listing.product_id == Product.id,
                Listing.marketplace_id == marketplace_id,
                Listing.status == ListingStatus.listed,
            )
        )
    if blocked_only:
        stmt = stmt.where(
            exists()
            .where(Listing.product_id == Product.id)
            .where(
                exists().where(
                    StepRecord.listing_id == Listing.id,
                    StepRecord.status == StepStatus.blocked,
                    onboarding_repository.step_asked(),
                )
            )
        )
    total = query.count(session, stmt)
    rows = session.execute(
        stmt.order_by(func.coalesce(last_move, Product.created_at), Product.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def listings_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each product's listings with the marketplace."""
    out: dict[int, list[Any]] = defaultdict(list)
    if not product_ids:
        return out
    for listing, market in session.execute(
        select(Listing, Marketplace)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .where(Listing.product_id.in_(product_ids))
        .order_by(Marketplace.id)
    ):
        out[listing.product_id].append((listing, market))
    return out


@dataclass(frozen=True)
class StepRefs:
    """The steps' names and retirements, read together (one statement)."""

    # A name for each step code (the first marketplace's wording).
    names: Mapping[str, str]
    # Each retired step code and the day it was retired (the earliest, if several).
    retired: Mapping[str, dt.date]


def step_refs(session: Session) -> StepRefs:
    """Every step code's name and, when retired, the day it was (kept in the
    worker's memory between requests: ``core/refcache.py``)."""
    return refcache.remember(session, "step_refs", lambda: _step_refs(session))


def _step_refs(session: Session) -> StepRefs:
    names: dict[str, str] = {}
    retired: dict[str, dt.date] = {}
    stmt = select(
        MarketplaceStep.code, MarketplaceStep.name, MarketplaceStep.retired_on
    ).order_by(MarketplaceStep.marketplace_id, MarketplaceStep.position)
    for code, name, day in session.execute(stmt):
        names.setdefault(code, name)
        if day is not None and (code not in retired or day < retired[code]):
            retired[code] = day
    return StepRefs(MappingProxyType(names), MappingProxyType(retired))


def blocked_of(
    session: Session, listing_ids: Sequence[int]
) -> dict[int, list[StepRecord]]:
    """Blocked steps of each listing."""
    out: dict[int, list[StepRecord]] = defaultdict(list)
    if not listing_ids:
        return out
    for record in session.scalars(
        select(StepRecord).where(
            StepRecord.listing_id.in_(listing_ids),
            StepRecord.status == StepStatus.blocked,
            onboarding_repository.step_asked(),
        )
    ):
        out[record.listing_id].append(record)
    return out


def best_stars(
    session: Session, product_ids: Sequence[int], day: dt.date
) -> dict[int, int]:
    """Stars of each product's certificates in force (the highest)."""
    if not product_ids:
        return {}
    stmt = (
        select(Certificate.product_id, func.max(Certificate.stars))
        .where(Certificate.product_id.in_(product_ids), in_force(day))
        .group_by(Certificate.product_id)
    )
    return {row[0]: row[1] for row in session.execute(stmt)}


def teams_of(
    session: Session, hamlet_ids: Sequence[int]
) -> dict[int, tuple[Team, str | None]]:
    """Each hamlet's team and its leader's name."""
    if not hamlet_ids:
        return {}
    leaders = {
        row[0]: row[1]
        for row in session.execute(
            select(TeamMember.hamlet_id, TeamMember.full_name).where(
                TeamMember.hamlet_id.in_(hamlet_ids),
                TeamMember.position == Position.leader,
            )
        )
    }
    return {
        team.hamlet_id: (team, leaders.get(team.hamlet_id))
        for team in session.scalars(select(Team).where(Team.hamlet_id.in_(hamlet_ids)))
    }


def expiring(
    session: Session,
    area_id: int,
    day: dt.date,
    until: dt.date,
    *,
    hamlet_id: int | None,
    limit: int,
) -> list[Any]:
    """Certificates in force on ``day`` whose last day is by ``until``."""
    stmt = (
        select(Certificate, Product, AdminUnit)
        .join(Product, Product.id == Certificate.product_id)
        .join(AdminUnit, AdminUnit.id == Product.hamlet_id)
        .where(
            in_force(day),
            Certificate.expires_on <= until,
            *_within(Product.hamlet_id, area_id, hamlet_id, day),
        )
        .order_by(Certificate.expires_on, Certificate.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def troubled(
    session: Session,
    area_id: int,
    day: dt.date,
    *,
    hamlet_id: int | None,
    marketplace_id: int | None,
    limit: int,
) -> list[Any]:
    """Listings rejected or delisted, newest change first."""
    stmt = (
        select(Listing, Product, Marketplace, AdminUnit)
        .join(Product, Product.id == Listing.product_id)
        .join(Marketplace, Marketplace.id == Listing.marketplace_id)
        .join(AdminUnit, AdminUnit.id == Listing.hamlet_id)
        .where(
            Listing.status.in_((ListingStatus.rejected, ListingStatus.delisted)),
            *_within(Listing.hamlet_id, area_id, hamlet_id, day),
        )
        .order_by(Listing.updated_at.desc(), Listing.id)
        .limit(limit)
    )
    if marketplace_id is not None:
        stmt = stmt.where(Listing.marketplace_id == marketplace_id)
    return list(session.execute(stmt).all())


def last_rejections(session: Session, listing_ids: Sequence[int]) -> dict[int, str]:
    """The comment of each listing's latest rejection."""
    if not listing_ids:
        return {}
    out: dict[int, str] = {}
    for v in session.scalars(
        select(Verification)
        .where(
            Verification.listing_id.in_(listing_ids),
            Verification.decision == Decision.rejected,
        )
        .order_by(Verification.decided_at)
    ):
        out[v.listing_id] = v.comment or ""
    return out


def teams_in(
    session: Session, area_id: int, day: dt.date
) -> list[tuple[Team, AdminUnit]]:
    """Teams whose hamlet lies under the area on ``day``."""
    return [
        (t, u)
        for t, u in session.execute(
            select(Team, AdminUnit)
            .join(AdminUnit, AdminUnit.id == Team.hamlet_id)
            .where(_under(Team.hamlet_id, area_id, day))
            .order_by(AdminUnit.search_key, AdminUnit.id)
        )
    ]


def areas_with_teams(
    session: Session, area_ids: Sequence[int], day: dt.date
) -> set[int]:
    """Those of the areas that hold a team on ``day`` (in themselves or below)."""
    if not area_ids:
        return set()
    stmt = (
        select(AdminUnitLink.ancestor_id)
        .join(Team, Team.hamlet_id == AdminUnitLink.descendant_id)
        .where(
            AdminUnitLink.ancestor_id.in_(area_ids),
            area_repository.link_valid_on(day),
        )
        .distinct()
    )
    return set(session.scalars(stmt))


def progress(
    session: Session,
    hamlet_ids: Sequence[int],
    since: dt.datetime | None,
    until: dt.datetime,
) -> tuple[dict[int, int], dict[int, int]]:
    """Per hamlet: products with a step done, products verified listed, in [since, until)."""
    if not hamlet_ids:
        return {}, {}
    moved = _products_per_hamlet(
        session,
        StepRecord,
        StepRecord.status == StepStatus.done,
        StepRecord.done_at,
        hamlet_ids,
        since,
        until,
    )
    listed = _products_per_hamlet(
        session,
        Verification,
        Verification.decision == Decision.approved,
        Verification.decided_at,
        hamlet_ids,
        since,
        until,
    )
    return moved, listed


def _products_per_hamlet(
    session: Session,
    record: type[StepRecord] | type[Verification],
    happened: ColumnElement[bool],
    at: InstrumentedAttribute[dt.datetime],
    hamlet_ids: Sequence[int],
    since: dt.datetime | None,
    until: dt.datetime,
) -> dict[int, int]:
    """Per hamlet, the products whose listings have a ``record`` that ``happened``
    with its time ``at`` in [since, until)."""
    stmt = (
        select(record.hamlet_id, func.count(func.distinct(Listing.product_id)))
        .join(Listing, Listing.id == record.listing_id)
        .where(record.hamlet_id.in_(hamlet_ids), happened, at < until)
        .group_by(record.hamlet_id)
    )
    if since is not None:
        stmt = stmt.where(at >= since)
    return {row[0]: row[1] for row in session.execute(stmt)}


def group_names(session: Session) -> Mapping[int, str]:
    """OCOP group names by id (kept in memory: ``core/refcache.py``)."""
    return refcache.remember(session, "group_names", lambda: _group_names(session))


def _group_names(session: Session) -> Mapping[int, str]:
    stmt = select(OcopGroup.id, OcopGroup.name).order_by(OcopGroup.id)
    return MappingProxyType({row[0]: row[1] for row in session.execute(stmt)})


@dataclass(frozen=True)
class MarketRef:
    """A marketplace's id, code, domain and name."""

    id: int
    code: str
    domain: str
    name: str


def market_refs(session: Session) -> Sequence[MarketRef]:
    """Every marketplace, the named ones first (Core: no ORM objects; kept in
    memory: ``core/refcache.py``)."""
    return refcache.remember(session, "market_refs", lambda: _market_refs(session))


def _market_refs(session: Session) -> Sequence[MarketRef]:
    stmt = select(
        Marketplace.id, Marketplace.code, Marketplace.domain, Marketplace.name
    ).order_by(Marketplace.is_named_in_plan.desc(), Marketplace.id)
    return tuple(MarketRef(*row) for row in session.execute(stmt))


def marketplaces(session: Session) -> list[Marketplace]:
    """Every marketplace, the named ones first."""
    return list(
        session.scalars(
            select(Marketplace).order_by(
                Marketplace.is_named_in_plan.desc(), Marketplace.id
            )
        )
    )


def step_names(session: Session) -> Mapping[str, str]:
    """A name for each step code (the first marketplace's wording)."""
    return step_refs(session).names


@dataclass(frozen=True)
class UnitRef:
    """An area's id, name and level (no ORM object: dashboards list hundreds)."""

    id: int
    name: str
    level: str
    # False for a root no longer in force on the day (a 2022 province): shown
    # only while hamlets not yet re-homed still count under it.
    current: bool = True


def children_refs(session: Session, area_id: int, day: dt.date) -> Sequence[UnitRef]:
    """Units directly under an area on ``day`` (the provinces for the country;
    kept in memory: ``core/refcache.py``)."""
    return refcache.remember(
        session,
        ("children", area_id, day),
        lambda: tuple(_children_refs(session, area_id, day)),
    )


def _children_refs(session: Session, area_id: int, day: dt.date) -> list[UnitRef]:
    if area_id == NATION:
        roots = (
            select(
                AdminUnit.id,
                AdminUnit.name,
                AdminUnit.level,
                AdminUnit.valid_from,
                AdminUnit.valid_to,
            )
            .where(AdminUnit.parent_id.is_(None))
            .order_by(AdminUnit.search_key, AdminUnit.id)
        )
        return [
            UnitRef(
                i,
                n,
                str(lv.value),
                (vf is None or vf <= day) and (vt is None or vt >= day),
            )
            for i, n, lv, vf, vt in session.connection().execute(roots)
        ]
    stmt = (
        select(AdminUnit.id, AdminUnit.name, AdminUnit.level)
        .join(AdminUnitLink, AdminUnitLink.descendant_id == AdminUnit.id)
        .where(
            AdminUnitLink.ancestor_id == area_id,
            AdminUnitLink.depth == 1,
            area_repository.link_valid_on(day),
        )
        .order_by(AdminUnit.search_key, AdminUnit.id)
    )
    # Read on the connection: a Core read of a few hundred rows, without the
    # ORM's per-statement work.
    return [
        UnitRef(i, n, str(lv.value)) for i, n, lv in session.connection().execute(stmt)
    ]


def roots_on(session: Session, day: dt.date) -> list[AdminUnit]:
    """Provinces (tree roots) in force on ``day``."""
    return list(
        session.scalars(
            select(AdminUnit)
            .where(
                AdminUnit.parent_id.is_(None),
                or_(AdminUnit.valid_from.is_(None), AdminUnit.valid_from <= day),
                or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= day),
            )
            .order_by(AdminUnit.search_key, AdminUnit.id)
        )
    )


# --- submissions ---------------------------------------------------------------------


def latest_version(session: Session, area_id: int, month: dt.date) -> int:
    """The highest version submitted for an area and month (0 = none)."""
    return (
        session.scalar(
            select(func.max(ReportSubmission.version)).where(
                ReportSubmission.area_id == area_id, ReportSubmission.month == month
            )
        )
        or 0
    )


def submissions_for(
    session: Session, area_ids: Sequence[int], month: dt.date
) -> dict[int, list[ReportSubmission]]:
    """Every version submitted by each area for a month, oldest first."""
    out: dict[int, list[ReportSubmission]] = defaultdict(list)
    if not area_ids:
        return out
    for s in session.scalars(
        select(ReportSubmission)
        .where(ReportSubmission.area_id.in_(area_ids), ReportSubmission.month == month)
        .order_by(ReportSubmission.version)
    ):
        out[s.area_id].append(s)
    return out


def mobile_money_waiting(
    session: Session, area_id: int, day: dt.date, *, hamlet_id: int | None, limit: int
) -> list[Any]:
    """Mobile Money accounts guided or applied for, longest waiting first:
    (account, producer, hamlet) — one statement."""
    stmt = (
        select(PaymentAccount, Producer, AdminUnit)
        .join(Producer, Producer.id == PaymentAccount.producer_id)
        .join(AdminUnit, AdminUnit.id == PaymentAccount.hamlet_id)
        .where(
            PaymentAccount.kind == PaymentKind.mobile_money,
            PaymentAccount.status.in_((PaymentStatus.guided, PaymentStatus.applied)),
            *_within(PaymentAccount.hamlet_id, area_id, hamlet_id, day),
        )
        .order_by(PaymentAccount.status_on, PaymentAccount.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())
