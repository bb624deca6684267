"""``ocop-tracker areas …``: the administrative tree."""

from pathlib import Path
from typing import Annotated

import typer

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Edition
from ocop_tracker.core.cli import ensure_schema, err, out, progress, session_scope
from ocop_tracker.core.errors import AppError

app = typer.Typer(help="The administrative tree.", no_args_is_help=True)


@app.command("import")
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
    ensure_schema()
    names = province or []
    with session_scope() as session:
        try:
            total = area_service.count_units(edition, names)
        except AppError as exc:
            err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False)
            raise typer.Exit(code=2) from None
        with progress() as bar:
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


@app.command("add-hamlet")
def areas_add_hamlet(
    commune_code: Annotated[str, typer.Option(help="Official code of the commune")],
    name: Annotated[str, typer.Option(help='Hamlet name, e.g. "Ấp Mỹ Phước"')],
    edition: Annotated[
        Edition | None,
        typer.Option(help="Edition of the commune code, when both are loaded"),
    ] = None,
) -> None:
    """Add a hamlet (khóm/ấp) under a commune."""
    ensure_schema()
    with session_scope() as session:
        commune = area_views.commune_by_code(session, commune_code, edition)
        unit = area_service.add_hamlet(session, commune_id=commune.id, name=name)
        group = area_views.group_names(session, [unit]).get(unit.id, "")
        out.print(f"Added #{unit.id} {unit.name} under {commune.name}  ({group})")


@app.command("import-hamlets")
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
    ensure_schema()
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


@app.command("rehome")
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
    ensure_schema()
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
