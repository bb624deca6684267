"""The photo store: content-addressed writes (atomic on disk), temp sweeping,
``photos gc`` listing the store (on both stores, tests/photos/conftest.py)."""

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker.cli import app
from ocop_tracker.core import media
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import storage
from ocop_tracker.photos import upkeep as photo_upkeep
from ocop_tracker.photos.models import Photo
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User
from tests.photos import corpus


def _file(digest: str) -> Path:
    path = media.store().local_path(storage.key_for(digest))
    assert path is not None
    return path


def _orphan(data: bytes, age: float, backend: str) -> str:
    """A stored file no row points to, ``age`` seconds old; its hash."""
    digest = hashlib.sha256(data).hexdigest()
    assert storage.write(digest, data).created
    if backend == "file":
        old = time.time() - age
        os.utime(_file(digest), (old, old))
    return digest


def test_names_are_hashes_only(database_url: str) -> None:
    for bad in ("../../app/main.py", "..\\x.jpg", "a" * 10_000, "\u202egpj.exe"):
        with pytest.raises(ValueError, match="SHA-256"):
            storage.key_for(bad)
    digest = hashlib.sha256(b"x").hexdigest()
    assert storage.key_for(digest) == f"photos/{digest[:2]}/{digest}.jpg"
    for bad in ("../x", "/etc/passwd", "a//b", "a\\b", "", "a/./b"):
        with pytest.raises(ValueError, match="media key"):
            media.check_key(bad)


def test_write_is_idempotent_and_reads_back(database_url: str) -> None:
    data = b"\xff\xd8\xff" + os.urandom(64)
    digest = hashlib.sha256(data).hexdigest()
    first = storage.write(digest, data)
    again = storage.write(digest, data)
    assert first.created is True
    assert again.created is False
    assert storage.read(digest) == data
    assert storage.exists(digest)
    assert digest in dict(storage.stored_hashes())
    storage.remove(digest)
    storage.remove(digest)  # already gone: nothing to do
    assert not storage.exists(digest)
    with pytest.raises(FileNotFoundError):
        storage.read(digest)


@pytest.mark.file_store
def test_write_on_disk_is_atomic_and_private(database_url: str) -> None:
    data = b"\xff\xd8\xff" + os.urandom(64)
    digest = hashlib.sha256(data).hexdigest()
    storage.write(digest, data)
    path = _file(digest)
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o640
    assert "static" not in path.parts
    assert not list(path.parent.glob(".tmp-*"))


@pytest.mark.file_store
def test_old_temp_files_are_swept(database_url: str) -> None:
    data = os.urandom(32)
    folder = _file(hashlib.sha256(data).hexdigest()).parent
    folder.mkdir(parents=True, exist_ok=True)
    old, young = folder / ".tmp-old", folder / ".tmp-young"
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    past = time.time() - 3600
    os.utime(old, (past, past))
    assert storage.sweep_temp() >= 1
    assert not old.exists()
    assert young.exists()
    young.unlink()


def test_gc_removes_only_unreferenced_old_files(
    session: Session, media_backend: str
) -> None:
    admin = session.scalar(select(User).where(User.role == Role.admin).limit(1))
    product = session.scalar(select(Product).order_by(Product.id).limit(1))
    assert admin is not None
    assert product is not None
    kept = photo_service.upload(
        session,
        admin,
        photo_service.Target(product),
        corpus.plain_jpeg(300, 200, seed=77),
        sync=False,
    ).photo
    fresh = _orphan(b"\xff\xd8\xff fresh " + os.urandom(16), 0, media_backend)
    stale = _orphan(b"\xff\xd8\xff stale " + os.urandom(16), 0, media_backend)
    # An hour and a half later (on disk, the stale file is made old instead).
    later = time.time() + 5400
    if media_backend == "file":
        os.utime(_file(kept.sha256), (0, 0))
        os.utime(_file(stale), (0, 0))
        later = time.time()
    young = 7200 if media_backend == "file" else 60
    dry = photo_upkeep.collect_garbage(
        session, dry_run=True, now=later, min_age_seconds=young
    )
    assert stale in dry.orphans
    assert storage.exists(stale)
    result = photo_upkeep.collect_garbage(session, now=later, min_age_seconds=young)
    assert stale in result.orphans
    assert not storage.exists(stale)
    assert storage.exists(kept.sha256)
    assert storage.exists(kept.thumb_sha256)
    if media_backend == "file":
        assert storage.exists(fresh)  # young: may belong to an upload in flight
    # No file a row points to was taken (other tests may have deleted demo
    # photos' files in transactions later rolled back: check what gc chose).
    referenced = set()
    for photo in session.scalars(select(Photo)):
        referenced |= {photo.sha256, photo.thumb_sha256}
    assert referenced.isdisjoint(dry.orphans)
    assert referenced.isdisjoint(result.orphans)


@pytest.mark.file_store
def test_gc_command(database_url: str) -> None:
    stale = _orphan(b"\xff\xd8\xff cli " + os.urandom(16), 7200, "file")
    result = CliRunner().invoke(app, ["photos", "gc", "--min-age-minutes", "30"])
    assert result.exit_code == 0, result.output
    assert "tệp ảnh không còn dùng" in result.output
    assert not storage.exists(stale)
