"""Seed the six OCOP groups (Decision 919/QĐ-TTg) with editable subgroups, and the
two marketplaces the plan names (voso.vn, postmart.vn) with their ordered steps.

Revision ID: 3c1f0a9d5e21
Revises: 7b59b6728773
Create Date: 2026-11-25 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f0a9d5e21"
down_revision: str | None = "7b59b6728773"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = [
    (
        "food",
        "Thực phẩm",
        [
            "Nông sản tươi sống",
            "Nông sản thô, sơ chế",
            "Thực phẩm chế biến",
            "Gia vị",
            "Chè và sản phẩm từ chè",
            "Cà phê, ca cao",
        ],
    ),
    ("beverage", "Đồ uống", ["Đồ uống có cồn", "Đồ uống không cồn"]),
    (
        "herbal",
        "Dược liệu và sản phẩm từ dược liệu",
        [
            "Thực phẩm chức năng, thuốc từ dược liệu",
            "Mỹ phẩm từ dược liệu",
            "Tinh dầu và thảo dược khác",
        ],
    ),
    ("handicraft", "Thủ công mỹ nghệ", ["Thủ công mỹ nghệ, trang trí", "Dệt may, vải"]),
    ("ornamental", "Sinh vật cảnh", ["Hoa, cây cảnh", "Động vật cảnh"]),
    (
        "tourism",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        ["Dịch vụ du lịch cộng đồng, sinh thái và điểm du lịch"],
    ),
]
MARKETPLACES = [("voso", "Voso", "voso.vn"), ("postmart", "Postmart", "postmart.vn")]
# DOMAIN.md §4, the same order on both marketplaces.
STEPS = [
    ("photos", 1, "Ảnh sản phẩm đạt yêu cầu", None),
    ("storefront", 2, "Mở gian hàng cho chủ thể", "url"),
    ("payment", 3, "Mở và liên kết tài khoản thanh toán điện tử", None),
    ("listing", 4, "Đăng sản phẩm lên sàn", "url"),
    ("first_order", 5, "Nhận và đóng gói đơn hàng đầu tiên", None),
    ("quality", 6, "Ký cam kết chất lượng sản phẩm", None),
]

groups = sa.table(
    "ocop_groups",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
)
subgroups = sa.table(
    "ocop_subgroups", sa.column("group_id", sa.Integer), sa.column("name", sa.String)
)
marketplaces = sa.table(
    "marketplaces",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("domain", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("is_named_in_plan", sa.Boolean),
)
steps = sa.table(
    "marketplace_steps",
    sa.column("marketplace_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
    sa.column("evidence", sa.String),
)


def upgrade() -> None:
    """Insert the reference data."""
    bind = op.get_bind()
    for code, name, names in GROUPS:
        bind.execute(groups.insert().values(code=code, name=name))
        group_id = bind.execute(
            sa.select(groups.c.id).where(groups.c.code == code)
        ).scalar_one()
        op.bulk_insert(subgroups, [{"group_id": group_id, "name": n} for n in names])
    for code, name, domain in MARKETPLACES:
        bind.execute(
            marketplaces.insert().values(
                code=code,
                name=name,
                domain=domain,
                is_active=True,
                is_named_in_plan=True,
            )
        )
        market_id = bind.execute(
            sa.select(marketplaces.c.id).where(marketplaces.c.code == code)
        ).scalar_one()
        op.bulk_insert(
            steps,
            [
                {
                    "marketplace_id": market_id,
                    "code": c,
                    "position": p,
                    "name": n,
                    "evidence": e,
                }
                for c, p, n, e in STEPS
            ],
        )


def downgrade() -> None:
    """Remove the seeded rows (refused by foreign keys once products use them)."""
    bind = op.get_bind()
    codes = [m[0] for m in MARKETPLACES]
    ids = sa.select(marketplaces.c.id).where(marketplaces.c.code.in_(codes))
    bind.execute(steps.delete().where(steps.c.marketplace_id.in_(ids)))
    bind.execute(marketplaces.delete().where(marketplaces.c.code.in_(codes)))
    group_ids = sa.select(groups.c.id).where(groups.c.code.in_([g[0] for g in GROUPS]))
    bind.execute(subgroups.delete().where(subgroups.c.group_id.in_(group_ids)))
    bind.execute(groups.delete().where(groups.c.code.in_([g[0] for g in GROUPS])))
