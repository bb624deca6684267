"""The reads a coverage answer computed from the counts makes: a child's figures
asked of the children that need them, the monthly tables read together, and
the answer validated at once — each the same as the reads and models it
replaced."""

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock
from ocop_tracker.products.models import ProductKind
from ocop_tracker.reports import repository, views
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.schemas import ChildLine, Coverage
from tests.factories import (
    make_actor,
    make_hamlet,
    make_producer,
    make_product,
    pilot_hamlet,
)


@pytest.fixture
def no_kept_answers() -> Iterator[None]:
    """No coverage answer kept before or after the test (it changes the tree)."""
    report_service.KEPT_ANSWERS.clear()
    yield
    report_service.KEPT_ANSWERS.clear()


def _commune_and_two_new_hamlets(
    session: Session,
) -> tuple[AdminUnit, AdminUnit, AdminUnit]:
    commune = session.get(AdminUnit, pilot_hamlet(session).parent_id)
    assert commune is not None
    return commune, make_hamlet(session, commune), make_hamlet(session, commune)


def _coverage(session: Session, area: AdminUnit, day: dt.date) -> Coverage:
    where = report_service.resolve_area(
        session, make_actor(session), area.id, past=True
    )
    return report_service.coverage_of(session, where, day)


def test_one_read_gives_the_figures_the_separate_reads_give(
    session: Session,
) -> None:
    commune, ocop, other = _commune_and_two_new_hamlets(session)
    make_product(session, make_producer(session, ocop), stars=4)
    make_product(session, make_producer(session, other), kind=ProductKind.specialty)
    make_product(session, make_producer(session, other), stars=3)
    session.commit()
    conn = session.connection()
    today = clock.today()
    months = report_service.activity_months(today)
    kids = [c.id for c in repository.children_refs(session, commune.id, today)]
    assert {ocop.id, other.id} <= set(kids)
    figures, extra = report_service.CHILD_FIGURES, report_service.RETIRED_CHILD
    got = views.coverage_figures(
        conn,
        commune.id,
        kids,
        today,
        figures,
        months,
        extra_ids={other.id},
        extra_metrics=extra,
    )
    assert got.source == "counts"
    want, _ = views.read(conn, [commune.id, *kids], today)
    assert got.own == want[commune.id]
    for kid in kids:
        asked = (*figures, *extra) if kid == other.id else figures
        assert got.children[kid] == {
            m: v for m, v in want[kid].items() if m in asked
        }, kid
    assert got.children[other.id]["other"] == 1
    assert "other" not in got.children[ocop.id]
    shops = views.activity(conn, commune.id, months)
    trained = views.training(conn, commune.id, months)
    assert (got.activity, got.training) == (shops, trained)
    assert views.activity_and_training(conn, commune.id, months) == (shops, trained)
    # No child asked anything more, or no child at all: the same figures.
    plain = views.coverage_figures(conn, commune.id, kids, today, figures, months)
    assert plain.children == {
        kid: {m: v for m, v in got.children[kid].items() if m not in extra}
        for kid in kids
    }
    alone = views.coverage_figures(conn, commune.id, [], today, figures, months)
    assert (alone.own, alone.children, alone.activity, alone.training) == (
        got.own,
        {},
        shops,
        trained,
    )
    # Another day: the area and its children read apart, every child asked all.
    past = today - dt.timedelta(days=1)
    then = views.coverage_figures(
        conn,
        commune.id,
        kids,
        past,
        figures,
        months,
        extra_ids={other.id},
        extra_metrics=extra,
    )
    own, source = views.read(conn, [commune.id], past)
    assert (then.own, then.source) == (own[commune.id], source)
    assert then.children == views.read(conn, kids, past, [*figures, *extra])[0]
    assert (then.activity, then.training) == (shops, trained)


def test_a_retired_child_shows_while_it_still_holds_products(
    session: Session, monkeypatch: pytest.MonkeyPatch, no_kept_answers: None
) -> None:
    """A child no longer in force on the day (a 2022 province under the
    country) keeps its line while anything counts under it, OCOP or not."""
    commune, holding, empty = _commune_and_two_new_hamlets(session)
    make_product(
        session, make_producer(session, holding), kind=ProductKind.agricultural
    )
    session.commit()
    today = clock.today()
    before = _coverage(session, commune, today)
    children = repository.children_refs

    def retired(
        session: Session, area_id: int, day: dt.date
    ) -> Sequence[repository.UnitRef]:
        return tuple(
            dataclasses.replace(c, current=False)
            if c.id in (holding.id, empty.id)
            else c
            for c in children(session, area_id, day)
        )

    monkeypatch.setattr(repository, "children_refs", retired)
    report_service.KEPT_ANSWERS.clear()
    after = _coverage(session, commune, today)
    assert after.source == "counts"
    kept = {c.area_id: c for c in after.by_child}
    assert holding.id in kept, "it holds an agricultural product"
    assert empty.id not in kept, "nothing counts under it"
    assert kept[holding.id] == ChildLine(
        key=str(holding.id),
        label=holding.name,
        total=0,
        listed=0,
        percent=None,
        area_id=holding.id,
        level="hamlet",
        both=0,
    )
    assert [c for c in before.by_child if c.area_id != empty.id] == after.by_child


def test_the_answer_is_the_models_it_was_built_of(session: Session) -> None:
    """Validated at once, the answer is made of the report's own models, each
    value checked: the same as built model by model."""
    hamlet = pilot_hamlet(session)
    producer = make_producer(session, hamlet)
    make_product(session, producer, stars=5)
    make_product(session, producer, kind=ProductKind.specialty)
    session.commit()
    commune = session.get(AdminUnit, hamlet.parent_id)
    assert commune is not None
    answer = _coverage(session, commune, clock.today())
    again = Coverage.model_validate(answer.model_dump())
    assert again == answer
    assert again.model_dump_json() == answer.model_dump_json()
    assert all(type(c) is ChildLine for c in answer.by_child)
    assert len(answer.activity) == len(answer.training.months) == 12
    assert [m.month for m in answer.activity] == sorted(
        m.month for m in answer.activity
    )
    assert answer.ocop.total >= 1
    assert answer.other.total >= 1
