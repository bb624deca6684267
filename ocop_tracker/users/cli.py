"""``ocop-tracker users …``: accounts."""

from typing import Annotated

import typer

from ocop_tracker.core.cli import ensure_schema, err, out, session_scope
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role

app = typer.Typer(help="Accounts.", no_args_is_help=True)


@app.command("create-admin")
def users_create_admin(
    login: Annotated[str, typer.Option(help="Login of the new admin")] = "admin",
    name: Annotated[str, typer.Option(help="Display name")] = "Quản trị hệ thống",
) -> None:
    """Create an admin with a random one-time password (change it within 24 hours)."""
    ensure_schema()
    with session_scope() as session:
        user, one_time = user_service.create_user(
            session, None, login=login, display_name=name, role=Role.admin, area_id=None
        )
    out.print(f"Admin '{user.login}' created. One-time password (shown once):")
    out.print(f"  {one_time}", highlight=False)
    out.print("It must be changed at first sign-in and expires in 24 hours.")


@app.command("add")
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
    try:
        chosen = Role(role)
    except ValueError:
        err.print(f"[red]Lỗi:[/red] unknown role '{role}'.")
        raise typer.Exit(code=2) from None
    ensure_schema()
    with session_scope() as session:
        user, one_time = user_service.create_user(
            session, None, login=login, display_name=name, role=chosen, area_id=area_id
        )
    out.print(f"Account '{user.login}' ({user.role.value}) created. One-time password:")
    out.print(f"  {one_time}", highlight=False)


@app.command("disable")
def users_disable(
    login: Annotated[str, typer.Argument(help="Login to disable")],
) -> None:
    """Disable an account and end its sessions."""
    ensure_schema()
    with session_scope() as session:
        user = user_service.disable_by_login(session, login)
    out.print(f"Account '{user.login}' disabled; its sessions ended.")
