"""``ocop-tracker photos …``: upkeep of the stored photo files."""

from typing import Annotated

import typer

from ocop_tracker.core.cli import ensure_schema, out, session_scope

app = typer.Typer(help="Product photos.", no_args_is_help=True)


@app.command("gc")
def gc(
    min_age_minutes: Annotated[
        int,
        typer.Option(
            min=0, help="Keep unreferenced files younger than this (uploads in flight)"
        ),
    ] = 15,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be removed")
    ] = False,
) -> None:
    """Remove stored photo files that no database row points to."""
    from ocop_tracker.photos import upkeep

    ensure_schema()
    with session_scope() as session:
        result = upkeep.collect_garbage(
            session, min_age_seconds=min_age_minutes * 60, dry_run=dry_run
        )
    verb = "Sẽ xóa" if dry_run else "Đã xóa"
    out.print(
        f"{verb} {len(result.orphans)} tệp ảnh không còn dùng "
        f"({result.bytes_freed / 1024:.0f} KiB); giữ {result.kept_young} tệp mới tải "
        f"(dưới {min_age_minutes} phút); {result.temp_removed} tệp tạm; "
        f"{result.keys_removed} khóa Idempotency-Key cũ.",
        highlight=False,
    )
    for digest in result.orphans[:20]:
        out.print(f"  {digest}", highlight=False)
