"""Seed the photo rules of the two marketplaces the plan names (editable data).

Revision ID: ccc4079477a8
Revises: 5a7e2c9b1d30
Create Date: 2026-11-25 15:05:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ccc4079477a8"
down_revision: str | None = "5a7e2c9b1d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code: (min_count, min_width, min_height, require_main, pack_size)
RULES = {
    "voso": (3, 800, 800, True, 1000),
    "postmart": (3, 800, 800, True, 1000),
}

marketplaces = sa.table(
    "marketplaces", sa.column("id", sa.Integer), sa.column("code", sa.String)
)
photo_rules = sa.table(
    "photo_rules",
    sa.column("marketplace_id", sa.Integer),
    sa.column("min_count", sa.Integer),
    sa.column("min_width", sa.Integer),
    sa.column("min_height", sa.Integer),
    sa.column("require_main", sa.Boolean),
    sa.column("pack_size", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Insert a rule for each named marketplace present."""
    bind = op.get_bind()
    now = dt.datetime(2026, 11, 25, 8, 5, tzinfo=dt.UTC)
    for code, (count, width, height, main, pack) in RULES.items():
        market_id = bind.execute(
            sa.select(marketplaces.c.id).where(marketplaces.c.code == code)
        ).scalar_one_or_none()
        if market_id is None:
            continue
        bind.execute(
            photo_rules.insert().values(
                marketplace_id=market_id,
                min_count=count,
                min_width=width,
                min_height=height,
                require_main=main,
                pack_size=pack,
                created_at=now,
                updated_at=now,
            )
        )


def downgrade() -> None:
    """Remove the seeded rules."""
    bind = op.get_bind()
    ids = sa.select(marketplaces.c.id).where(marketplaces.c.code.in_(list(RULES)))
    bind.execute(photo_rules.delete().where(photo_rules.c.marketplace_id.in_(ids)))
