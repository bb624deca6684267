"""Photo files on disk: content-addressed names, atomic writes, sweeping.

Layout: ``<media_dir>/photos/<aa>/<sha256>.jpg`` where ``aa`` is the first two
hex digits of the file's own SHA-256. Names never come from the user. A file is
written to a temporary name in its final directory, flushed to disk, renamed
into place, and the directory flushed, so a crash leaves either no file or the
whole file (and at worst a ``.tmp-`` file, swept later).
"""

import contextlib
import errno
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ocop_tracker.core.config import get_settings

log = logging.getLogger("ocop_tracker.photos")

SUBDIR = "photos"
EXTENSION = ".jpg"
TMP_PREFIX = ".tmp-"
FILE_MODE = 0o640
# Temporary files younger than this may belong to an upload in flight.
TMP_GRACE_SECONDS = 15 * 60
_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")
_HASH = re.compile(r"^[0-9a-f]{64}$")

# Tests inject faults here: called with the step name before each step.
fault_hook: Callable[[str], None] | None = None
_swept = False
_sweep_lock = threading.Lock()


class StorageFull(OSError):
    """The disk (or quota) is full: the upload cannot be stored now."""


def root() -> Path:
    """The directory holding every photo file (outside any static root)."""
    return Path(get_settings().media_dir) / SUBDIR


def path_for(sha256: str) -> Path:
    """Where the file with this content hash lives."""
    if not _HASH.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return root() / sha256[:2] / f"{sha256}{EXTENSION}"


def _step(name: str) -> None:
    if fault_hook is not None:
        fault_hook(name)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Written:
    """A stored file and whether this call created it (for undo on rollback)."""

    path: Path
    created: bool


def write(sha256: str, data: bytes) -> Written:
    """Store ``data`` under its content hash, atomically; a present file is kept.

    Any OSError leaves no temporary file behind; ENOSPC/EDQUOT become StorageFull.
    """
    sweep_once()
    target = path_for(sha256)
    if target.exists():
        return Written(target, created=False)
    tmp: Path | None = None
    try:
        _step("mkdir")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        tmp = target.parent / f"{TMP_PREFIX}{secrets.token_hex(16)}"
        _step("open")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            _step("write")
            view = memoryview(data)
            while view:
                done = os.write(fd, view)
                view = view[done:]
            _step("fsync")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, FILE_MODE)  # the umask may have narrowed the mode
        _step("rename")
        os.replace(tmp, target)
        tmp = None
        _step("fsync_dir")
        _fsync_dir(target.parent)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if tmp is None and target.exists():
            # Renamed but the directory flush failed: undo, the caller fails.
            with contextlib.suppress(OSError):
                target.unlink()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(exc.errno, "no space left for photos") from exc
        raise
    return Written(target, created=True)


def remove(sha256: str) -> None:
    """Delete a stored file if present (after the row pointing to it is gone)."""
    with contextlib.suppress(FileNotFoundError):
        path_for(sha256).unlink()


def read(sha256: str) -> bytes:
    """The stored bytes of a file (FileNotFoundError if missing)."""
    return path_for(sha256).read_bytes()


def stored_hashes() -> Iterator[tuple[str, Path]]:
    """Every stored photo file, as (content hash, path)."""
    base = root()
    if not base.is_dir():
        return
    for sub in sorted(base.iterdir()):
        if not sub.is_dir() or len(sub.name) != 2:
            continue
        for entry in sorted(sub.iterdir()):
            if _NAME.fullmatch(entry.name):
                yield entry.name[:64], entry


def sweep_temp(*, older_than: float = TMP_GRACE_SECONDS) -> int:
    """Remove temporary files left by interrupted writes; returns how many."""
    base = root()
    if not base.is_dir():
        return 0
    limit = time.time() - older_than
    removed = 0
    for sub in base.iterdir():
        if not sub.is_dir():
            continue
        for entry in sub.iterdir():
            if not entry.name.startswith(TMP_PREFIX):
                continue
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime <= limit:
                    entry.unlink()
                    removed += 1
    if removed:
        log.info("photos: swept %d temporary files", removed)
    return removed


def sweep_once() -> None:
    """Sweep old temporary files the first time this process stores a photo."""
    global _swept
    if _swept:
        return
    with _sweep_lock:
        if _swept:
            return
        _swept = True
        try:
            sweep_temp()
        except OSError:
            log.warning("photos: could not sweep temporary files", exc_info=True)
