"""The e-payment accounts' migration (issue 16) keeps every account, in the new words."""

import sqlalchemy as sa
from alembic import command

from ocop_tracker.core.migrate import alembic_config
from tests.dbutil import required_row, tables_at

BEFORE = "c3e9f1a27b45"
AFTER = "6d8e3f0b52a1"


def test_accounts_move_to_the_plans_words_and_back(url: str) -> None:
    cfg = alembic_config(url)
    tables = tables_at(url, BEFORE)
    units, producers = tables["admin_units"], tables["producers"]
    accounts = tables["payment_accounts"]
    engine = sa.create_engine(url)
    old = [
        ("viettel_money", "opened", "4567"),
        ("vnpt_money", "in_progress", None),
        ("bank", "none", None),
        ("other", "opened", "9999"),
    ]
    with engine.begin() as conn:
        conn.execute(
            units.insert(), [required_row(units, id=1, name="Khóm 3", code="h1")]
        )
        conn.execute(
            producers.insert(),
            [required_row(producers, id=1, hamlet_id=1, name="Hộ A")],
        )
        conn.execute(
            accounts.insert(),
            [
                required_row(
                    accounts,
                    id=i + 1,
                    producer_id=1,
                    hamlet_id=1,
                    provider=p,
                    status=s,
                    last4=l4,
                )
                for i, (p, s, l4) in enumerate(old)
            ],
        )
    engine.dispose()

    command.upgrade(cfg, AFTER)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT provider, kind, status, last4, sim_in_holder_name "
                "FROM payment_accounts ORDER BY id"
            )
        ).all()
        providers: dict[str, str] = dict(
            conn.execute(sa.text("SELECT code, kind FROM payment_providers")).all()
        )
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("viettel_money", "mobile_money", "open", "4567", None),
        ("vnpt_money", "mobile_money", "applied", None, None),
        ("bank", "bank", "guided", None, None),
        ("other", "e_wallet", "open", "9999", None),
    ]
    assert providers["momo"] == "e_wallet"
    assert providers["agribank"] == "bank"

    command.downgrade(cfg, BEFORE)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        back = conn.execute(
            sa.text("SELECT provider, status, last4 FROM payment_accounts ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in back] == old
