"""Coverage counts kept in step with writes, and monthly report submissions.

Revision ID: 7c9a4e1b3f52
Revises: 6b8f3d0a2e41
Create Date: 2026-11-25 15:20:00
"""

from collections.abc import Sequence

revision: str = "7c9a4e1b3f52"
down_revision: str | None = "6b8f3d0a2e41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""


def downgrade() -> None:
    """Revert this revision."""
