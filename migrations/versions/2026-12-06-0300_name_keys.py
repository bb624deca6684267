"""Producers and products: the folded name, indexed under its parent.

Adding a producer or a product checks that its hamlet (or producer) has no
other of that name, case ignored. The check read every producer of the hamlet
and folded each name in Python, so a write cost grew with the hamlet: at
3,000 producers in one hamlet an add took three times as long as at 500, and
the 30-minute soak's writers piled up behind SQLite's lock. ``name_key`` holds
the name as Python folds it (``core.base.name_key``) and is indexed under the
parent, so the check is one index seek. Existing rows are filled here, in
Python, in batches: SQL's lower() does not fold as Python does (SQLite's folds
ASCII only). The exact-name unique constraints stay as they were.

Revision ID: 7a3e5c1d9b42
Revises: d83b22bd5ac9
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3e5c1d9b42"
down_revision: str | None = "d83b22bd5ac9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the parent the key is indexed under)
KEYED = (("producers", "hamlet_id"), ("products", "producer_id"))
BATCH = 5000


def _fill(table_name: str) -> None:
    """Set ``name_key`` from ``name`` on every row, a batch at a time."""
    bind = op.get_bind()
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(name_key=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.name)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(update, [{"row_id": i, "key": n.casefold()} for i, n in rows])
        last = rows[-1][0]


def _index(table_name: str, parent: str) -> str:
    return f"ix_{table_name}_{parent.removesuffix('_id')}_name_key"


def upgrade() -> None:
    """Apply this revision.

    On SQLite the column is added in place, NOT NULL with an empty default the
    fill then overwrites: a batch "recreate" would drop the old table, which
    other tables reference (with foreign keys on, that is refused or cascades).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table_name, parent in KEYED:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table_name} "
                "ADD COLUMN name_key VARCHAR(400) NOT NULL DEFAULT ''"
            )
        else:
            op.add_column(
                table_name, sa.Column("name_key", sa.String(400), nullable=True)
            )
        _fill(table_name)
        if not sqlite:
            op.alter_column(
                table_name, "name_key", existing_type=sa.String(400), nullable=False
            )
        op.create_index(_index(table_name, parent), table_name, [parent, "name_key"])


def downgrade() -> None:
    """Revert this revision (in place on SQLite too, for the same reason)."""
    for table_name, parent in KEYED:
        op.drop_index(_index(table_name, parent), table_name=table_name)
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table_name} DROP COLUMN name_key")
        else:
            op.drop_column(table_name, "name_key")
