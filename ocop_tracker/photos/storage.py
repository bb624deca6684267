"""Photo files in the media store: content-addressed keys, sweeping.

Key: ``photos/<aa>/<sha256>.jpg`` where ``aa`` is the first two hex digits of
the file's own SHA-256, in whichever store the settings choose
(``core/media.py``: a directory, or an S3-compatible object store). Names never
come from the user. An object is written before the row that points to it and
deleted only after the commit that removed the row.
"""

import logging
import re
import threading
from collections.abc import Iterator

from ocop_tracker.core import media
from ocop_tracker.core.media import StorageFull, StoredObject, StoreUnavailable

log = logging.getLogger("ocop_tracker.photos")

__all__ = [
    "StorageFull",
    "StoreUnavailable",
    "StoredObject",
    "key_for",
    "read",
    "remove",
    "stored_hashes",
    "sweep_temp",
    "write",
]

SUBDIR = "photos"
EXTENSION = ".jpg"
# Temporary files younger than this may belong to an upload in flight.
TMP_GRACE_SECONDS = 15 * 60
_NAME = re.compile(r"^photos/([0-9a-f]{2})/([0-9a-f]{64})\.jpg$")
_HASH = re.compile(r"^[0-9a-f]{64}$")

_swept = False
_sweep_lock = threading.Lock()


def key_for(sha256: str) -> str:
    """The key of the photo file with this content hash."""
    if not _HASH.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{SUBDIR}/{sha256[:2]}/{sha256}{EXTENSION}"


def write(sha256: str, data: bytes) -> media.Written:
    """Store ``data`` under its content hash, atomically; a present file is kept.

    Leaves nothing half-written; a full disk raises StorageFull, an object
    store that does not answer StoreUnavailable.
    """
    sweep_once()
    return media.store().put(key_for(sha256), data)


def remove(sha256: str) -> None:
    """Delete a stored file if present (after the row pointing to it is gone)."""
    media.store().delete(key_for(sha256))


def read(sha256: str) -> bytes:
    """The stored bytes of a file (FileNotFoundError if missing)."""
    return media.store().get(key_for(sha256))


def exists(sha256: str) -> bool:
    """Whether the file of this hash is stored."""
    return media.store().exists(key_for(sha256))


def stored_hashes() -> Iterator[tuple[str, StoredObject]]:
    """Every stored photo file, as (content hash, what the store says of it)."""
    for item in media.store().objects(f"{SUBDIR}/"):
        found = _NAME.fullmatch(item.key)
        if found and found[2].startswith(found[1]):
            yield found[2], item


def sweep_temp(*, older_than: float = TMP_GRACE_SECONDS) -> int:
    """Remove temporary files left by interrupted writes; returns how many."""
    removed = media.store().sweep_temp(older_than)
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
