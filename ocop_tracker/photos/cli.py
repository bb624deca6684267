"""``ocop-tracker photos …``: upkeep of the stored photo files."""

import typer

app = typer.Typer(help="Product photos.", no_args_is_help=True)


@app.command("gc")
def gc() -> None:
    """Remove stored photo files that no database row points to."""
    raise typer.Exit(code=1)
