"""The command line: ``ocop-tracker`` or ``python -m ocop_tracker``.

This module assembles the commands: its own (serve, db, demo) and each
domain's, from that domain's ``cli.py``. What commands share (consoles,
``session_scope``, ``ensure_schema``) lives in ``core/cli.py``.
"""

from typing import Annotated

import typer

from ocop_tracker import hooks
from ocop_tracker.areas import cli as areas_cli
from ocop_tracker.backup import cli as backup_cli
from ocop_tracker.cards import cli as cards_cli
from ocop_tracker.core import memory, migrate
from ocop_tracker.core.cli import ensure_schema, err, out, session_scope
from ocop_tracker.core.config import Env, get_settings
from ocop_tracker.core.db import get_engine
from ocop_tracker.guides import cli as guides_cli
from ocop_tracker.links import cli as links_cli
from ocop_tracker.photos import cli as photos_cli
from ocop_tracker.reports import cli as reports_cli
from ocop_tracker.users import cli as users_cli

app = typer.Typer(
    help="ocop-tracker: đưa sản phẩm OCOP lên sàn thương mại điện tử.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_cli.app, name="areas")
app.add_typer(users_cli.app, name="users")


@app.callback()
def _start() -> None:
    # Every command writes through the same session hooks as a request
    # (audit trail, coverage ledger): registered before any command runs.
    hooks.install()


# --- serve -------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs a third of the throughput)")
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Addresses of the reverse proxy whose X-Forwarded-* headers are trusted"
        ),
    ] = None,
) -> None:
    """Apply pending migrations, then serve the web application."""
    import uvicorn

    get_settings()  # fail early on bad settings
    ensure_schema()
    # Photos decoded in threads: two malloc arenas, for this process and the
    # workers it spawns (``core/memory.py``).
    memory.tune_allocator()
    uvicorn.run(
        "ocop_tracker.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        server_header=False,
        access_log=access_log,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
    )


# --- db ------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: head)."""
    if migrate.upgrade(revision):
        out.print("Đã tính lại số liệu báo cáo theo cách đếm mới.")
    with get_engine().connect() as conn:
        reached = migrate.current_revision(conn)
    out.print(f"Database at {migrate.describe(reached)}.", highlight=False)


# "-1" is a revision here, not an option: unknown options reach the argument.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[
        str,
        typer.Argument(
            help="Target revision: -1 (one step down), -2, …, a revision id, or base"
        ),
    ],
    destroy_data: Annotated[
        bool,
        typer.Option(
            "--destroy-data",
            help="Revert even when the migrations reverted drop tables or columns that hold data (back up first)",
        ),
    ] = False,
) -> None:
    """Revert migrations down to REVISION, all or nothing.

    Refused, with nothing changed, when a migration being reverted would drop a
    table or column that holds data, unless --destroy-data is given.
    """
    if revision.startswith("-") and not migrate.RELATIVE.fullmatch(revision):
        raise typer.BadParameter(
            f"{revision!r} is neither an option nor a revision; "
            "write -1, -2, … to go down that many steps",
            param_hint="REVISION",
        )
    try:
        reached = migrate.downgrade(revision, destroy_data=destroy_data)
    except migrate.DowngradeError as exc:
        err.print(f"[red]Error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(code=2) from None
    out.print(f"Database downgraded to {migrate.describe(reached)}.", highlight=False)


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the code's head."""
    with get_engine().connect() as conn:
        current = migrate.current_revision(conn)
    head = migrate.head_revision()
    state = "up to date" if current == head else "behind: run 'ocop-tracker db upgrade'"
    out.print(f"current: {current or '(empty)'}  head: {head}  ({state})")


# --- demo ------------------------------------------------------------------------


@app.command()
def demo() -> None:
    """Load the demo data (the plan's pilot hamlets); safe to run again."""
    from ocop_tracker.demo import service as demo_service

    ensure_schema()
    with session_scope() as session:
        result = demo_service.load(session)
    for line in result.lines:
        out.print(line, highlight=False)
    if get_settings().env == Env.development:
        out.print(
            "\nTài khoản mẫu (chỉ dùng khi phát triển), mật khẩu "
            f"[bold]{demo_service.DEMO_PASSWORD}[/bold]:",
            highlight=False,
        )
        for account in result.accounts:
            out.print(f"  {account.login} — {account.label}", highlight=False)


# --- commands kept beside their domains ---------------------------------------

app.add_typer(photos_cli.app, name="photos")
app.add_typer(reports_cli.app, name="reports")
app.add_typer(links_cli.app, name="links")
app.add_typer(guides_cli.app, name="guides")
app.command("cards")(cards_cli.cards)
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)
app.add_typer(backup_cli.media_app, name="media")


def main() -> None:
    """Entry point for ``python -m ocop_tracker``."""
    app(prog_name="ocop-tracker")


if __name__ == "__main__":
    main()
