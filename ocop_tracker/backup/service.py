"""Backups: one ZIP file with a logical dump of the database and every media file.

Why a logical dump of our own rather than ``pg_dump``: the same file restores
into SQLite or PostgreSQL, needs no client binary matching the server's major
version, and lets the restore check every table against a checksum. Every table
is read inside one snapshot:

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live
  database, WAL included, into a temporary file in one step; the dump is read
  from that copy, so the service keeps writing meanwhile. A ``cp`` of the live
  file would miss the WAL.
- PostgreSQL: one ``REPEATABLE READ READ ONLY`` transaction; every table is read
  from the same snapshot while the service keeps writing.

Layout of the file (ZIP, table data deflated, media stored as they are):

- ``db/<table>.jsonl``: one JSON array per row, columns in the manifest's
  order, rows in primary-key order; values that JSON lacks are tagged
  (``{"$dt": ...}``, ``{"$date": ...}``, ``{"$dec": ...}``, ``{"$bytes": ...}``,
  ``{"$json": ...}``); datetimes in UTC.
- ``media/<path>``: every regular file under the media directory except
  temporary ones (names starting with ``.`` or ending ``.tmp``/``.part``).
- ``manifest.json``: format and version, schema revision, time, database kind,
  per table the columns, row count and sha256 of its data, per media file its
  size and sha256.

A restore goes only into an empty installation (no accounts, no audit trail,
no areas, no media files): it checks every checksum before writing anything,
brings the schema to the backup's revision, loads every table in one
transaction, compares each table's checksum after loading, moves the media
into place, then upgrades the schema to head.
"""

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import make_url

from ocop_tracker import __version__
from ocop_tracker.core import migrate
from ocop_tracker.core.db import make_engine, without_time_limits
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.media import FileStore, MediaStore, as_store, fsync_dir

FORMAT = "ocop-tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SKIPPED_TABLES = frozenset({"alembic_version"})
# Tables that hold rows in any installation that has been used: a restore
# refuses a database where one of them has a row.
IN_USE_TABLES = ("users", "audit_events", "admin_units", "producers", "products")
BATCH = 1000
CHUNK = 1 << 20

Progress = Callable[[str], None]


class BackupError(AppError):
    """A backup or restore that cannot go on; nothing was changed."""

    code = "backup_error"


@dataclass
class TableSummary:
    """One table of a backup."""

    name: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass
class MediaFile:
    """One media file of a backup, by its path under the media directory."""

    path: str
    size: int
    sha256: str


@dataclass
class BackupResult:
    """What a backup wrote."""

    path: Path
    revision: str
    database: str
    tables: list[TableSummary]
    media: list[MediaFile]
    seconds: float
    size: int
    vanished: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows over every table."""
        return sum(t.rows for t in self.tables)


@dataclass
class RestoreResult:
    """What a restore loaded."""

    revision: str
    head: str | None
    database: str
    tables: list[TableSummary]
    media_files: int
    media_bytes: int
    seconds: float

    @property
    def rows(self) -> int:
        """Rows over every table."""
        return sum(t.rows for t in self.tables)


# --- values -----------------------------------------------------------------------


def _encode(value: Any, column_type: sqltypes.TypeEngine[Any]) -> Any:
    """A column value as JSON, the same on SQLite and PostgreSQL."""
    if value is None:
        return None
    if isinstance(column_type, sqltypes.JSON):
        return {"$json": value}
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return {"$dt": aware.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": _decimal_text(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    raise BackupError(f"kiểu dữ liệu không sao lưu được: {type(value).__name__}")


def _decimal_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _decode(value: Any) -> Any:
    """The inverse of ``_encode``."""
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "$json":
        return raw
    if tag == "$float":
        return float(raw)
    if tag == "$dt":
        return dt.datetime.fromisoformat(raw)
    if tag == "$date":
        return dt.date.fromisoformat(raw)
    if tag == "$time":
        return dt.time.fromisoformat(raw)
    if tag == "$dec":
        return Decimal(raw)
    if tag == "$bytes":
        return base64.b64decode(raw)
    if tag == "$uuid":
        return uuid.UUID(raw)
    raise BackupError(f"giá trị không đọc được trong bản sao lưu: {tag}")


def _line(row: Iterable[Any], types: list[sqltypes.TypeEngine[Any]]) -> bytes:
    encoded = [_encode(v, t) for v, t in zip(row, types, strict=True)]
    text_ = json.dumps(
        encoded, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    return text_.encode("utf-8") + b"\n"


# --- database -----------------------------------------------------------------------


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sqltypes.JSON):
                # SQL NULL stays SQL NULL (not the JSON literal null).
                column.type = type(column.type)(none_as_null=True)
    return metadata


def _tables(metadata: MetaData) -> list[Table]:
    """Tables in an order where every referenced table comes first."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _ordered_rows(conn: Connection, table: Table) -> Iterator[Any]:
    keys = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(*table.columns).order_by(*keys)
    )
    yield from result


def table_digests(conn: Connection) -> dict[str, TableSummary]:
    """Row count and sha256 of every table's dump, as a backup would write it."""
    metadata = _reflect(conn)
    found: dict[str, TableSummary] = {}
    for table in _tables(metadata):
        types = [c.type for c in table.columns]
        digest = hashlib.sha256()
        rows = 0
        for row in _ordered_rows(conn, table):
            digest.update(_line(row, types))
            rows += 1
        found[table.name] = TableSummary(
            table.name, [c.name for c in table.columns], rows, digest.hexdigest()
        )
    return found


def _kind(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"


def _server_version(conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar_one()}"


@contextmanager
def _snapshot(url: str, scratch: Path) -> Iterator[Connection]:
    """A connection that sees one consistent state of the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        live = parsed.database
        if not live or live == ":memory:" or not Path(live).exists():
            raise BackupError(f"không thấy cơ sở dữ liệu SQLite: {live}")
        copy = scratch / "snapshot.db"
        source = sqlite3.connect(live, timeout=30)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # every page in one step: one consistent state
        finally:
            target.close()
            source.close()
        engine = make_engine(f"sqlite:///{copy}")
        try:
            with engine.connect() as conn, conn.begin():
                yield conn
        finally:
            engine.dispose()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as raw:
            conn = raw.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with conn.begin():
                # The dump of a large table may take longer than the service's
                # per-statement limit; this transaction only reads.
                without_time_limits(conn)
                yield conn
    finally:
        engine.dispose()


# --- media -----------------------------------------------------------------------


def media_files(media: MediaStore | Path) -> list[str]:
    """The key of every finished media object (a file under a directory, or an
    object in a bucket), sorted."""
    return [item.key for item in as_store(media).objects()]


def media_digests(media: MediaStore | Path) -> dict[str, str]:
    """sha256 of every finished media object, by its key."""
    store = as_store(media)
    return {
        key: hashlib.sha256(store.get(key)).hexdigest() for key in media_files(store)
    }


# --- backup ------------------------------------------------------------------------


def _member(name: str, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def create_backup(
    url: str,
    media: MediaStore | Path,
    target: Path,
    *,
    progress: Progress | None = None,
) -> BackupResult:
    """Write the database at ``url`` and the objects of ``media`` (a store, or a
    directory) to ``target``.

    The file appears complete or not at all (written to a temporary name beside
    it, flushed to disk, then renamed), readable by its owner only (0600).
    """
    say = progress or (lambda _m: None)
    started = time.perf_counter()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.fchmod(fd, 0o600)
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "w+b") as raw,
            tempfile.TemporaryDirectory(
                prefix=".ocop-backup-", dir=target.parent
            ) as scratch,
        ):
            with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                manifest, result = _write(zf, url, as_store(media), Path(scratch), say)
                zf.writestr(
                    _member(MANIFEST, stored=False),
                    json.dumps(manifest, ensure_ascii=False, indent=1),
                )
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    result.path = target
    result.size = target.stat().st_size
    result.seconds = time.perf_counter() - started
    return result


def _write(
    zf: zipfile.ZipFile, url: str, store: MediaStore, scratch: Path, say: Progress
) -> tuple[dict[str, Any], BackupResult]:
    tables: list[TableSummary] = []
    with _snapshot(url, scratch) as conn:
        revision = migrate.current_revision(conn)
        if revision is None:
            raise BackupError(
                "cơ sở dữ liệu chưa có lược đồ (chưa chạy 'ocop-tracker db upgrade')"
            )
        server = _server_version(conn)
        for table in _tables(_reflect(conn)):
            types = [c.type for c in table.columns]
            digest = hashlib.sha256()
            rows = 0
            with zf.open(
                _member(f"db/{table.name}.jsonl", stored=False), "w", force_zip64=True
            ) as out:
                for row in _ordered_rows(conn, table):
                    line = _line(row, types)
                    digest.update(line)
                    out.write(line)
                    rows += 1
            tables.append(
                TableSummary(
                    table.name,
                    [c.name for c in table.columns],
                    rows,
                    digest.hexdigest(),
                )
            )
            say(f"{table.name}: {rows} rows")
    # Media after the snapshot: a file added meanwhile is kept too (harmless);
    # files are content-addressed and deleted only after their row is gone.
    media: list[MediaFile] = []
    vanished: list[str] = []
    for name in media_files(store):
        try:
            size, sha = _copy_into(zf, store, name)
        except FileNotFoundError:
            vanished.append(name)  # deleted while we walked the store
            continue
        media.append(MediaFile(name, size, sha))
    say(f"media: {len(media)} files")
    created = dt.datetime.now(dt.UTC).isoformat()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created,
        "app_version": __version__,
        "database": {"kind": _kind(url), "server": server, "revision": revision},
        "tables": {
            t.name: {"columns": t.columns, "rows": t.rows, "sha256": t.sha256}
            for t in tables
        },
        "media": [{"path": m.path, "size": m.size, "sha256": m.sha256} for m in media],
    }
    result = BackupResult(
        path=Path(),
        revision=revision,
        database=_kind(url),
        tables=tables,
        media=media,
        seconds=0.0,
        size=0,
        vanished=vanished,
    )
    return manifest, result


def _copy_into(zf: zipfile.ZipFile, store: MediaStore, key: str) -> tuple[int, str]:
    path = store.local_path(key)
    digest = hashlib.sha256()
    size = 0
    with zf.open(_member(f"media/{key}", stored=True), "w", force_zip64=True) as out:
        if path is None:
            data = store.get(key)  # photos are small: one read each
            digest.update(data)
            out.write(data)
            return len(data), digest.hexdigest()
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


# --- restore -----------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest of an open backup, checked for format and version."""
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise BackupError("tệp không phải bản sao lưu của ocop-tracker") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("tệp không phải bản sao lưu của ocop-tracker")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"định dạng sao lưu {manifest.get('format_version')} không được hỗ trợ "
            f"(phiên bản này đọc định dạng {FORMAT_VERSION})"
        )
    return manifest


def verify(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every table and media file present with the sha256 the manifest gives."""
    expected = {
        f"db/{name}.jsonl": t["sha256"] for name, t in manifest["tables"].items()
    }
    expected |= {f"media/{m['path']}": m["sha256"] for m in manifest["media"]}
    names = set(zf.namelist())
    for name, sha in expected.items():
        if name not in names:
            raise BackupError(f"bản sao lưu thiếu {name}")
        if _member_sha256(zf, name) != sha:
            raise BackupError(f"bản sao lưu hỏng: {name} sai mã kiểm tra sha256")
        if name.startswith("media/"):
            _safe_relative(name.removeprefix("media/"))


def _member_sha256(zf: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"bản sao lưu hỏng: {name} ({exc})") from exc
    return digest.hexdigest()


def _safe_relative(name: str) -> Path:
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"đường dẫn không hợp lệ trong bản sao lưu: {name}")
    return relative


def ensure_empty(url: str, media: MediaStore | Path) -> None:
    """Refuse an installation that holds data: a restore never merges."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        db_path = Path(parsed.database)
        if not db_path.exists():
            # Left by a crash of an earlier database at this path: stale.
            for suffix in ("-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            for name in IN_USE_TABLES:
                if name in present:
                    count = conn.scalar(select(func.count()).select_from(text(name)))
                    if count:
                        raise BackupError(
                            f"cơ sở dữ liệu đích đã có dữ liệu (bảng {name}: {count} dòng); "
                            "chỉ khôi phục vào một cài đặt trống"
                        )
    finally:
        engine.dispose()
    store = as_store(media)
    if media_files(store):
        raise BackupError(
            f"nơi lưu ảnh {_where(store)} đã có tệp; chỉ khôi phục vào một nơi trống"
        )


def _where(store: MediaStore) -> str:
    path = store.local_path("x")
    return str(path.parent) if path is not None else store.location


def _known_revision(revision: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        found = script.get_revision(revision)
    except Exception:
        found = None
    if found is None:
        raise BackupError(
            f"bản sao lưu ở phiên bản lược đồ {revision}, phiên bản mã này không biết: "
            "cài phiên bản ocop-tracker mới hơn rồi khôi phục"
        )


def _schema_at(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = migrate.current_revision(conn)
    finally:
        engine.dispose()
    if current == revision:
        return
    if current is not None:
        migrate.downgrade("base", url=url)
    migrate.upgrade(revision, url=url)


def restore_backup(
    url: str,
    media: MediaStore | Path,
    source: Path,
    *,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore ``source`` into the empty installation (``url``, ``media``).

    Into a directory, the files are staged beside it and renamed into place
    after the database is loaded; into an object store, the objects are put
    (and read back) before the database is loaded, and deleted again if the
    load fails: never a row without its photo.
    """
    say = progress or (lambda _m: None)
    started = time.perf_counter()
    store = as_store(media)
    with zipfile.ZipFile(source) as zf:
        manifest = read_manifest(zf)
        say("checking every checksum")
        verify(zf, manifest)
        revision = manifest["database"]["revision"]
        _known_revision(revision)
        ensure_empty(url, store)
        say(f"schema to {revision}")
        _schema_at(url, revision)
        if isinstance(store, FileStore):
            staging = _stage_media(zf, manifest, store.root)
            try:
                tables = _load(zf, manifest, url, say)
                _move_media(staging, store.root)
            finally:
                if staging.exists():
                    shutil.rmtree(staging)
        else:
            put = _put_media(zf, manifest, store, say)
            try:
                tables = _load(zf, manifest, url, say)
            except BaseException:
                for key in put:
                    with contextlib.suppress(OSError):
                        store.delete(key)
                raise
    say("schema to head")
    migrate.upgrade("head", url=url)
    check_integrity(url)
    media_list = manifest["media"]
    return RestoreResult(
        revision=revision,
        head=migrate.head_revision(),
        database=_kind(url),
        tables=tables,
        media_files=len(media_list),
        media_bytes=sum(int(m["size"]) for m in media_list),
        seconds=time.perf_counter() - started,
    )


def _put_media(
    zf: zipfile.ZipFile, manifest: dict[str, Any], store: MediaStore, say: Progress
) -> list[str]:
    """Every media member into the object store, each read back and checked;
    what was put is deleted again when one fails."""
    put: list[str] = []
    try:
        for item in manifest["media"]:
            key = _safe_relative(item["path"]).as_posix()
            data = zf.read(f"media/{item['path']}")
            if hashlib.sha256(data).hexdigest() != item["sha256"]:
                raise BackupError(f"bản sao lưu hỏng: media/{item['path']}")
            store.put(key, data)
            put.append(key)
            if hashlib.sha256(store.get(key)).hexdigest() != item["sha256"]:
                raise BackupError(f"kho ảnh trả về tệp khác với bản đã ghi: {key}")
        say(f"media: {len(put)} objects put into {store.location}")
    except BaseException:
        for key in put:
            with contextlib.suppress(OSError):
                store.delete(key)
        raise
    return put


def _stage_media(
    zf: zipfile.ZipFile, manifest: dict[str, Any], media_dir: Path
) -> Path:
    media_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{media_dir.name}.restore-", dir=media_dir.parent)
    )
    for item in manifest["media"]:
        relative = _safe_relative(item["path"])
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with zf.open(f"media/{item['path']}") as src, path.open("wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != item["sha256"]:
            raise BackupError(f"bản sao lưu hỏng: media/{item['path']}")
    return staging


def _move_media(staging: Path, media_dir: Path) -> None:
    if media_dir.exists():
        if media_files(media_dir):
            raise BackupError(f"thư mục ảnh {media_dir} có tệp mới trong lúc khôi phục")
        shutil.rmtree(media_dir)  # empty but for directories and temporary files
    staging.chmod(0o755)  # mkdtemp makes it 0700; the media directory is not secret
    os.replace(staging, media_dir)
    fsync_dir(media_dir.parent)


def _load(
    zf: zipfile.ZipFile, manifest: dict[str, Any], url: str, say: Progress
) -> list[TableSummary]:
    """Every table in one transaction; each compared with its checksum after."""
    wanted: dict[str, Any] = manifest["tables"]
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            metadata = _reflect(conn)
            tables = _tables(metadata)
            missing = set(wanted) - {t.name for t in tables}
            if missing:
                raise BackupError(
                    f"lược đồ đích thiếu bảng: {', '.join(sorted(missing))}"
                )
            # Rows that migrations seed (OCOP groups, marketplaces) give way
            # to the backup's own.
            without_time_limits(conn)
            for table in reversed(tables):
                if conn.scalar(select(func.count()).select_from(table)):
                    conn.execute(table.delete())
            for table in tables:
                if table.name not in wanted:
                    continue
                _load_table(conn, zf, table, wanted[table.name]["columns"])
                say(f"{table.name}: {wanted[table.name]['rows']} rows")
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, tables)
            digests = table_digests(conn)
            for name, expected in wanted.items():
                got = digests[name]
                if got.rows != expected["rows"]:
                    raise BackupError(
                        f"bảng {name}: {got.rows} dòng sau khi nạp, bản sao lưu có "
                        f"{expected['rows']}"
                    )
                if got.sha256 != expected["sha256"]:
                    raise BackupError(
                        f"bảng {name}: dữ liệu sau khi nạp khác bản sao lưu"
                    )
            return [digests[name] for name in wanted]
    finally:
        engine.dispose()


def _load_table(
    conn: Connection, zf: zipfile.ZipFile, table: Table, columns: list[str]
) -> None:
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise BackupError(f"bảng {table.name} thiếu cột: {', '.join(sorted(unknown))}")
    with zf.open(f"db/{table.name}.jsonl") as fh:
        rows: Iterator[dict[str, Any]] = (
            dict(zip(columns, map(_decode, json.loads(line)), strict=True))
            for line in fh
        )
        if _self_references(table):
            rows = iter(_parents_first(table, list(rows)))
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)


def _self_references(table: Table) -> list[tuple[str, str]]:
    return [
        (fk.parent.name, fk.column.name)
        for fk in table.foreign_keys
        if fk.column.table is table
    ]


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order rows so that a row referring to its own table comes after its target."""
    links = _self_references(table)
    targets = {target for _, target in links}
    seen: dict[str, set[Any]] = {target: set() for target in targets}
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        waiting = []
        for row in pending:
            if all(
                row[src] is None or row[src] in seen[dst] or row[src] == row[dst]
                for src, dst in links
            ):
                ordered.append(row)
                for target in targets:
                    seen[target].add(row[target])
            else:
                waiting.append(row)
        if len(waiting) == len(pending):
            raise BackupError(f"bảng {table.name}: tham chiếu vòng, không nạp được")
        pending = waiting
    return ordered


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sqltypes.Integer):
                continue
            sequence = conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            )
            if sequence:
                conn.execute(
                    text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                        f'FROM "{table.name}"), 1), '
                        f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL)'
                    ),
                    {"s": sequence},
                )


def check_integrity(url: str) -> None:
    """SQLite's ``integrity_check`` and ``foreign_key_check`` after a restore."""
    if _kind(url) != "sqlite":
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if ok != "ok":
                raise BackupError(f"SQLite integrity_check: {ok}")
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise BackupError(f"SQLite foreign_key_check: {len(broken)} dòng lỗi")
    finally:
        engine.dispose()


def record_event(url: str, action: str, detail: str) -> None:
    """One audit event (``backup`` or ``restore``) in the installation at ``url``."""
    from sqlalchemy.orm import Session

    from ocop_tracker.audit.listener import record

    engine: Engine = make_engine(url)
    try:
        with Session(engine) as session:
            record(session, action, object_type="installation", detail=detail)
            session.commit()
    finally:
        engine.dispose()
