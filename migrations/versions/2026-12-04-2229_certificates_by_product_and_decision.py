"""Certificates indexed by product and decision day (issue #18 item 3).

A list filtered on the certificate in force (``stars=``, ``certificate=``)
reads each product's newest certificate; with the decision day in the index
that read is a seek, not a sort of the product's certificates. The new index
starts with ``product_id``, so it takes over from the one on that column alone
(made first, then the old one dropped: the foreign key is never unindexed).

Revision ID: d83b22bd5ac9
Revises: 2bca39ac09dd
Create Date: 2026-12-04 22:29:23.262361
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d83b22bd5ac9"
down_revision: str | None = "2bca39ac09dd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_certificates_product_decided",
        "certificates",
        ["product_id", "decision_date", "id"],
    )
    op.drop_index("ix_certificates_product_id", table_name="certificates")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_certificates_product_id", "certificates", ["product_id"])
    op.drop_index("ix_certificates_product_decided", table_name="certificates")
