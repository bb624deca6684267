"""Form keys: a page form queued on a phone and sent twice is written once.

Issue #19 item 3: the outbox sends every queued form with an
``Idempotency-Key``; the first request claims it in its own transaction, a
later one with the same key and fields is answered with the first answer,
without running again. Kept a
week. Schema only; no figure depends on it.

Revision ID: 9c4f1a7e2b58
Revises: 5e2b8d4f7c13
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ocop_tracker.core.base import UTCDateTime

revision: str = "9c4f1a7e2b58"
down_revision: str | None = "5e2b8d4f7c13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "form_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_form_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_form_keys_user_id_key")),
    )
    op.create_index(op.f("ix_form_keys_created_at"), "form_keys", ["created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_form_keys_created_at"), table_name="form_keys")
    op.drop_table("form_keys")
