"""E-payment accounts: several per producer, providers as data, Mobile Money's SIM.

- ``payment_providers`` (seeded, admins add more): e-wallets, Mobile Money
  services with the mobile network they run on, and banks. The Mobile Money
  services and the carriers they run on follow DOMAIN.md §7 (the providers'
  public pages); the banks are those households near a post office most
  often use (LPBank is Vietnam Post's partner bank); "bank" and "other" keep
  accounts recorded before this revision.
- ``payment_accounts`` gains ``kind`` (taken from the provider) and
  ``sim_in_holder_name``; ``provider`` becomes a provider's code.
- Statuses take the plan's words: none → guided, in_progress → applied,
  opened → open. The audit trail keeps the older words for the days before;
  the reports read both (``OPEN_PAYMENT_STATES``), so "as of" answers before
  this revision stay as they were.

Revision ID: 5c7d2e9a41f0
Revises: c3e9f1a27b45
Create Date: 2026-12-02 13:10:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c7d2e9a41f0"
down_revision: str | None = "c3e9f1a27b45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("e_wallet", "mobile_money", "bank")
STATUSES = ("guided", "applied", "open", "closed")
OLD_STATUSES = ("none", "in_progress", "opened")
STATUS_MOVES = {"none": "guided", "in_progress": "applied", "opened": "open"}

# code, name, kind, carrier
PROVIDERS = [
    ("viettel_money", "Viettel Money", "mobile_money", "Viettel"),
    ("vnpt_money", "VNPT Money", "mobile_money", "VinaPhone"),
    ("mobifone_money", "MobiFone Money", "mobile_money", "MobiFone"),
    ("momo", "MoMo", "e_wallet", None),
    ("zalopay", "ZaloPay", "e_wallet", None),
    ("shopeepay", "ShopeePay", "e_wallet", None),
    ("agribank", "Agribank", "bank", None),
    ("vietcombank", "Vietcombank", "bank", None),
    ("vietinbank", "VietinBank", "bank", None),
    ("bidv", "BIDV", "bank", None),
    ("lpbank", "LPBank (Ngân hàng Lộc Phát)", "bank", None),
    ("bank", "Ngân hàng khác", "bank", None),
    ("other", "Ví điện tử khác", "e_wallet", None),
]


def _enum(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    providers = op.create_table(
        "payment_providers",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", _enum(KINDS, "paymentkind"), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_providers")),
        sa.UniqueConstraint("code", name=op.f("uq_payment_providers_code")),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        providers,
        [
            {
                "code": code,
                "name": name,
                "kind": kind,
                "carrier": carrier,
                "position": (i + 1) * 10,
                "created_at": now,
                "updated_at": now,
            }
            for i, (code, name, kind, carrier) in enumerate(PROVIDERS)
        ],
    )
    with op.batch_alter_table("payment_accounts") as batch:
        batch.add_column(sa.Column("kind", _enum(KINDS, "paymentkind"), nullable=True))
        batch.add_column(sa.Column("sim_in_holder_name", sa.Boolean(), nullable=True))
    accounts = sa.table(
        "payment_accounts",
        sa.column("provider", sa.String),
        sa.column("status", sa.String),
        sa.column("kind", sa.String),
    )
    for code, _name, kind, _carrier in PROVIDERS:
        op.execute(
            accounts.update().where(accounts.c.provider == code).values(kind=kind)
        )
    for old, new in STATUS_MOVES.items():
        op.execute(accounts.update().where(accounts.c.status == old).values(status=new))
    with op.batch_alter_table("payment_accounts") as batch:
        batch.alter_column(
            "kind", existing_type=_enum(KINDS, "paymentkind"), nullable=False
        )
        batch.alter_column(
            "provider",
            existing_type=_enum(
                ("viettel_money", "vnpt_money", "mobifone_money", "bank", "other"),
                "paymentprovider",
            ),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
        batch.alter_column(
            "status",
            existing_type=_enum(OLD_STATUSES, "paymentstatus"),
            type_=_enum(STATUSES, "paymentstatus"),
            existing_nullable=False,
        )
        batch.create_foreign_key(
            batch.f("fk_payment_accounts_provider_payment_providers"),
            "payment_providers",
            ["provider"],
            ["code"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    accounts = sa.table(
        "payment_accounts",
        sa.column("provider", sa.String),
        sa.column("status", sa.String),
    )
    with op.batch_alter_table("payment_accounts") as batch:
        batch.drop_constraint(
            batch.f("fk_payment_accounts_provider_payment_providers"),
            type_="foreignkey",
        )
    for old, new in STATUS_MOVES.items():
        op.execute(accounts.update().where(accounts.c.status == new).values(status=old))
    op.execute(
        accounts.update().where(accounts.c.status == "closed").values(status="none")
    )
    old_codes = ("viettel_money", "vnpt_money", "mobifone_money", "bank", "other")
    op.execute(
        accounts.update()
        .where(accounts.c.provider.not_in(old_codes))
        .values(
            provider=sa.case(
                (
                    accounts.c.provider.in_(
                        ("agribank", "vietcombank", "vietinbank", "bidv", "lpbank")
                    ),
                    "bank",
                ),
                else_="other",
            )
        )
    )
    with op.batch_alter_table("payment_accounts") as batch:
        batch.alter_column(
            "status",
            existing_type=_enum(STATUSES, "paymentstatus"),
            type_=_enum(OLD_STATUSES, "paymentstatus"),
            existing_nullable=False,
        )
        batch.alter_column(
            "provider",
            existing_type=sa.String(length=40),
            type_=_enum(old_codes, "paymentprovider"),
            existing_nullable=False,
        )
        batch.drop_column("sim_in_holder_name")
        batch.drop_column("kind")
    op.drop_table("payment_providers")
