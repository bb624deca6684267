"""Backup and restore (SECURITY.md T42): a populated installation, backed up and
restored into an empty one, gives the same rows, files, pages and API answers.

Each test uses databases of its own (SQLite files, or fresh PostgreSQL databases
when the suite runs on PostgreSQL), never the run's shared one.
"""

import hashlib
import json
import os
import re
import stat
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth import service as auth_service
from ocop_tracker.backup import service
from ocop_tracker.cli import app as cli_app
from ocop_tracker.core import migrate
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import make_engine
from ocop_tracker.users import repository as user_repository
from tests.dbutil import fresh_database, load_demo, reset_caches

MEDIA = {
    "ab/abcdef0123.jpg": b"\xff\xd8\xff\xe0" + os.urandom(5000),
    "ab/abcdef0124.webp": b"RIFF" + os.urandom(3000),
    "cards/2026/the-card.pdf": b"%PDF-1.7\n" + os.urandom(2000),
    "top-level.png": b"\x89PNG\r\n\x1a\n" + os.urandom(100),
}
TEMPORARY = (".upload-123", "ab/abcdef0125.jpg.tmp", "ab/.partial", "x.part")


@dataclass
class Installation:
    """A database URL and a media directory, like one deployed service."""

    url: str
    media: Path


@contextmanager
def _installation(tmp_path: Path, label: str) -> Iterator[Installation]:
    with fresh_database(tmp_path, label) as url:
        yield Installation(url, tmp_path / f"{label}-media")


@contextmanager
def _settings(inst: Installation) -> Iterator[None]:
    """The process's settings pointed at ``inst`` for the block."""
    keys = ("OCOP_DATABASE_URL", "OCOP_MEDIA_DIR", "OCOP_ENV")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(
        OCOP_DATABASE_URL=inst.url, OCOP_MEDIA_DIR=str(inst.media), OCOP_ENV="test"
    )
    reset_caches()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_caches()


def _populate(inst: Installation) -> None:
    """Schema at head, the demo data, and media files (plus unfinished ones)."""
    load_demo(inst.url)
    for name, data in MEDIA.items():
        path = inst.media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name in TEMPORARY:
        path = inst.media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"unfinished")


def _digests(url: str) -> dict[str, tuple[int, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: (t.rows, t.sha256)
                for name, t in service.table_digests(conn).items()
            }
    finally:
        engine.dispose()


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Installation]:
    with _installation(tmp_path, "source") as inst:
        _populate(inst)
        yield inst


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Installation]:
    with _installation(tmp_path, "target") as inst:
        yield inst


def test_round_trip_gives_identical_rows_and_files(
    source: Installation, target: Installation, tmp_path: Path
) -> None:
    file = tmp_path / "out" / "backup.zip"
    written = service.create_backup(source.url, source.media, file)

    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [p.name for p in file.parent.iterdir()] == ["backup.zip"]  # no temp left
    with zipfile.ZipFile(file) as zf:
        manifest = service.read_manifest(zf)
        names = set(zf.namelist())
    assert manifest["database"]["revision"] == migrate.head_revision()
    assert manifest["database"]["kind"] in {"sqlite", "postgresql"}
    assert {m["path"] for m in manifest["media"]} == set(MEDIA)
    assert not any(name.endswith(TEMPORARY) for name in names)
    before = _digests(source.url)
    assert {
        n: (t["rows"], t["sha256"]) for n, t in manifest["tables"].items()
    } == before
    assert before["users"][0] > 5
    assert before["products"][0] > 0
    assert written.rows == sum(rows for rows, _ in before.values())

    restored = service.restore_backup(target.url, target.media, file)

    assert _digests(target.url) == before
    assert restored.rows == written.rows
    assert restored.seconds > 0
    assert service.media_digests(target.media) == {
        name: hashlib.sha256((source.media / name).read_bytes()).hexdigest()
        for name in MEDIA
    }
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        engine.dispose()


def test_restored_service_answers_the_same(
    source: Installation, target: Installation, tmp_path: Path
) -> None:
    # A session opened before the backup travels with it (its row is data).
    engine = make_engine(source.url)
    with Session(engine) as session:
        user = user_repository.by_login(session, "canbo.khom3")
        assert user is not None
        token, _ = auth_service.open_session(
            session, user, client_ip="127.0.0.1", user_agent="pytest"
        )
        session.commit()
    engine.dispose()
    file = tmp_path / "b.zip"
    service.create_backup(source.url, source.media, file)
    service.restore_backup(target.url, target.media, file)

    paths = [
        "/api/v1/me",
        "/api/v1/products",
        "/api/v1/producers",
        "/api/v1/listings",
        "/api/v1/teams",
        "/api/v1/areas?limit=200",
        "/api/v1/ocop-groups",
        "/",
        "/worklist",
    ]
    answers = []
    for inst in (source, target):
        with _settings(inst):
            from ocop_tracker.main import create_app

            with TestClient(create_app(), base_url="https://127.0.0.1") as client:
                client.cookies.set(get_settings().session_cookie, token)
                got = []
                for path in paths:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.text[:300])
                    got.append(response.content)
                answers.append(got)
    for path, a, b in zip(paths, *answers, strict=True):
        assert _unmasked(a) == _unmasked(b), path


# Each answer carries the session's CSRF secret masked with a fresh pad
# (BREACH): equal answers differ there and nowhere else.
_CSRF = re.compile(rb'("csrf_token":"|name="csrf_token" value=")[^"]+"')


def _unmasked(body: bytes) -> bytes:
    return _CSRF.sub(rb'\1(masked)"', body)


def test_backup_while_the_service_writes(
    source: Installation, target: Installation, tmp_path: Path
) -> None:
    """Writes during the backup: the file holds one consistent state."""
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        from ocop_tracker.audit.listener import record

        engine = make_engine(source.url)
        try:
            while not stop.is_set():
                with Session(engine) as session:
                    record(session, "test.write", detail=f"write {written[0]}")
                    session.commit()
                written[0] += 1
        finally:
            engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        file = tmp_path / "b.zip"
        result = service.create_backup(source.url, source.media, file)
    finally:
        stop.set()
        thread.join()
    assert written[0] > 0
    events = next(t for t in result.tables if t.name == "audit_events")
    restored = service.restore_backup(target.url, target.media, file)
    assert next(t for t in restored.tables if t.name == "audit_events") == events
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            # The events it holds are a prefix of the writes: no gap, no torn row.
            ids = conn.scalars(
                select(AuditEvent.detail)
                .where(AuditEvent.action == "test.write")
                .order_by(AuditEvent.id)
            ).all()
    finally:
        engine.dispose()
    assert ids == [f"write {i}" for i in range(len(ids))]


def test_restore_refuses_an_installation_in_use(
    source: Installation, tmp_path: Path
) -> None:
    file = tmp_path / "b.zip"
    service.create_backup(source.url, source.media, file)
    before = _digests(source.url)
    with pytest.raises(service.BackupError, match="đã có dữ liệu"):
        service.restore_backup(source.url, tmp_path / "empty-media", file)
    assert _digests(source.url) == before
    assert not (tmp_path / "empty-media").exists()


def test_restore_refuses_a_media_directory_with_files(
    source: Installation, target: Installation, tmp_path: Path
) -> None:
    file = tmp_path / "b.zip"
    service.create_backup(source.url, source.media, file)
    (target.media / "x").mkdir(parents=True)
    (target.media / "x" / "old.jpg").write_bytes(b"old")
    with pytest.raises(service.BackupError, match="đã có tệp"):
        service.restore_backup(target.url, target.media, file)
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            assert migrate.current_revision(conn) is None  # nothing written
    finally:
        engine.dispose()


@pytest.mark.parametrize("member", ["db/users.jsonl", "media/top-level.png"])
def test_a_damaged_backup_is_refused_before_anything_is_written(
    source: Installation, target: Installation, tmp_path: Path, member: str
) -> None:
    file = tmp_path / "b.zip"
    service.create_backup(source.url, source.media, file)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                data = data.replace(data[:1], b"X" if data[:1] != b"X" else b"Y", 1)
            out.writestr(info, data)
    with pytest.raises(service.BackupError, match="sha256"):
        service.restore_backup(target.url, target.media, damaged)
    assert not target.media.exists()
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            assert migrate.current_revision(conn) is None
    finally:
        engine.dispose()


def test_not_a_backup_is_refused(target: Installation, tmp_path: Path) -> None:
    file = tmp_path / "other.zip"
    with zipfile.ZipFile(file, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    with pytest.raises(service.BackupError, match="không phải bản sao lưu"):
        service.restore_backup(target.url, target.media, file)


def test_commands_write_audit_events_and_print_the_time(
    source: Installation, target: Installation, tmp_path: Path
) -> None:
    runner = CliRunner()
    file = tmp_path / "nightly.zip"
    with _settings(source):
        result = runner.invoke(cli_app, ["backup", str(file)], prog_name="ocop-tracker")
        assert result.exit_code == 0, result.output
        assert "mode 0600" in result.output
        again = runner.invoke(cli_app, ["backup", str(file)], prog_name="ocop-tracker")
        assert again.exit_code == 2
        assert "--overwrite" in again.output
    with _settings(target):
        result = runner.invoke(
            cli_app, ["restore", str(file)], prog_name="ocop-tracker"
        )
        assert result.exit_code == 0, result.output
        assert "Time taken:" in result.output
        refused = runner.invoke(
            cli_app, ["restore", str(file)], prog_name="ocop-tracker"
        )
        assert refused.exit_code == 2
        assert "Không có gì được ghi" in refused.output
    for inst, action in ((source, "backup"), (target, "restore")):
        engine = make_engine(inst.url)
        try:
            with engine.connect() as conn:
                details = conn.scalars(
                    select(AuditEvent.detail).where(AuditEvent.action == action)
                ).all()
        finally:
            engine.dispose()
        assert len(details) == 1
        assert "nightly.zip" in (details[0] or "")
    # The source's backup event was written after the snapshot: it is not in
    # the backup, so the restored installation does not hold it.
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            assert (
                conn.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "backup")
                )
                == 0
            )
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        engine.dispose()
