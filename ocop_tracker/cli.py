"""The command line: ``ocop-tracker`` or ``python -m ocop_tracker``."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

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

from ocop_tracker import hooks
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import Edition
from ocop_tracker.core import migrate
from ocop_tracker.core.config import Env, get_settings
from ocop_tracker.core.db import get_engine, get_sessionmaker
from ocop_tracker.core.errors import AppError

app = typer.Typer(
    help="ocop-tracker: đưa sản phẩm OCOP lên sàn thương mại điện tử.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
areas_app = typer.Typer(help="The administrative tree.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")

out = Console()
err = Console(stderr=True)


@app.callback()
def _start() -> None:
    # Every command writes through the same session hooks as a request
    # (audit trail, coverage ledger): registered before any command runs.
    hooks.install()


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


def _ensure_schema() -> None:
    """Every command that touches data first brings the schema to head."""
    migrate.upgrade("head")


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
    _ensure_schema()
    # Decoding photos in threads fragments glibc's per-thread arenas: workers
    # grew 25-56 % over a 30-minute soak (bench/drills/soak.py) and stayed
    # flat with two arenas. Spawned workers read it when they start; a value
    # the operator set wins.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
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
    migrate.upgrade(revision)
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


# --- areas -----------------------------------------------------------------------


@areas_app.command("import")
def areas_import(
    edition: Annotated[Edition, typer.Option(help="2022 (with districts) or 2025")],
    province: Annotated[
        list[str] | None,
        typer.Option(
            help="Province name or code; repeat for several; none = whole country"
        ),
    ] = None,
) -> None:
    """Load the official list of an edition from the maintained PyPI packages."""
    _ensure_schema()
    names = province or []
    with session_scope() as session:
        try:
            total = area_service.count_units(edition, names)
        except AppError as exc:
            err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False)
            raise typer.Exit(code=2) from None
        with _progress() as bar:
            task = bar.add_task(f"Danh mục {edition.value}", total=total)
            result = area_service.import_edition(
                session,
                edition=edition,
                province_names=names,
                progress=lambda n: bar.advance(task, n),
            )
    out.print(
        f"{', '.join(result.provinces)}: added {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}; {result.mappings_created} old→new commune links added."
    )
    if not result.changed:
        out.print("Nothing changed: the list was already loaded.")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


@areas_app.command("add-hamlet")
def areas_add_hamlet(
    commune_code: Annotated[str, typer.Option(help="Official code of the commune")],
    name: Annotated[str, typer.Option(help='Hamlet name, e.g. "Ấp Mỹ Phước"')],
    edition: Annotated[
        Edition | None,
        typer.Option(help="Edition of the commune code, when both are loaded"),
    ] = None,
) -> None:
    """Add a hamlet (khóm/ấp) under a commune."""
    _ensure_schema()
    with session_scope() as session:
        commune = area_service.commune_by_code(session, commune_code, edition)
        unit = area_service.add_hamlet(session, commune_id=commune.id, name=name)
        group = area_service.group_names(session, [unit]).get(unit.id, "")
        out.print(f"Added #{unit.id} {unit.name} under {commune.name}  ({group})")


@areas_app.command("import-hamlets")
def areas_import_hamlets(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV: commune_code,name[,edition]"
        ),
    ],
    edition: Annotated[
        Edition | None, typer.Option(help="Edition of the commune codes")
    ] = None,
) -> None:
    """Create hamlets from a CSV file; any bad row refuses the whole file."""
    _ensure_schema()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        err.print("[red]Lỗi:[/red] tệp phải mã hóa UTF-8.")
        raise typer.Exit(code=2) from None
    with session_scope() as session:
        try:
            units = area_service.import_hamlets_csv(session, text=text, edition=edition)
        except area_service.CsvImportError as exc:
            for e in exc.errors:
                err.print(f"row {e.row}: {e.message}", highlight=False)
            err.print(
                f"[red]Refused:[/red] {len(exc.errors)} bad row(s); nothing written."
            )
            raise typer.Exit(code=2) from None
    out.print(f"Added {len(units)} hamlet(s).")


@areas_app.command("rehome")
def areas_rehome(
    to: Annotated[str, typer.Option("--to", help="Target edition (only 2025)")],
    province: Annotated[str, typer.Option(help="Province of the 2022 edition")],
    assign: Annotated[
        list[str] | None,
        typer.Option(
            help="HAMLET_ID:COMMUNE_ID for a hamlet whose old commune was split"
        ),
    ] = None,
) -> None:
    """Move a province's hamlets from their 2022 commune to the 2025 one."""
    if to != Edition.e2025.value:
        err.print("[red]Lỗi:[/red] --to must be 2025 (hamlets move onto the 2025 map).")
        raise typer.Exit(code=2)
    assignments: dict[int, int] = {}
    for item in assign or []:
        hamlet_id, _, commune_id = item.partition(":")
        if not (hamlet_id.isdigit() and commune_id.isdigit()):
            err.print(
                f"[red]Lỗi:[/red] --assign '{item}' must be HAMLET_ID:COMMUNE_ID."
            )
            raise typer.Exit(code=2)
        assignments[int(hamlet_id)] = int(commune_id)
    _ensure_schema()
    with session_scope() as session:
        result = area_service.rehome(
            session, province_name=province, assignments=assignments
        )
        for hamlet, old, new in result.moved:
            out.print(f"moved #{hamlet.id} {hamlet.name}: {old.name} → {new.name}")
        for hamlet, old, candidates in result.needs_choice:
            options = ", ".join(f"#{c.id} {c.name}" for c in candidates)
            out.print(
                f"[yellow]choose[/yellow] #{hamlet.id} {hamlet.name} ({old.name} was split): "
                f"{options}  → --assign {hamlet.id}:<commune id>"
            )
        for hamlet, new in result.name_clashes:
            out.print(
                f"[yellow]clash[/yellow] #{hamlet.id} {hamlet.name}: {new.name} already has "
                "a hamlet of that name; rename one, then run again"
            )
    out.print(
        f"{len(result.moved)} moved, {len(result.needs_choice)} to choose, "
        f"{len(result.name_clashes)} name clashes."
    )


# --- users ------------------------------------------------------------------------


@users_app.command("create-admin")
def users_create_admin(
    login: Annotated[str, typer.Option(help="Login of the new admin")] = "admin",
    name: Annotated[str, typer.Option(help="Display name")] = "Quản trị hệ thống",
) -> None:
    """Create an admin with a random one-time password (change it within 24 hours)."""
    from ocop_tracker.users import service as user_service
    from ocop_tracker.users.models import Role

    _ensure_schema()
    with session_scope() as session:
        user, one_time = user_service.create_user(
            session, None, login=login, display_name=name, role=Role.admin, area_id=None
        )
    out.print(f"Admin '{user.login}' created. One-time password (shown once):")
    out.print(f"  {one_time}", highlight=False)
    out.print("It must be changed at first sign-in and expires in 24 hours.")


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Option(help="Login (a phone number is allowed)")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[
        str, typer.Option(help="admin, department, official, team_leader, team_member")
    ],
    area_id: Annotated[
        int | None, typer.Option(help="Area id (see /api/v1/areas)")
    ] = None,
) -> None:
    """Create an account with a one-time password."""
    from ocop_tracker.users import service as user_service
    from ocop_tracker.users.models import Role

    try:
        chosen = Role(role)
    except ValueError:
        err.print(f"[red]Lỗi:[/red] unknown role '{role}'.")
        raise typer.Exit(code=2) from None
    _ensure_schema()
    with session_scope() as session:
        user, one_time = user_service.create_user(
            session, None, login=login, display_name=name, role=chosen, area_id=area_id
        )
    out.print(f"Account '{user.login}' ({user.role.value}) created. One-time password:")
    out.print(f"  {one_time}", highlight=False)


@users_app.command("disable")
def users_disable(
    login: Annotated[str, typer.Argument(help="Login to disable")],
) -> None:
    """Disable an account and end its sessions."""
    from ocop_tracker.users import service as user_service

    _ensure_schema()
    with session_scope() as session:
        user = user_service.disable_by_login(session, login)
    out.print(f"Account '{user.login}' disabled; its sessions ended.")


# --- demo ------------------------------------------------------------------------


@app.command()
def demo() -> None:
    """Load the demo data (the plan's pilot hamlets); safe to run again."""
    from ocop_tracker.demo import service as demo_service

    _ensure_schema()
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
# Their modules import this one lazily (inside functions), for session_scope,
# _ensure_schema and the consoles.

from ocop_tracker.backup import cli as backup_cli  # noqa: E402
from ocop_tracker.cards import cli as cards_cli  # noqa: E402
from ocop_tracker.photos import cli as photos_cli  # noqa: E402
from ocop_tracker.reports import cli as reports_cli  # noqa: E402

app.add_typer(photos_cli.app, name="photos")
app.add_typer(reports_cli.app, name="reports")
app.command("cards")(cards_cli.cards)
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)


def main() -> None:
    """Entry point for ``python -m ocop_tracker``."""
    app(prog_name="ocop-tracker")


if __name__ == "__main__":
    main()
