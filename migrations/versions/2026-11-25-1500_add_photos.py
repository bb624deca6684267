"""Product photos, their marketplace rules and idempotency keys.

Revision ID: 5a7e2c9b1d30
Revises: 3c1f0a9d5e21
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

revision: str = "5a7e2c9b1d30"
down_revision: str | None = "3c1f0a9d5e21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""


def downgrade() -> None:
    """Revert this revision."""
