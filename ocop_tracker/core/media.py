"""Where media files live: a directory on this machine or an S3-compatible store.

One interface (``MediaStore``), two backends, chosen by settings:

- ``FileStore``: a directory (``OCOP_MEDIA_DIR``, or ``OCOP_MEDIA_URL=file:///…``),
  the embedded default. A file is written to a temporary name in its final
  directory, flushed, renamed into place and the directory flushed, so a crash
  leaves no file or the whole file (at worst a ``.tmp-`` file, swept later).
- ``ObjectStore``: ``OCOP_MEDIA_URL=s3://bucket/prefix`` on any S3-compatible
  store (MinIO, Ceph, SeaweedFS, a cloud's), through obstore. A PUT is atomic;
  an object is created only when absent (``If-None-Match: *``), so two servers
  storing the same content never both think they created it. Reads go through
  a bounded in-memory cache (objects are content-addressed, so their bytes
  never change): photos already seen keep being served while the store is
  down. Whether an object exists is always asked of the store itself.

Keys are relative paths with forward slashes (``photos/ab/<sha256>.jpg``),
made by the code, never taken from a user. A store that cannot be reached
raises ``StoreUnavailable`` (uploads answer 503 with Retry-After); a full disk
raises ``StorageFull`` (507).
"""

import contextlib
import datetime as dt
import errno
import logging
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ocop_tracker.core.config import Settings, get_settings, parse_media_url

log = logging.getLogger("ocop_tracker.media")

TMP_PREFIX = ".tmp-"
FILE_MODE = 0o640
# Below this much free space the file store reports itself low (uploads may fail).
LOW_BYTES = 64 * 1024 * 1024
# How long a store that does not answer may hold a request (seconds).
CONNECT_TIMEOUT_S = 2
REQUEST_TIMEOUT_S = 10
RETRIES = 2
RETRY_BUDGET_S = 3

# Tests inject faults here: called with the step name before each step of a
# file write ("mkdir", "open", "write", "fsync", "rename", "fsync_dir").
fault_hook: Callable[[str], None] | None = None


class StorageFull(OSError):
    """The disk (or quota) is full: the upload cannot be stored now."""


class StoreUnavailable(OSError):
    """The object store cannot be reached (or refuses us) right now."""


@dataclass(frozen=True)
class Written:
    """A stored object and whether this call created it (for undo on rollback)."""

    key: str
    created: bool


@dataclass(frozen=True)
class StoredObject:
    """One object in a listing: its key, size in bytes and age (epoch seconds)."""

    key: str
    size: int
    modified: float


def is_temporary(key: str) -> bool:
    """Objects a writer has not finished: never listed, copied or backed up."""
    return any(
        part.startswith(".") or part.endswith((".tmp", ".part", "~"))
        for part in key.split("/")
    )


def check_key(key: str) -> str:
    """``key`` when it is a plain relative path (no ``..``, no leading slash)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or any(part in {"", ".", ".."} for part in parts)
    ):
        raise ValueError(f"not a media key: {key!r}")
    return key


class MediaStore(Protocol):
    """What the service needs of a place that keeps media objects."""

    #: Where it is, for operators (``file:///…`` or ``s3://bucket/prefix``).
    location: str

    def put(self, key: str, data: bytes) -> Written:
        """Store ``data`` under ``key`` atomically; a present object is kept."""

    def get(self, key: str) -> bytes:
        """The object's bytes (``FileNotFoundError`` when absent)."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Delete the object if present."""

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every finished object under ``prefix``, sorted by key."""

    def sweep_temp(self, older_than: float) -> int:
        """Remove unfinished writes older than ``older_than`` seconds."""

    def check(self) -> str:
        """ "ok", "low_space", "unwritable" or "unavailable"."""

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine, when the store is a directory."""

    def presign(self, key: str, seconds: int) -> str | None:
        """A URL that reads the object for ``seconds``, when the store has them."""


# --- the local filesystem -----------------------------------------------------------


def _step(name: str) -> None:
    if fault_hook is not None:
        fault_hook(name)


def fsync_dir(directory: Path) -> None:
    """Flush a directory's entries (a rename into it) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """Objects as files under one directory (outside any static root)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = self.root.resolve().as_uri()

    def path(self, key: str) -> Path:
        """Where the object of ``key`` lives."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> Written:
        target = self.path(key)
        if target.exists():
            return Written(key, created=False)
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
            fsync_dir(target.parent)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            if tmp is None and target.exists():
                # Renamed but the directory flush failed: undo, the caller fails.
                with contextlib.suppress(OSError):
                    target.unlink()
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(exc.errno, "no space left for media") from exc
            raise
        return Written(key, created=True)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if is_temporary(key) or path.is_symlink():
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted while we walked
            if path.is_file():
                yield StoredObject(key, stat.st_size, stat.st_mtime)

    def sweep_temp(self, older_than: float) -> int:
        if not self.root.is_dir():
            return 0
        limit = time.time() - older_than
        removed = 0
        for entry in self.root.rglob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file() and entry.stat().st_mtime <= limit:
                    entry.unlink()
                    removed += 1
        return removed

    def check(self) -> str:
        probe = self.root if self.root.exists() else self.root.parent
        try:
            if not os.access(probe, os.W_OK):
                return "unwritable"
            if shutil.disk_usage(probe).free < LOW_BYTES:
                return "low_space"
        except OSError:
            return "unwritable"
        return "ok"

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    def presign(self, key: str, seconds: int) -> str | None:
        return None


# --- an S3-compatible object store ------------------------------------------------------


class _Cache:
    """The most recently read objects, up to a byte budget (LRU)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.largest = budget // 8
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.largest:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self.size += len(data)
            while self.size > self.budget:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)

    def drop(self, key: str) -> None:
        with self._lock:
            data = self._items.pop(key, None)
            if data is not None:
                self.size -= len(data)


def _unavailable(exc: Exception, action: str, key: str) -> StoreUnavailable:
    log.error("media: %s %s failed: %s", action, key, str(exc).splitlines()[0])
    return StoreUnavailable(f"the object store did not answer ({action})")


class ObjectStore:
    """Objects in a bucket of an S3-compatible store, under an optional prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        cache_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        try:
            from obstore.store import S3Store
        except ImportError:
            raise RuntimeError(
                "OCOP_MEDIA_URL=s3://… needs the S3 client: "
                "pip install -e '.[s3]' (obstore)"
            ) from None

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")
        config: dict[str, Any] = {}
        if endpoint:
            config["endpoint"] = endpoint
        if region:
            config["region"] = region
        if access_key_id:
            config["access_key_id"] = access_key_id
        if secret_access_key:
            config["secret_access_key"] = secret_access_key
        self._store = S3Store(
            bucket,
            prefix=self.prefix or None,
            client_options={
                "allow_http": bool(endpoint and endpoint.startswith("http://")),
                "connect_timeout": dt.timedelta(seconds=CONNECT_TIMEOUT_S),
                "timeout": dt.timedelta(seconds=REQUEST_TIMEOUT_S),
            },
            retry_config={
                "max_retries": RETRIES,
                "retry_timeout": dt.timedelta(seconds=RETRY_BUDGET_S),
                "backoff": {
                    "init_backoff": dt.timedelta(milliseconds=100),
                    "max_backoff": dt.timedelta(seconds=1),
                    "base": 2,
                },
            },
            **config,
        )
        self._cache = _Cache(cache_bytes)

    def put(self, key: str, data: bytes) -> Written:
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        check_key(key)
        # Never judged from the cache: another server may have deleted it.
        try:
            obstore.put(self._store, key, data, mode="create", use_multipart=False)
        except (AlreadyExistsError, PreconditionError):
            return Written(key, created=False)
        except Exception as exc:
            raise _unavailable(exc, "put", key) from None
        return Written(key, created=True)

    def get(self, key: str) -> bytes:
        import obstore

        check_key(key)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            data = bytes(obstore.get(self._store, key).bytes())
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise _unavailable(exc, "get", key) from None
        self._cache.put(key, data)
        return data

    def exists(self, key: str) -> bool:
        import obstore

        check_key(key)
        try:
            obstore.head(self._store, key)
        except FileNotFoundError:
            return False
        except Exception as exc:
            raise _unavailable(exc, "head", key) from None
        return True

    def delete(self, key: str) -> None:
        import obstore

        check_key(key)
        self._cache.drop(key)
        try:
            obstore.delete(self._store, key)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise _unavailable(exc, "delete", key) from None

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        import obstore

        found: list[StoredObject] = []
        try:
            for batch in obstore.list(self._store, prefix=prefix or None):
                for meta in batch:
                    key = str(meta["path"])
                    if not is_temporary(key):
                        found.append(
                            StoredObject(
                                key,
                                int(meta["size"]),
                                meta["last_modified"].timestamp(),
                            )
                        )
        except Exception as exc:
            raise _unavailable(exc, "list", prefix or "/") from None
        yield from sorted(found, key=lambda o: o.key)

    def sweep_temp(self, older_than: float) -> int:
        return 0  # a PUT is whole or absent: nothing is left half-written

    def check(self) -> str:
        import obstore

        try:
            stream = obstore.list(self._store, prefix="photos/", chunk_size=1)
            next(iter(stream), None)
        except Exception as exc:
            log.warning("media: store check failed: %s", str(exc).splitlines()[0])
            return "unavailable"
        return "ok"

    def local_path(self, key: str) -> Path | None:
        return None

    def presign(self, key: str, seconds: int) -> str | None:
        import obstore

        try:
            return obstore.sign(
                self._store, "GET", check_key(key), dt.timedelta(seconds=seconds)
            )
        except Exception as exc:
            raise _unavailable(exc, "sign", key) from None


# --- choosing the store -------------------------------------------------------------------


def open_store(
    url: str, settings: Settings | None = None, *, cache: bool = True
) -> MediaStore:
    """The store at ``url``, with the S3 settings (endpoint, keys) of ``settings``;
    ``cache=False`` reads every object from the store itself (to verify it)."""
    settings = settings or get_settings()
    kind, where, prefix = parse_media_url(url)
    if kind == "file":
        return FileStore(Path(where))
    secret = settings.s3_secret_access_key
    return ObjectStore(
        where,
        prefix,
        endpoint=settings.s3_endpoint,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        cache_bytes=settings.media_cache_mb * 1024 * 1024 if cache else 0,
    )


_stores: dict[tuple[Any, ...], MediaStore] = {}
_stores_lock = threading.Lock()


def store() -> MediaStore:
    """The configured store, made once per configuration."""
    settings = get_settings()
    url = settings.media_location
    key = (url, settings.s3_endpoint, settings.s3_region, settings.s3_access_key_id)
    found = _stores.get(key)
    if found is None:
        with _stores_lock:
            found = _stores.get(key)
            if found is None:
                found = _stores[key] = open_store(url, settings)
    return found


def as_store(media: "MediaStore | Path") -> MediaStore:
    """A store for a directory given as a path; a store as it is."""
    if isinstance(media, Path):
        return FileStore(media)
    return media
