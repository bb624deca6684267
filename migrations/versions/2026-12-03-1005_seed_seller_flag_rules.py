"""Seed the three seller flag rules with their default number of days.

A shop verified open 14 days ago with no live product (``shop_no_listing``;
14 days is our choice: time to list the first product), an open shop without
an order for 60 days (``dormant_shop``, the issue's default), a listing live
60 days without its first order (``no_first_order``, the issue's default).
Admins change the days or turn a rule off.

Revision ID: 8c3d6e9a1f24
Revises: 5b8f2c1d7e03
Create Date: 2026-12-03 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c3d6e9a1f24"
down_revision: str | None = "5b8f2c1d7e03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, label, days), in the action list's order.
RULES = [
    ("shop_no_listing", "Gian hàng đã mở nhưng chưa có sản phẩm", 14),
    ("dormant_shop", "Gian hàng lâu chưa có đơn", 60),
    ("no_first_order", "Đã lên sàn nhưng chưa có đơn đầu tiên", 60),
]

rules = sa.table(
    "seller_flag_rules",
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("days", sa.Integer),
    sa.column("is_active", sa.Boolean),
    sa.column("position", sa.Integer),
    sa.column("version", sa.Integer),
)


def upgrade() -> None:
    """Insert the three rules, active."""
    op.bulk_insert(
        rules,
        [
            {
                "code": code,
                "label": label,
                "days": days,
                "is_active": True,
                "position": position,
                "version": 1,
            }
            for position, (code, label, days) in enumerate(RULES, start=1)
        ],
    )


def downgrade() -> None:
    """Remove the seeded rules (the table goes with the previous revision)."""
    bind = op.get_bind()
    bind.execute(rules.delete().where(rules.c.code.in_([c for c, _, _ in RULES])))
