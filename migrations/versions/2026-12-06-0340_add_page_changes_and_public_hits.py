"""Public pages across workers and servers: the changes pages are forgotten by,
and the requests per address counted toward one limit.

Issue #20 item 3: a change committed through one worker (or server) reaches
the page caches of the others within a second. Each commit that changes what
a public page shows writes one row per product or producer it touched
(``public/changes.py``); each worker reads the rows it has not seen. Rows are
kept an hour. ``public_hits`` holds the public pages' requests per client
address per clock minute, added by every worker, so two servers enforce one
rate limit; kept two minutes. Schema only; no figure depends on either.

Revision ID: 5e2b8d4f7c13
Revises: 7a3e5c1d9b42
Create Date: 2026-12-06 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ocop_tracker.core.base import UTCDateTime

revision: str = "5e2b8d4f7c13"
down_revision: str | None = "7a3e5c1d9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "page_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_page_changes_at", "page_changes", ["at"])
    op.create_table(
        "public_hits",
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address", "minute", name=op.f("pk_public_hits")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("public_hits")
    op.drop_index("ix_page_changes_at", table_name="page_changes")
    op.drop_table("page_changes")
