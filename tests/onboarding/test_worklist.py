"""The worklist read: ranked, kept inside the caller's area, and batched."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.onboarding import marketplaces, workflow
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import worklist as onboarding_worklist
from ocop_tracker.onboarding.models import ListingStatus
from tests.factories import (
    make_actor,
    make_hamlet,
    make_listing,
    make_producer,
    make_product,
)
from tests.onboarding.conftest import Pilot, actor


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    seen: list[str] = []
    engine = session.connection().engine

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _hamlet_of(session: Session, pilot: Pilot, products: int) -> AdminUnit:
    """A fresh hamlet whose products are each blocked on voso.vn and under way on
    postmart.vn: every row has listings and a blocked step to read."""
    assert pilot.khom3.parent_id is not None
    commune = session.get(AdminUnit, pilot.khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    who = make_actor(session)
    first = next(
        s.code
        for s in marketplaces.step_defs(session, pilot.voso.id)
        if s.code != workflow.RULE_STEP
    )
    for _ in range(products):
        product = make_product(session, make_producer(session, hamlet))
        listing = make_listing(
            session, product, "voso", status=ListingStatus.in_progress
        )
        onboarding_service.block_step(
            session,
            who,
            listing,
            step=first,
            reason="Chủ thể chưa có tài khoản ngân hàng",
            version=listing.version,
        )
        make_listing(session, product, "postmart", status=ListingStatus.in_progress)
    session.commit()
    return hamlet


def _count(session: Session, read: Callable[[], object]) -> int:
    session.expire_all()
    with statements(session) as seen:
        read()
    return len(seen)


def test_a_worklist_of_3_and_of_30_products_costs_the_same_statements(
    session: Session, pilot: Pilot
) -> None:
    small = _hamlet_of(session, pilot, 3)
    large = _hamlet_of(session, pilot, 30)
    who = make_actor(session)

    few = onboarding_worklist.worklist(session, who, area_id=small.id)
    many = onboarding_worklist.worklist(session, who, area_id=large.id)
    assert (len(few.rows), few.total) == (3, 3)
    assert (len(many.rows), many.total) == (30, 30)
    for row in many.rows:
        kinds = {s.market.code: s.kind for s in row.markets}
        assert kinds["voso"] == "blocked"
        assert kinds["postmart"] == "doing"
        assert row.rank == onboarding_worklist.RANK_BLOCKED
        assert row.hamlet == large.name

    cost_of_3 = _count(
        session, lambda: onboarding_worklist.worklist(session, who, area_id=small.id)
    )
    cost_of_30 = _count(
        session, lambda: onboarding_worklist.worklist(session, who, area_id=large.id)
    )
    assert 0 < cost_of_3 == cost_of_30


def test_the_worklist_ranks_what_needs_action_first(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    make_listing(session, pilot.product, "voso", status=ListingStatus.listed)
    make_listing(session, pilot.other_product, "voso", status=ListingStatus.rejected)
    session.commit()

    rows = onboarding_worklist.worklist(session, member).rows
    ids = [r.product.id for r in rows]
    # Rejected (rank 0) before listed on one marketplace, not started on the other.
    assert ids.index(pilot.other_product.id) < ids.index(pilot.product.id)
    ranks = [r.rank for r in rows]
    assert ranks == sorted(ranks)
    rejected = next(r for r in rows if r.product.id == pilot.other_product.id)
    voso = next(s for s in rejected.markets if s.market.id == pilot.voso.id)
    assert (voso.kind, voso.status) == ("rejected", ListingStatus.rejected)


def test_the_worklist_stays_inside_the_callers_area(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    ids = {r.product.id for r in onboarding_worklist.worklist(session, member).rows}
    assert pilot.product.id in ids
    assert pilot.foreign_product.id not in ids
    with pytest.raises(OutOfScope):
        onboarding_worklist.worklist(session, member, area_id=pilot.anthuong.id)
