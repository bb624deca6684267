"""Migrations on the suite's database kind: one head, up/down/up, models = schema."""

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect

from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.models import Base


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_every_revision_up_down_up(url: str) -> None:
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:  # stairway: each step up, down, up again
        command.upgrade(cfg, revision.revision)
        down = revision.down_revision
        command.downgrade(cfg, down if isinstance(down, str) else "base")
        command.upgrade(cfg, revision.revision)
    command.downgrade(cfg, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert {"admin_units", "admin_unit_links", "area_mappings"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_models_match_migrations(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        left = _without_unnamed_twins(conn, diff)
    engine.dispose()
    assert left == []


def _fk_shape(fk: Any) -> tuple[Any, ...]:
    return (
        fk.table.name,
        tuple(c.name for c in fk.columns),
        fk.referred_table.name,
        tuple(e.column.name for e in fk.elements),
    )


def _on_delete(conn: Connection, fk: Any) -> str:
    """What the database does on delete for a one-column reference (SQLite)."""
    rows = conn.exec_driver_sql(f"PRAGMA foreign_key_list({fk.table.name})").all()
    column = next(iter(fk.columns)).name
    return next((r[6] for r in rows if r[3] == column), "")


def _without_unnamed_twins(conn: Connection, diff: list[Any]) -> list[Any]:
    """The diff less a foreign key SQLite reports without its name.

    A reference added to an existing SQLite table in place (``ALTER TABLE …
    ADD COLUMN … CONSTRAINT name REFERENCES …``, so that no table is rebuilt
    and nothing cascades) is reflected without its name: its pair of
    "remove the unnamed one, add the named one" is the same constraint. Any
    other difference stays.
    """
    removed = [
        op[1]
        for op in diff
        if isinstance(op, tuple) and op[0] == "remove_fk" and op[1].name is None
    ]
    twins = {_fk_shape(fk) for fk in removed}
    # The twin must do on delete what the model says (read from the database,
    # since reflection loses it along with the name).
    added = {
        _fk_shape(op[1])
        for op in diff
        if isinstance(op, tuple)
        and op[0] == "add_fk"
        and _fk_shape(op[1]) in twins
        and _on_delete(conn, op[1]) == (op[1].ondelete or "NO ACTION").upper()
    }
    return [
        op
        for op in diff
        if not (
            isinstance(op, tuple)
            and op[0] in {"remove_fk", "add_fk"}
            and _fk_shape(op[1]) in added
            and (op[0] == "add_fk" or op[1].name is None)
        )
    ]
