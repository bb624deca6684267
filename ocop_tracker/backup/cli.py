"""``ocop-tracker backup FILE`` and ``ocop-tracker restore FILE``."""

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ocop_tracker.core.cli import err, out


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{n} B"
        value /= 1024
    return f"{n} B"


def _progress(message: str) -> None:
    """A step of a long backup or restore, on stderr."""
    err.print(message, highlight=False)


@contextmanager
def _refusal_exits(note: str = "") -> Iterator[None]:
    """A refused backup or restore: its message (and ``note``) on stderr, exit code 2."""
    from ocop_tracker.backup import service

    try:
        yield
    except service.BackupError as exc:
        err.print(f"[red]Lỗi:[/red] {exc.message}{note}", highlight=False)
        raise typer.Exit(code=2) from None


def backup(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="The backup file to write (a ZIP)")
    ],
    overwrite: Annotated[
        bool, typer.Option(help="Replace FILE when it exists")
    ] = False,
) -> None:
    """Write a consistent backup of the database and media to one file (mode 0600).

    Safe while the service runs: the database is read from one snapshot.
    """
    from ocop_tracker.backup import service
    from ocop_tracker.core import media
    from ocop_tracker.core.config import get_settings

    settings = get_settings()
    if file.exists() and not overwrite:
        err.print(f"[red]Lỗi:[/red] {file} đã có; dùng --overwrite để ghi đè.")
        raise typer.Exit(code=2)
    with _refusal_exits():
        result = service.create_backup(
            settings.database_url, media.store(), file, progress=_progress
        )
    detail = (
        f"backup {result.path.name}: {result.rows} rows in {len(result.tables)} tables, "
        f"{len(result.media)} media files, revision {result.revision}, "
        f"by {_actor()} (command line)"
    )
    service.record_event(settings.database_url, "backup", detail)
    out.print(
        f"Backup written to {result.path} ({_size(result.size)}, mode 0600): "
        f"{result.rows} rows in {len(result.tables)} tables, "
        f"{len(result.media)} media files, schema {result.revision}, "
        f"in {result.seconds:.1f} s.",
        highlight=False,
    )
    if result.vanished:
        out.print(
            f"{len(result.vanished)} media file(s) deleted while the backup ran "
            "were left out.",
            highlight=False,
        )


def restore(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="A file written by 'backup'"),
    ],
) -> None:
    """Restore a backup into an EMPTY installation, then bring the schema to head.

    Every checksum is checked before anything is written; a database that holds
    accounts, areas or an audit trail, or a media directory with files, is refused.
    """
    from ocop_tracker.backup import service
    from ocop_tracker.core import media
    from ocop_tracker.core.config import get_settings

    settings = get_settings()
    with _refusal_exits(". Không có gì được ghi."):
        result = service.restore_backup(
            settings.database_url, media.store(), file, progress=_progress
        )
    detail = (
        f"restore {file.name}: {result.rows} rows, {result.media_files} media files, "
        f"revision {result.revision} -> {result.head}, by {_actor()} (command line)"
    )
    service.record_event(settings.database_url, "restore", detail)
    out.print(
        f"Restored {result.rows} rows in {len(result.tables)} tables and "
        f"{result.media_files} media files ({_size(result.media_bytes)}); "
        f"schema {result.revision} → {result.head}; every checksum matched. "
        f"Time taken: {result.seconds:.1f} s.",
        highlight=False,
    )


media_app = typer.Typer(help="Where photos and other media live.", no_args_is_help=True)


@media_app.command("migrate")
def migrate_media(
    to: Annotated[
        str, typer.Option("--to", help="The target: s3://bucket/prefix or file:///dir")
    ],
    source: Annotated[
        str | None,
        typer.Option("--from", help="The source (default: the configured media store)"),
    ] = None,
) -> None:
    """Copy every media object to another store, each one read back and its
    SHA-256 checked. Safe to run again (a verified object is not copied twice)
    and while the service runs; the source is left as it was.

    The S3 endpoint and keys come from OCOP_S3_*. When it ends, set
    OCOP_MEDIA_URL to the target, restart the servers, and run it once more
    to catch photos uploaded in between.
    """
    from ocop_tracker.backup import moving
    from ocop_tracker.core import media
    from ocop_tracker.core.cli import progress
    from ocop_tracker.core.config import get_settings

    settings = get_settings()
    try:
        origin = media.open_store(source or settings.media_location, settings)
        target = media.open_store(to, settings, cache=False)
    except ValueError as exc:
        err.print(f"[red]Lỗi:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    if origin.location == target.location:
        err.print("[red]Lỗi:[/red] nguồn và đích là một nơi.", highlight=False)
        raise typer.Exit(code=2)
    out.print(f"Chép ảnh từ {origin.location} sang {target.location}…", highlight=False)
    try:
        with progress() as bar:
            task = bar.add_task("chép và kiểm tra", total=0)
            result = moving.move(
                origin,
                target,
                found=lambda n: bar.update(task, total=(bar.tasks[0].total or 0) + n),
                advance=lambda n: bar.advance(task, n),
            )
    except (media.StoreUnavailable, OSError) as exc:
        err.print(
            f"[red]Lỗi:[/red] không ghi hoặc đọc được kho ({exc}); chạy lại lệnh "
            "khi kho trả lời: những tệp đã chép sẽ không chép lại.",
            highlight=False,
        )
        raise typer.Exit(code=1) from None
    except moving.MoveError as exc:
        err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False)
        raise typer.Exit(code=1) from None
    out.print(
        f"Xong trong {result.seconds:.1f} giây ({result.passes} lượt): "
        f"{result.copied} tệp đã chép ({_size(result.bytes_copied)}), "
        f"{result.present} tệp đã có sẵn và đúng, {result.replaced} tệp sai được chép lại, "
        f"{result.vanished} tệp đã bị xóa trong lúc chép. "
        f"Mọi tệp ở đích đều đã được đọc lại và so mã SHA-256.",
        highlight=False,
    )
    if result.damaged:
        err.print(
            f"[yellow]{len(result.damaged)} tệp ở nguồn bị hỏng (nội dung khác tên), "
            "không chép:[/yellow] " + ", ".join(result.damaged[:10]),
            highlight=False,
        )
        raise typer.Exit(code=1)
