"""Seed the evidence URL rules of voso.vn and postmart.vn (editable data).

These shapes are our reading of the two sites' public pages (December 2026),
not a specification published by the marketplaces:

- voso.vn: a product page is ``/<name>-p<number>.html`` (e.g.
  ``/combo-10-qua-trung-ga-ocop-cam-dong-p737219.html``); a shop is
  ``/<name>-s<number>`` (e.g. ``/dac-san-vo-so-s3145375``); categories end in
  ``-c<number>``, so neither rule takes them.
- postmart.vn: a product page is ``/p/<name>-<number>.html`` (e.g.
  ``/p/tao-dai-muong-la-htx-hung-thinh-hop-5kg-43160.html``). We found no
  public example of a shop page, so the storefront rule only asks for a page
  beyond the home page that is not a product page.

Revision ID: 9a61f3e8c2b4
Revises: 4e2b7c91d0a5
Create Date: 2026-12-02 12:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a61f3e8c2b4"
down_revision: str | None = "4e2b7c91d0a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (marketplace code, step code): (pattern the whole path must match, example URL)
RULES = {
    ("voso", "storefront"): (
        r"/[^/]+-s[0-9]+/?",
        "https://voso.vn/co-so-banh-pia-kim-hoa-s3145375",
    ),
    ("voso", "listing"): (
        r"/[^/]+-p[0-9]+(\.html)?/?",
        "https://voso.vn/banh-pia-sau-rieng-trung-muoi-p737219.html",
    ),
    ("postmart", "storefront"): (
        r"/(?!p/)[^/].*",
        "https://postmart.vn/shop/co-so-banh-pia-kim-hoa",
    ),
    ("postmart", "listing"): (
        r"/p/[^/]+-[0-9]+\.html",
        "https://postmart.vn/p/banh-pia-sau-rieng-trung-muoi-43160.html",
    ),
}

marketplaces = sa.table(
    "marketplaces", sa.column("id", sa.Integer), sa.column("code", sa.String)
)
steps = sa.table(
    "marketplace_steps",
    sa.column("marketplace_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("url_pattern", sa.String),
    sa.column("url_example", sa.String),
)


def _market_id(code: str) -> sa.ScalarSelect[int]:
    return (
        sa.select(marketplaces.c.id)
        .where(marketplaces.c.code == code)
        .scalar_subquery()
    )


def upgrade() -> None:
    """Set the rule of each seeded step that has none yet."""
    bind = op.get_bind()
    for (market, step), (pattern, example) in RULES.items():
        bind.execute(
            steps.update()
            .where(
                steps.c.marketplace_id == _market_id(market),
                steps.c.code == step,
                steps.c.url_pattern.is_(None),
            )
            .values(url_pattern=pattern, url_example=example)
        )


def downgrade() -> None:
    """Clear the seeded rules (the columns go with the previous revision)."""
    bind = op.get_bind()
    for market, step in RULES:
        bind.execute(
            steps.update()
            .where(steps.c.marketplace_id == _market_id(market), steps.c.code == step)
            .values(url_pattern=None, url_example=None)
        )
