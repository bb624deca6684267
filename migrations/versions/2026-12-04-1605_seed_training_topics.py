"""Seed the training topics (issue #17 item 3).

The plan's subjects for households and teams: digital basics, opening a shop
on the marketplaces, product photos and descriptions, listing a product,
e-payment, orders and delivery, staying safe online, selling on social
networks. Admins add topics and retire those no longer taught.

Revision ID: 6e2a9c4d1b85
Revises: 0ca9d53753b7
Create Date: 2026-12-04 16:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e2a9c4d1b85"
down_revision: str | None = "0ca9d53753b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, name), in the list's order.
TOPICS = [
    ("digital_basics", "Kỹ năng số cơ bản (điện thoại thông minh, Zalo)"),
    ("open_shop", "Mở gian hàng trên sàn thương mại điện tử"),
    ("product_photos", "Chụp ảnh và viết mô tả sản phẩm"),
    ("listing", "Đăng sản phẩm lên sàn"),
    ("e_payment", "Thanh toán điện tử (Mobile Money, ví điện tử, ngân hàng)"),
    ("orders_delivery", "Nhận đơn, đóng gói và giao hàng"),
    ("online_safety", "An toàn trên mạng, phòng chống lừa đảo"),
    ("social_selling", "Bán hàng qua mạng xã hội và livestream"),
]

topics = sa.table(
    "training_topics",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("version", sa.Integer),
)


def upgrade() -> None:
    """Insert the topics."""
    op.bulk_insert(
        topics,
        [
            {"code": code, "name": name, "position": position, "version": 1}
            for position, (code, name) in enumerate(TOPICS, start=1)
        ],
    )


def downgrade() -> None:
    """Remove the seeded topics (those no session uses)."""
    op.execute(
        topics.delete().where(
            topics.c.code.in_([code for code, _ in TOPICS]),
            sa.text(
                "NOT EXISTS (SELECT 1 FROM training_sessions s "
                "WHERE s.topic_id = training_topics.id)"
            ),
        )
    )
