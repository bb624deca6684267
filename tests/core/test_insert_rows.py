"""Records inserted in bulk (``core.db.insert_rows``) get the ids the database
would give them, each on its own row, past every id the table has held."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import db
from ocop_tracker.core.base import new_row
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.producers.service import producer_columns
from tests.factories import make_producer, pilot_hamlet


def test_rows_without_ids_get_new_ids_each_on_its_own_row(session: Session) -> None:
    hamlet = pilot_hamlet(session)
    kept = make_producer(session, hamlet, name="Hộ đứng trước")
    gone = make_producer(session, hamlet, name="Hộ đã xoá")
    session.delete(gone)
    session.flush()
    names = [f"Hộ nhập thứ {n}" for n in range(1, 8)]
    rows = [
        new_row(
            Producer,
            producer_columns(
                hamlet_id=hamlet.id, kind=ProducerKind.household, name=name
            ),
        )
        for name in names
    ]
    db.insert_rows(session, Producer, rows)

    stored = {
        row.name: row.id
        for row in session.execute(
            select(Producer.name, Producer.id).where(Producer.name.in_(names))
        )
    }
    assert {row["name"]: row["id"] for row in rows} == stored
    assert len(set(stored.values())) == len(names)
    assert min(stored.values()) > kept.id
    after = make_producer(session, hamlet, name="Hộ đến sau")
    assert after.id > max(stored.values())
