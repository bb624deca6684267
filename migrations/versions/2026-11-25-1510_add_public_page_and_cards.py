"""Scan counts of the public product page, and QR matrices kept per product.

Revision ID: 6b8f3d0a2e41
Revises: 5a7e2c9b1d30
Create Date: 2026-11-25 15:10:00
"""

from collections.abc import Sequence

revision: str = "6b8f3d0a2e41"
down_revision: str | None = "5a7e2c9b1d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""


def downgrade() -> None:
    """Revert this revision."""
