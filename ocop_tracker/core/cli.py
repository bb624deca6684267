"""What every command of ``ocop-tracker`` shares: consoles, one transaction per
command, the schema brought to head, a progress bar.

Each domain keeps its commands in its own ``cli.py`` and takes these from
here; the root ``ocop_tracker/cli.py`` only assembles them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.orm import Session

from ocop_tracker.core import migrate
from ocop_tracker.core.db import get_sessionmaker
from ocop_tracker.core.errors import AppError

out = Console()
err = Console(stderr=True)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction per command: committed at the end, rolled back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except AppError as exc:
        session.rollback()
        err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False)
        raise typer.Exit(code=2) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ensure_schema() -> None:
    """Every command that touches data first brings the schema to head."""
    migrate.upgrade("head")


def progress() -> Progress:
    """A progress bar on stderr, drawn only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )
