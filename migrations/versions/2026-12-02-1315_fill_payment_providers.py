"""E-payment accounts, the data: providers seeded, accounts in the plan's words.

- ``payment_providers`` seeded (admins add more): the Mobile Money services
  and the carriers they run on follow DOMAIN.md §7 (the providers' public
  pages); the e-wallets and banks are those households most often use (LPBank
  is Vietnam Post's partner bank); "bank" and "other" keep the accounts
  recorded before.
- ``payment_accounts``: ``kind`` from the provider, then required;
  ``provider`` becomes a provider's code (a foreign key).
- Statuses take the plan's words: none → guided, in_progress → applied,
  opened → open. The audit trail keeps the older words for the days before;
  the reports read both (``reports/rules.OPEN_PAYMENT``), so "as of" answers
  before this revision stay as they were.

Down again, the seeded providers go (an admin's additions stay, and the
schema revision below refuses to drop them unless told to).

Revision ID: 6d8e3f0b52a1
Revises: 5c7d2e9a41f0
Create Date: 2026-12-02 13:15:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d8e3f0b52a1"
down_revision: str | None = "5c7d2e9a41f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("e_wallet", "mobile_money", "bank")
STATUSES = ("guided", "applied", "open", "closed")
OLD_STATUSES = ("none", "in_progress", "opened")
STATUS_MOVES = {"none": "guided", "in_progress": "applied", "opened": "open"}
OLD_PROVIDERS = ("viettel_money", "vnpt_money", "mobifone_money", "bank", "other")

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

providers = sa.table(
    "payment_providers",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("carrier", sa.String),
    sa.column("position", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
accounts = sa.table(
    "payment_accounts",
    sa.column("provider", sa.String),
    sa.column("status", sa.String),
    sa.column("kind", sa.String),
)


def _enum(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
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
            existing_type=_enum(OLD_PROVIDERS, "paymentprovider"),
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
    with op.batch_alter_table("payment_accounts") as batch:
        batch.drop_constraint(
            batch.f("fk_payment_accounts_provider_payment_providers"),
            type_="foreignkey",
        )
        batch.alter_column(
            "kind", existing_type=_enum(KINDS, "paymentkind"), nullable=True
        )
    for old, new in STATUS_MOVES.items():
        op.execute(accounts.update().where(accounts.c.status == new).values(status=old))
    op.execute(
        accounts.update().where(accounts.c.status == "closed").values(status="none")
    )
    banks = ("agribank", "vietcombank", "vietinbank", "bidv", "lpbank")
    op.execute(
        accounts.update()
        .where(accounts.c.provider.not_in(OLD_PROVIDERS))
        .values(
            provider=sa.case((accounts.c.provider.in_(banks), "bank"), else_="other")
        )
    )
    op.execute(accounts.update().values(kind=None))
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
            type_=_enum(OLD_PROVIDERS, "paymentprovider"),
            existing_nullable=False,
        )
    op.execute(
        providers.delete().where(providers.c.code.in_([p[0] for p in PROVIDERS]))
    )
