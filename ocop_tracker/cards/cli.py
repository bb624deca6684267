"""``ocop-tracker cards``: print QR product cards to a PDF file."""

from pathlib import Path
from typing import Annotated

import typer

from ocop_tracker.cards.layout import Layout
from ocop_tracker.core.cli import ensure_schema, err, out, progress, session_scope


def cards(
    output: Annotated[
        Path, typer.Option("--output", "-o", dir_okay=False, help="PDF file to write")
    ],
    area: Annotated[
        str | None,
        typer.Option(
            help='Area name, e.g. "Khóm 3" or "Phường 5" (diacritics optional)'
        ),
    ] = None,
    area_id: Annotated[
        int | None, typer.Option(help="Area id, when a name matches several areas")
    ] = None,
    layout: Annotated[Layout, typer.Option(help="Card layout")] = Layout.a4_2x4,
) -> None:
    """Print the QR cards of every product under an area to a PDF file."""
    from ocop_tracker.areas import views as area_views
    from ocop_tracker.cards import service
    from ocop_tracker.core.text import fold

    if (area is None) == (area_id is None):
        err.print("[red]Lỗi:[/red] give --area NAME or --area-id ID (one of them).")
        raise typer.Exit(code=2)
    ensure_schema()
    with session_scope() as session:
        if area_id is None:
            assert area is not None
            key = fold(area)
            found, _ = area_views.search(session, q=area, limit=50)
            exact = [u for u in found if key in {fold(u.name), fold(u.short_name)}]
            matches = exact or list(found)
            if len(matches) != 1:
                if not matches:
                    err.print(
                        f"[red]Lỗi:[/red] no area named '{area}'.", highlight=False
                    )
                else:
                    err.print(
                        f"'{area}' matches several areas; choose one with --area-id:"
                    )
                    groups = area_views.group_names(session, matches)
                    for u in matches:
                        err.print(
                            f"  {u.id}  {u.name}  ({groups.get(u.id, '')})",
                            highlight=False,
                        )
                raise typer.Exit(code=2)
            area_id = matches[0].id
        unit = area_views.get(session, area_id)
        ids = service.select_products(session, None, area_id=unit.id, product_ids=[])
        with progress() as bar:
            task = bar.add_task(f"Thẻ QR {unit.name}", total=len(ids))
            batch = service.print_cards(
                session,
                None,
                area_id=unit.id,
                product_ids=ids,
                layout=layout,
                progress=lambda n: bar.advance(task, n),
            )
        # Written whole, then moved into place: never a half-written PDF.
        partial = output.with_name(output.name + ".part")
        partial.write_bytes(batch.pdf)
        partial.replace(output)
    out.print(
        f"{batch.count} thẻ ({layout.value}) của {unit.name} → {output} "
        f"({len(batch.pdf) / 1024:.0f} KB)",
        highlight=False,
    )
