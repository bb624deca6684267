"""Coverage answers kept between requests (``reports.service.KEPT_ANSWERS``),
stamped with the area's revision and the ledger's state: a commit that moves a
figure under the area is seen by the next read, a commit elsewhere keeps the
answer, and a transaction's own uncommitted figures are never kept."""

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Level
from ocop_tracker.core import clock
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Certificate
from ocop_tracker.reports import ledger, segments
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.models import NATION, ReportRevision
from ocop_tracker.reports.schemas import Coverage
from tests.factories import (
    make_actor,
    make_hamlet,
    make_producer,
    make_product,
    pilot_hamlet,
)
from tests.reports.naive import recount

CURRENT = AdminUnitLink.valid_to.is_(None)


def _chain(session: Session, hamlet: AdminUnit) -> list[int]:
    """The hamlet, its ancestors and the country."""
    ancestors = session.scalars(
        select(AdminUnitLink.ancestor_id).where(
            AdminUnitLink.descendant_id == hamlet.id, CURRENT
        )
    ).all()
    return sorted({hamlet.id, *ancestors, NATION})


def _province_of(session: Session, hamlet: AdminUnit) -> AdminUnit:
    return session.scalars(
        select(AdminUnit)
        .join(AdminUnitLink, AdminUnitLink.ancestor_id == AdminUnit.id)
        .where(
            AdminUnitLink.descendant_id == hamlet.id,
            AdminUnit.level == Level.province,
            CURRENT,
        )
    ).one()


def _commune_of(session: Session, hamlet: AdminUnit) -> AdminUnit:
    commune = session.get(AdminUnit, hamlet.parent_id)
    assert commune is not None
    assert commune.level is Level.commune
    return commune


def _sibling_commune_hamlet(session: Session, commune: AdminUnit) -> AdminUnit:
    """A new hamlet in another commune of the same parent."""
    other = session.scalars(
        select(AdminUnit)
        .where(AdminUnit.parent_id == commune.parent_id, AdminUnit.id != commune.id)
        .order_by(AdminUnit.id)
    ).first()
    assert other is not None
    return make_hamlet(session, other)


def _revisions(session: Session, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(ReportRevision.area_id, ReportRevision.rev).where(
            ReportRevision.area_id.in_(ids)
        )
    ).all()
    return dict.fromkeys(ids, 0) | dict(rows)


def _coverage(session: Session, area: AdminUnit) -> Coverage:
    where = report_service.resolve_area(
        session, make_actor(session), area.id, past=True
    )
    return report_service.coverage_of(session, where, clock.today())


@dataclass
class _Province:
    hamlet: AdminUnit
    province: AdminUnit
    producer: Producer
    kept: Coverage  # its coverage, kept


def _a_producer_and_its_province(session: Session) -> _Province:
    hamlet = pilot_hamlet(session)
    province = _province_of(session, hamlet)
    producer = make_producer(session, hamlet)
    session.commit()
    return _Province(hamlet, province, producer, _coverage(session, province))


def test_a_commit_under_the_area_is_read_at_once(session: Session) -> None:
    hamlet = pilot_hamlet(session)
    province = _province_of(session, hamlet)
    producer = make_producer(session, hamlet)
    session.commit()
    first = _coverage(session, province)
    assert _coverage(session, province) is first  # kept

    chain = _chain(session, hamlet)
    before = _revisions(session, chain)
    make_product(session, producer, stars=4)
    session.commit()
    # One bump per commit, for the hamlet, each ancestor and the country.
    assert _revisions(session, chain) == {a: r + 1 for a, r in before.items()}

    again = _coverage(session, province)
    assert again is not first
    assert again.ocop.total == first.ocop.total + 1
    assert again.ocop.total == recount(session, province.id, again.as_of)["ocop"]
    assert _coverage(session, province) is again


def test_a_commit_elsewhere_keeps_the_answer(session: Session) -> None:
    hamlet = pilot_hamlet(session)
    commune = _commune_of(session, hamlet)
    province = _province_of(session, hamlet)
    elsewhere = _sibling_commune_hamlet(session, commune)
    producer = make_producer(session, elsewhere)
    session.commit()
    kept = _coverage(session, commune)
    whole = _coverage(session, province)
    before = _revisions(session, [commune.id])

    make_product(session, producer, stars=3)
    session.commit()

    # The other commune's figures moved: this commune's answer stands.
    assert _revisions(session, [commune.id]) == before
    assert _coverage(session, commune) is kept
    assert _coverage(session, province).ocop.total == whole.ocop.total + 1


def test_a_writing_transaction_sees_its_own_figures_and_keeps_nothing(
    session: Session,
) -> None:
    w = _a_producer_and_its_province(session)

    make_product(session, w.producer, stars=5)
    mine = _coverage(session, w.province)  # the ledger synced, not committed
    assert mine.ocop.total == w.kept.ocop.total + 1
    assert _coverage(session, w.province) is not mine  # never kept
    session.rollback()
    session.expire_all()

    # Nothing was committed: the kept answer still stands, and is still true.
    assert _coverage(session, w.province) is w.kept
    assert w.kept.ocop.total == recount(session, w.province.id, w.kept.as_of)["ocop"]


def test_a_savepoint_rolled_back_loses_nothing_noted_before_it(
    session: Session,
) -> None:
    w = _a_producer_and_its_province(session)
    chain = _chain(session, w.hamlet)
    before = _revisions(session, chain)

    make_product(session, w.producer, stars=4)  # flushed, noted for the ledger
    assert _coverage(session, w.province).ocop.total == w.kept.ocop.total + 1
    make_product(session, w.producer, stars=3)  # noted, not yet synced
    with session.begin_nested() as refused:  # a form refused in a savepoint
        make_product(session, w.producer, stars=5)
        refused.rollback()
    session.commit()

    assert _revisions(session, chain) == {a: r + 1 for a, r in before.items()}
    now = _coverage(session, w.province)
    assert now.ocop.total == w.kept.ocop.total + 2
    assert now.ocop.total == recount(session, w.province.id, now.as_of)["ocop"]


def test_a_rebuild_is_a_new_stamp(session: Session) -> None:
    hamlet = pilot_hamlet(session)
    province = _province_of(session, hamlet)
    producer = make_producer(session, hamlet)
    product = make_product(session, producer, stars=4)
    session.commit()
    kept = _coverage(session, province)
    conn = session.connection()
    stamp = ledger.stamp(conn, province.id)

    # A change made around the application (plain SQL) moves no revision …
    conn.execute(
        update(Certificate)
        .where(Certificate.product_id == product.id)
        .values(revoked_on=clock.today())
    )
    assert ledger.stamp(conn, province.id) == stamp
    # … until the ledger is rebuilt, as after any bulk change.
    segments.rebuild(conn)
    assert ledger.stamp(conn, province.id) != stamp
    fresh = _coverage(session, province)
    assert fresh is not kept
    assert fresh.ocop.total == kept.ocop.total - 1
