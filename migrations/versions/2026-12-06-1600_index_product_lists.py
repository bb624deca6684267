"""Product, producer and listing lists answered from indexes (issue #18 item 3).

A province's product list is ordered by name and counted from
``ix_products_hamlet_key`` (hamlet, folded name, id) alone: the ids of the
page come first (``core.query.page_by_ids``), then its 50 rows, and a search
(``q=``) compares the folded name held in the index. It takes over from the
index on the hamlet alone. The newest certificate a ``stars=`` or
``certificate=`` filter reads per product is found and judged in
``ix_certificates_product_standing`` (product, decision day, id, then expiry,
revocation and stars), with no read of the certificate's row. Each new index
is made before the one it replaces is dropped, so no foreign key is ever left
unindexed. Listings: ``ix_listings_hamlet_status`` (hamlet, status, last
change, id) orders, filters and counts an area's listings the same way, in
place of the index on the hamlet alone. Producers: ``ix_producers_hamlet_key``
(hamlet, folded name, id), as for products.

Revision ID: 6b1f0c9d2e84
Revises: 4d8e2a6c1f37
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6b1f0c9d2e84"
down_revision: str | None = "4d8e2a6c1f37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_products_hamlet_key", "products", ["hamlet_id", "search_key", "id"]
    )
    op.drop_index("ix_products_hamlet_id", table_name="products")
    op.create_index(
        "ix_certificates_product_standing",
        "certificates",
        ["product_id", "decision_date", "id", "expires_on", "revoked_on", "stars"],
    )
    op.drop_index("ix_certificates_product_decided", table_name="certificates")
    op.create_index(
        "ix_listings_hamlet_status",
        "listings",
        ["hamlet_id", "status", "updated_at", "id"],
    )
    op.drop_index("ix_listings_hamlet_id", table_name="listings")
    op.create_index(
        "ix_producers_hamlet_key", "producers", ["hamlet_id", "search_key", "id"]
    )
    op.drop_index("ix_producers_hamlet_id", table_name="producers")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_producers_hamlet_id", "producers", ["hamlet_id"])
    op.drop_index("ix_producers_hamlet_key", table_name="producers")
    op.create_index("ix_listings_hamlet_id", "listings", ["hamlet_id"])
    op.drop_index("ix_listings_hamlet_status", table_name="listings")
    op.create_index(
        "ix_certificates_product_decided",
        "certificates",
        ["product_id", "decision_date", "id"],
    )
    op.drop_index("ix_certificates_product_standing", table_name="certificates")
    op.create_index("ix_products_hamlet_id", "products", ["hamlet_id"])
    op.drop_index("ix_products_hamlet_key", table_name="products")
