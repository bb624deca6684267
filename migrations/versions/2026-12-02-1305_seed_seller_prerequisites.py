"""Seed the shop prerequisites of voso.vn and postmart.vn (editable data).

These items follow the public material summed up in DOMAIN.md §7 (December
2026), not a list published by the marketplaces: voso.vn's seller guide sends
new orders by e-mail and has the seller hand parcels to the carrier from a
pickup address; seller sign-up on local-products marketplaces asks for the
business type, identity number, e-mail as login, phone, shop name and address,
then moderation. Whether a household business registration or tax code is
asked depends on the seller, so that item is not required. Admins add, reword,
reorder or retire items over the API.

Revision ID: c3e9f1a27b45
Revises: b7d2e4a61c08
Create Date: 2026-12-02 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e9f1a27b45"
down_revision: str | None = "b7d2e4a61c08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKETPLACES = ("voso", "postmart")
# (code, label, required), in order; the same on both marketplaces.
ITEMS = [
    ("identity", "Đã kiểm tra giấy tờ tùy thân (CCCD) của chủ gian hàng", True),
    ("otp_phone", "Có số điện thoại nhận mã OTP khi đăng ký, đăng nhập", True),
    ("order_email", "Có e-mail nhận thông báo đơn hàng (hoặc người đọc giúp)", True),
    ("pickup_address", "Có địa chỉ lấy hàng cho đơn vị vận chuyển", True),
    ("payout_account", "Có tài khoản nhận tiền bán hàng", True),
    (
        "business_registration",
        "Giấy đăng ký hộ kinh doanh hoặc mã số thuế (khi sàn yêu cầu)",
        False,
    ),
]

marketplaces = sa.table(
    "marketplaces", sa.column("id", sa.Integer), sa.column("code", sa.String)
)
items = sa.table(
    "seller_prerequisites",
    sa.column("marketplace_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("position", sa.Integer),
    sa.column("required", sa.Boolean),
    sa.column("is_active", sa.Boolean),
    sa.column("version", sa.Integer),
)


def upgrade() -> None:
    """Insert the items of each seeded marketplace that exists."""
    bind = op.get_bind()
    for code in MARKETPLACES:
        market_id = bind.execute(
            sa.select(marketplaces.c.id).where(marketplaces.c.code == code)
        ).scalar()
        if market_id is None:
            continue
        op.bulk_insert(
            items,
            [
                {
                    "marketplace_id": market_id,
                    "code": item,
                    "label": label,
                    "position": position,
                    "required": required,
                    "is_active": True,
                    "version": 1,
                }
                for position, (item, label, required) in enumerate(ITEMS, start=1)
            ],
        )


def downgrade() -> None:
    """Remove the seeded items (the table goes with the previous revision)."""
    bind = op.get_bind()
    bind.execute(items.delete().where(items.c.code.in_([c for c, _, _ in ITEMS])))
