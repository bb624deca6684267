"""Alembic driven from code: the CLI, the app's start and the tests share it."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, column, func, inspect, select, table

from ocop_tracker.core.config import PROJECT_DIR, get_settings
from ocop_tracker.core.db import make_engine, without_time_limits


def _scripts_config() -> Config:
    """Where the migrations are; no database (reading the scripts needs none)."""
    cfg = Config(str(PROJECT_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    return cfg


def alembic_config(
    url: str | None = None, connection: Connection | None = None
) -> Config:
    """Config for this project's migrations against ``url`` (default: settings)."""
    cfg = _scripts_config()
    cfg.set_main_option(
        "sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%")
    )
    cfg.attributes["configure_logger"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# A revision whose module sets ``REBUILDS_LEDGER = True`` changed what the
# kept report figures are made of (a new figure, records moved by a data
# migration): once the upgrade crossed one, the callbacks handed over here
# recompute them (``hooks.install`` hands over the reports' rebuild; core
# imports no domain).
REBUILD_MARK = "REBUILDS_LEDGER"
_rebuilders: list[Callable[[str | None], None]] = []


def on_rebuild(callback: Callable[[str | None], None]) -> None:
    """Run ``callback(url)`` after an upgrade that crossed a marked revision."""
    if callback not in _rebuilders:
        _rebuilders.append(callback)


def _at(url: str | None) -> str | None:
    engine = make_engine(url or get_settings().database_url)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def crossed(before: str | None, after: str | None) -> list[Script]:
    """The revisions an upgrade from ``before`` to ``after`` applied, oldest first."""
    if after is None or before == after:
        return []
    scripts = _script()
    walked = scripts.iterate_revisions(after, before or "base")
    return [s for s in reversed(list(walked)) if s.revision != before]


def upgrade(revision: str = "head", url: str | None = None) -> bool:
    """Apply migrations up to ``revision``; True when the kept report figures
    were rebuilt because a revision on the way asked for it."""
    before = _at(url)
    command.upgrade(alembic_config(url), revision)
    applied = crossed(before, _at(url))
    if not _rebuilders or not any(
        getattr(s.module, REBUILD_MARK, False) for s in applied
    ):
        return False
    for callback in _rebuilders:
        callback(url)
    return True


RELATIVE = re.compile(r"-([1-9][0-9]*)")
IGNORED_TABLES = ("alembic_version", "_alembic_tmp_")


class DowngradeError(Exception):
    """A downgrade refused or failed; the database was left as it was."""

    def __init__(self, message: str, losses: Sequence["Loss"] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.losses = tuple(losses)


@dataclass(frozen=True)
class Loss:
    """Data a downgrade would delete: a table's rows, or a column's values."""

    table: str
    column: str | None  # None: the whole table is dropped
    rows: int

    def __str__(self) -> str:
        rows = f"{self.rows} row{'s' if self.rows != 1 else ''}"
        if self.column is None:
            return f"table {self.table} ({rows})"
        return f"column {self.table}.{self.column} ({rows} with a value)"


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_scripts_config())


def describe(revision: str | None) -> str:
    """A revision as a person reads it: its id and what it does."""
    if revision is None:
        return "base (empty database)"
    script = _script().get_revision(revision)
    if script is None:
        return revision
    summary = " ".join(script.doc.split()).split(". ")[0].rstrip(".")
    return f"{script.revision} ({summary})"


def downgrade_steps(
    current: str | None, target: str
) -> tuple[list[Script], str | None]:
    """The migrations to revert from ``current`` to ``target``, newest first,
    and the revision reached (None: base).

    ``target`` is ``base``, ``-N`` (N steps below the current revision) or a
    revision id (or a unique prefix of one) below the current revision.
    """
    script = _script()
    below: list[Script] = []
    rev = script.get_revision(current) if current is not None else None
    while rev is not None:
        below.append(rev)
        down = _down(rev)
        rev = script.get_revision(down) if down is not None else None
    if target == "base":
        return below, None
    relative = RELATIVE.fullmatch(target)
    if relative is not None:
        n = int(relative[1])
        if n > len(below):
            raise DowngradeError(
                f"Cannot go {n} steps down: the database is at {describe(current)}, "
                f"{len(below)} migration(s) above the empty database."
            )
        steps = below[:n]
        return steps, _down(steps[-1])
    try:
        wanted = script.get_revision(target)
    except Exception as exc:  # unknown or ambiguous id: alembic says which
        raise DowngradeError(f"Unknown revision {target!r}: {exc}") from None
    if wanted is None:
        raise DowngradeError(f"Unknown revision {target!r}.")
    ids = [r.revision for r in below]
    if wanted.revision not in ids:
        raise DowngradeError(
            f"Revision {describe(wanted.revision)} is not below the database's "
            f"revision {describe(current)}; use 'db upgrade' to go forward."
        )
    return below[: ids.index(wanted.revision)], wanted.revision


def _down(rev: Script) -> str | None:
    """The revision below ``rev`` (history here is one line: no merges)."""
    down = rev.down_revision
    if down is None or isinstance(down, str):
        return down
    raise DowngradeError(
        f"Revision {rev.revision} merges several branches; downgrade with alembic itself."
    )


def _schema(conn: Connection) -> dict[str, set[str]]:
    inspector = inspect(conn)  # a new inspector: no cached answers
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if not name.startswith(IGNORED_TABLES)
    }


def _rehearse(
    conn: Connection, steps: Sequence[Script], url: str
) -> tuple[list[Loss], str | None]:
    """Revert ``steps`` one by one inside a savepoint, then roll them all back.

    Each step is first tried alone to learn which tables and columns it drops;
    what those hold just before it (after the newer steps, so rows a data
    migration removes itself are not counted) is the data it would delete.
    Returns the losses and the error of the step that fails, if any.
    """
    losses: list[Loss] = []
    failure = None
    outer = conn.begin_nested()
    try:
        for step in steps:
            before = _schema(conn)
            trial = conn.begin_nested()
            try:
                _revert(conn, step, url)
                after = _schema(conn)
            except Exception as exc:
                failure = (
                    f"reverting {describe(step.revision)} fails: "
                    f"{str(exc).splitlines()[0]}"
                )
                break
            finally:
                trial.rollback()
            losses += _losses(conn, before, after)
            _revert(conn, step, url)
    finally:
        outer.rollback()
    return losses, failure


def _revert(conn: Connection, step: Script, url: str) -> None:
    command.downgrade(alembic_config(url, connection=conn), _down(step) or "base")


def _losses(
    conn: Connection, before: dict[str, set[str]], after: dict[str, set[str]]
) -> list[Loss]:
    """The rows of the tables, and the values of the columns, ``after`` lacks."""
    losses = []
    for name in sorted(before):
        if name not in after:
            rows = conn.scalar(select(func.count()).select_from(table(name)))
            if rows:
                losses.append(Loss(name, None, rows))
            continue
        for col in sorted(before[name] - after[name]):
            rows = conn.scalar(
                select(func.count())
                .select_from(table(name, column(col)))
                .where(column(col).is_not(None))
            )
            if rows:
                losses.append(Loss(name, col, rows))
    return losses


def downgrade(
    target: str, url: str | None = None, *, destroy_data: bool = False
) -> str | None:
    """Revert migrations down to ``target`` (see ``downgrade_steps``), all or nothing.

    The migrations are first rehearsed inside a savepoint to learn which tables
    and columns they drop; if those hold data the downgrade is refused unless
    ``destroy_data``. Then it runs in the same single transaction, so a failing
    step leaves the database at the revision it started from (SQLite's DDL is
    transactional here too: ``core.db`` emits BEGIN itself). Returns the
    revision reached (None: base); raises ``DowngradeError`` with nothing changed.
    """
    url = url or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            without_time_limits(conn)
            current = current_revision(conn)
            steps, reached = downgrade_steps(current, target)
            if not steps:
                return current
            losses, failure = _rehearse(conn, steps, url)
            unchanged = (
                f"Nothing was changed; the database stays at {describe(current)}."
            )
            if losses and not destroy_data:
                lines = "\n".join(f"  - {loss}" for loss in losses)
                then = f" (even then, {failure})" if failure else ""
                raise DowngradeError(
                    f"Refused: going down to {describe(reached)} would delete data:\n"
                    f"{lines}\n{unchanged} Back up first, then add --destroy-data "
                    f"to delete it{then}.",
                    losses,
                )
            if failure is not None:
                raise DowngradeError(
                    f"The downgrade cannot run: {failure}. {unchanged}"
                )
            try:
                command.downgrade(
                    alembic_config(url, connection=conn), reached or "base"
                )
            except Exception as exc:
                raise DowngradeError(
                    f"The downgrade failed: {str(exc).splitlines()[0]}. {unchanged}"
                ) from exc
            return reached
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_scripts_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at."""
    return MigrationContext.configure(connection).get_current_revision()
