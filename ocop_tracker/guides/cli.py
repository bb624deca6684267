"""``ocop-tracker guides``: the how-to sheets — list them, check an edited one."""

from pathlib import Path
from typing import Annotated

import typer

from ocop_tracker.core.cli import out

app = typer.Typer(
    help="How-to sheets (Hướng dẫn): list them, check an edited one.",
    no_args_is_help=True,
)


@app.command("list")
def list_sheets() -> None:
    """Every sheet in use: its key, what it is for, its title."""
    from ocop_tracker.guides import sheets

    for sheet in sorted(sheets.catalog().values(), key=lambda s: s.key):
        where = f" ({sheet.marketplace})" if sheet.marketplace else ""
        out.print(
            f"{sheet.key}\t{sheet.kind}:{sheet.code}{where}\t{sheet.title}",
            highlight=False,
            soft_wrap=True,
        )


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Read an edited sheet (YAML) and say what is wrong before it goes live."""
    from ocop_tracker.guides import sheets

    try:
        sheet = sheets.parse(path.read_text(encoding="utf-8"))
    except (sheets.SheetError, UnicodeDecodeError) as exc:
        out.print(f"Phiếu chưa dùng được: {exc}", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"Phiếu dùng được: {sheet.key} · {sheet.title}", highlight=False)
