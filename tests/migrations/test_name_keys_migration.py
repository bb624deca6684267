"""The name keys' migration fills every producer's and product's key as the app folds it."""

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.producers import repository as producer_repository
from ocop_tracker.products import repository as product_repository
from tests.dbutil import required_row, tables_at

BEFORE = "d83b22bd5ac9"
AFTER = "7a3e5c1d9b42"
# More than one of the migration's batches (5,000 rows).
PRODUCTS = 5_003


def test_every_name_gets_its_key_and_the_same_name_check_uses_it(url: str) -> None:
    cfg = alembic_config(url)
    tables = tables_at(url, BEFORE)
    units, producers = tables["admin_units"], tables["producers"]
    products = tables["products"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(units.insert(), [required_row(units, id=1, name="Khóm 3")])
        conn.execute(
            producers.insert(),
            [
                required_row(
                    producers,
                    id=1,
                    hamlet_id=1,
                    name="HỘ ĐINH THỊ ẤN",
                    kind="household",
                ),
                required_row(
                    producers,
                    id=2,
                    hamlet_id=1,
                    name="HTX Mỹ Xuyên",
                    kind="cooperative",
                ),
            ],
        )
        conn.execute(
            products.insert(),
            [
                required_row(
                    products,
                    id=n + 1,
                    producer_id=1 + n % 2,
                    hamlet_id=1,
                    name="BÁNH PÍA SẦU RIÊNG" if n == 0 else f"Sản Phẩm {n}",
                    public_code=f"code{n:08d}",
                    kind="ocop",
                )
                for n in range(PRODUCTS)
            ],
        )
    engine.dispose()

    command.upgrade(cfg, AFTER)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, name_key FROM products")).all()
            owners = conn.execute(sa.text("SELECT name, name_key FROM producers")).all()
        assert len(rows) == PRODUCTS
        assert all(key == name.casefold() for name, key in [*rows, *owners])
        assert ("HỘ ĐINH THỊ ẤN", "hộ đinh thị ấn") in owners
        with Session(engine) as session:
            found = producer_repository.same_name(session, 1, "hộ đinh thị ấn")
            assert found is not None
            assert found.id == 1
            assert (
                producer_repository.same_name(
                    session, 1, "hộ đinh thị ấn", exclude_id=1
                )
                is None
            )
            pia = product_repository.same_name(session, 1, "Bánh Pía Sầu Riêng")
            assert pia is not None
            assert pia.id == 1
            # The last batch was filled too.
            last = product_repository.same_name(
                session, 1 + (PRODUCTS - 1) % 2, f"sản phẩm {PRODUCTS - 1}"
            )
            assert last is not None
            assert last.id == PRODUCTS
    finally:
        engine.dispose()
    command.downgrade(cfg, BEFORE)
